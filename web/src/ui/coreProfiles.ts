// The ProfileAccess of the app: the browser's one profile through core/client.ts, on the server
// that served this page.
import { createParley, openParley, profileStatus } from "../core/client";
import type { ProfileAccess } from "./profiles";

export function coreProfiles(serverUrl: string): ProfileAccess {
  return {
    async find() {
      const status = await profileStatus();
      if (status === "unlocked") return { kind: "open", app: await openParley() };
      return { kind: status };
    },
    create: (passphrase) => createParley(serverUrl, passphrase),
    unlock: (passphrase) => openParley(passphrase),
  };
}
