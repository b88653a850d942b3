// The call screen, loaded with import() when a call first appears: state, who is in it, answer or
// decline an incoming call, hang up, and the remote audio and video from ParleyApp.callStream().
import { useEffect, useRef } from "preact/hooks";
import type { CallInfo, CallState, ParleyApp } from "../core/api";
import type { MessageKey } from "../i18n";
import { t } from "../i18n";
import { ErrorText } from "./ErrorText";
import { useAction, useFocusOnMount } from "./hooks";

const STATE_TEXT: Record<CallState, MessageKey> = {
  ringing: "callRinging",
  incoming: "callIncoming",
  connecting: "callConnecting",
  active: "callActive",
  ended: "callEnded",
};

export function CallPanel(props: { app: ParleyApp; call: CallInfo; conversationName: string; onUpdate: (call: CallInfo) => void }) {
  const { app, call } = props;
  const { run, busy, error } = useAction();
  const heading = useFocusOnMount<HTMLHeadingElement>([call.id]);
  const audio = useRef<HTMLAudioElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const stream = call.state === "active" ? app.callStream(call.id) : undefined;

  useEffect(() => {
    for (const element of [audio.current, video.current]) {
      if (element && element.srcObject !== (stream ?? null)) element.srcObject = stream ?? null;
    }
  }, [stream, call.video]);

  const stateText = call.state === "incoming" && call.video ? t("callIncomingVideo") : t(STATE_TEXT[call.state]);
  const others = call.participants.filter((p) => p !== app.username);
  return (
    <section class={`call call--${call.state}`} aria-labelledby="call-title" data-testid="call-panel" data-state={call.state}>
      <h2 id="call-title" tabIndex={-1} ref={heading}>
        {t("callTitle", { name: props.conversationName })}
      </h2>
      <p role="status">{stateText}</p>
      {others.length > 0 && <p class="muted">{others.join(", ")}</p>}
      {call.error && <ErrorText error={call.error} />}
      <audio ref={audio} autoplay />
      {call.video && stream && <video ref={video} class="call__video" autoplay playsInline muted aria-label={t("remoteVideo", { name: others.join(", ") })} />}
      <div class="toolbar">
        {call.state === "incoming" && (
          <>
            <button type="button" class="primary" disabled={busy} onClick={() => void run(() => app.answerCall(call.id, false))}>
              {t("answerAudio")}
            </button>
            {call.video && (
              <button type="button" class="primary" disabled={busy} onClick={() => void run(() => app.answerCall(call.id, true))}>
                {t("answerVideo")}
              </button>
            )}
          </>
        )}
        {call.state !== "ended" && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await app.hangUp(call.id);
                props.onUpdate({ ...call, state: "ended" });
              })
            }
          >
            {call.state === "incoming" ? t("decline") : t("hangUp")}
          </button>
        )}
      </div>
      <ErrorText error={error} />
    </section>
  );
}
