// How the UI reaches the profile in this browser: the one seam between the screens and
// core/client.ts (see coreProfiles.ts), so the start screen knows whether a profile exists and
// whether a passphrase locks it.
import type { ParleyApp } from "../core/api";

export type ProfileState = { kind: "none" } | { kind: "locked" } | { kind: "open"; app: ParleyApp };

export interface ProfileAccess {
  /** The profile of this browser: none yet, locked by a passphrase, or opened (signed in if registered). */
  find(): Promise<ProfileState>;
  /** Creates the profile (its keys wrapped by passphrase when given) and returns its client. */
  create(passphrase?: string): Promise<ParleyApp>;
  /** Opens the locked profile; rejects with a clear error on a wrong passphrase. */
  unlock(passphrase: string): Promise<ParleyApp>;
}
