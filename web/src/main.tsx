import { render } from "preact";
import { language } from "./i18n";
import { registerServiceWorker } from "./pwa";
import "./styles/app.css";
import { App } from "./ui/App";
import type { ProfileAccess } from "./ui/profiles";

// Until core/client.ts (branch web-net) is merged, no profile can be made: every start shows the register screen.
const profiles: ProfileAccess = {
  find: async () => ({ kind: "none" }),
  create: () => Promise.reject(new Error("core/client.ts is not built yet")),
  unlock: () => Promise.reject(new Error("core/client.ts is not built yet")),
};

document.documentElement.lang = language();
render(<App profiles={profiles} />, document.getElementById("app")!);
registerServiceWorker();
