// The token blinder's worker: the wallet's RSA work (rsaWork.ts) off the main thread.
import { serveRsa, type RsaPort } from "./rsaWork";

serveRsa(self as unknown as RsaPort);
