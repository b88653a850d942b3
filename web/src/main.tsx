import { render } from "preact";
import { language } from "./i18n";
import { registerServiceWorker } from "./pwa";
import "./styles/app.css";
import "./styles/call.css";
import { App } from "./ui/App";
import { coreProfiles, loadCore } from "./ui/coreProfiles";

// The server that serves the app is the server the app talks to.
document.documentElement.lang = language();
render(<App profiles={coreProfiles(location.origin)} />, document.getElementById("app")!);
registerServiceWorker();
// The start screen needs no core; fetch it once the first screen is painted, before a click needs it.
const whenIdle = (then: () => void) => (typeof requestIdleCallback === "function" ? requestIdleCallback(then) : setTimeout(then, 0));
requestAnimationFrame(() => whenIdle(() => void loadCore().catch(() => undefined))); // a failure shows at the next need
