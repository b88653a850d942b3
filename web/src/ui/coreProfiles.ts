// The ProfileAccess of the app: the browser's one profile through core/client.ts, on the server
// that served this page. The core (ts-mls, noble, protobuf: most of the app's bytes) is a chunk of
// its own, loaded on first need or once the first screen is painted, so the start screen comes
// from the small entry chunk; whether a profile exists is read without it.
import { profileStatus } from "../core/store/profiles";
import type { ProfileAccess } from "./profiles";

let core: Promise<typeof import("../core/client")> | undefined;

/** The MLS and crypto core, loaded once; a failed load is tried again at the next need. */
export function loadCore(): Promise<typeof import("../core/client")> {
  core ??= import("../core/client").catch((e: unknown) => {
    core = undefined;
    throw e;
  });
  return core;
}

export function coreProfiles(serverUrl: string): ProfileAccess {
  return {
    async find() {
      const status = await profileStatus();
      if (status === "unlocked") return { kind: "open", app: await (await loadCore()).openParley() };
      return { kind: status };
    },
    create: async (passphrase) => (await loadCore()).createParley(serverUrl, passphrase),
    unlock: async (passphrase) => (await loadCore()).openParley(passphrase),
  };
}
