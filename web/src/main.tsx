import { render } from "preact";
import { language } from "./i18n";
import { registerServiceWorker } from "./pwa";
import "./styles/app.css";
import "./styles/call.css";
import { App } from "./ui/App";
import { coreProfiles } from "./ui/coreProfiles";

// The server that serves the app is the server the app talks to.
document.documentElement.lang = language();
render(<App profiles={coreProfiles(location.origin)} />, document.getElementById("app")!);
registerServiceWorker();
