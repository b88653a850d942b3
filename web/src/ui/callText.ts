// Words for an incoming call, shared by the call panel (loaded later) and the messenger's
// announcement, which is made before the panel is loaded.
import type { CallInfo } from "../core/api";
import { t } from "../i18n";

/** Who rang: the first participant of an incoming call. */
export function caller(call: CallInfo): string {
  return call.participants[0] ?? "";
}

/** "Incoming (video) call from X": what the ring offered. */
export function incomingCallText(call: CallInfo): string {
  return t(call.videoOffered ? "callIncomingVideo" : "callIncoming", { name: caller(call) });
}
