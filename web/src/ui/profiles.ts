// How the UI reaches the profile in this browser: the one seam between the screens and
// core/client.ts, so the start screen can ask whether a profile exists and needs a passphrase.
import type { ParleyApp } from "../core/api";

export interface ProfileAccess {
  /** "none" before the first account, "locked" when a passphrase protects it, "open" otherwise. */
  status(): Promise<"none" | "locked" | "open">;
  /** Creates the profile (its keys wrapped by passphrase when given) and returns its client. */
  create(passphrase?: string): Promise<ParleyApp>;
  /** Opens the existing profile; rejects with a clear error on a wrong passphrase. */
  open(passphrase?: string): Promise<ParleyApp>;
}
