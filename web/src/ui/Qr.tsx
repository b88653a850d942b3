import { lazyComponent } from "./lazy";

/** The QR code, fetched with import() on first use. */
export const Qr = lazyComponent(() => import("./QrCode").then((m) => m.default));
