import { constantTimeEquals } from "../bytes";
import type { MlsGroup } from "../mls/group";

/** A group's name, or for a 1:1 the username of the other account's devices (a 1:1's settings name no one). */
export function conversationName(group: MlsGroup, ownAccount: Uint8Array): string {
  const settings = group.settings();
  if (!settings.direct) return settings.name;
  const other = settings.otherDirectAccount(ownAccount);
  const member = group.members().find((m) => other && constantTimeEquals(m.credential.accountId, other));
  return member?.credential.username ?? "(someone)";
}
