import { render } from "preact";

// The user interface (src/ui) mounts here.
render(<p>Parley</p>, document.getElementById("app")!);
