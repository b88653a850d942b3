import { render } from "preact";
import { registerServiceWorker } from "./pwa";

// The user interface (src/ui) mounts here.
render(<p>Parley</p>, document.getElementById("app")!);
registerServiceWorker();
