// Which profile this browser holds, answered from IndexedDB alone: the start screen asks it before
// the MLS and crypto core (core/client.ts) is loaded, so this module imports nothing of that core.
import { IndexedDbVault } from "./vault";

export const DEFAULT_PROFILE = "default";

/**
 * The profile in this browser: "none" (createParley next), "locked" (openParley with its
 * passphrase) or "unlocked" (openParley without one).
 */
export async function profileStatus(profile = DEFAULT_PROFILE): Promise<"none" | "locked" | "unlocked"> {
  const protection = await IndexedDbVault.protection(profile);
  return protection === "none" ? "none" : protection === "passphrase" ? "locked" : "unlocked";
}
