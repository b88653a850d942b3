// The call screen, loaded with import() when a call first appears: state, who is in it, answer
// (with the camera or audio only) or decline an incoming call, which says who calls and whether the
// ring offered video, the camera button, hang up; the others' audio
// from ParleyApp.callStream() and their video from ParleyApp.callVideo(), one canvas per sender,
// with the sender's name in place of a picture until one is decoded (or when it never can be).
import { useEffect, useReducer, useRef } from "preact/hooks";
import type { CallInfo, CallState, ParleyApp, RemoteVideoView } from "../core/api";
import type { MessageKey } from "../i18n";
import { t } from "../i18n";
import { caller, incomingCallText } from "./callText";
import { ErrorText } from "./ErrorText";
import { useAction, useFocusOnMount } from "./hooks";
import { Icon } from "./Icon";

const STATE_TEXT: Record<Exclude<CallState, "incoming">, MessageKey> = {
  ringing: "callRinging",
  connecting: "callConnecting",
  active: "callActive",
  ended: "callEnded",
};

const CAMERA_PROBLEM: Record<NonNullable<CallInfo["cameraError"]>, MessageKey> = {
  unsupported: "cameraUnsupported",
  denied: "cameraDenied",
  missing: "cameraMissing",
  failed: "cameraFailed",
};

/** How often the video tiles' frame counts and pictures-or-names are brought up to date. */
const VIDEO_REFRESH_MS = 1000;

export function CallPanel(props: { app: ParleyApp; call: CallInfo; conversationName: string; onUpdate: (call: CallInfo) => void }) {
  const { app, call } = props;
  const { run, busy, error } = useAction();
  const heading = useFocusOnMount<HTMLHeadingElement>([call.id]);
  const audio = useRef<HTMLAudioElement>(null);
  const self = useRef<HTMLVideoElement>(null);
  const [, refresh] = useReducer((n: number) => n + 1, 0);
  const inMedia = call.state === "active" || call.state === "connecting";
  const stream = call.state === "active" ? app.callStream(call.id) : undefined;
  const video = inMedia ? app.callVideo(call.id) : undefined;
  const remotes = video?.remotes() ?? [];
  const local = video?.local;

  useEffect(() => {
    if (audio.current && audio.current.srcObject !== (stream ?? null)) audio.current.srcObject = stream ?? null;
  }, [stream]);
  useEffect(() => {
    if (self.current && self.current.srcObject !== (local ?? null)) self.current.srcObject = local ?? null;
  }, [local]);
  useEffect(() => {
    if (!inMedia) return undefined;
    const timer = setInterval(refresh, VIDEO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [inMedia]);

  const others = call.participants.filter((p) => p !== app.username);
  return (
    <section class={`call call--${call.state}`} aria-labelledby="call-title" data-testid="call-panel" data-state={call.state}>
      <div class="call__summary">
        <h2 id="call-title" tabIndex={-1} ref={heading}>
          {t("callTitle", { name: props.conversationName })}
        </h2>
        <p role="status" data-testid="call-status">
          {call.state === "incoming" ? incomingCallText(call) : t(STATE_TEXT[call.state])}
        </p>
        {/* An incoming call's status names the caller already. */}
        {others.length > 0 && call.state !== "incoming" && <p class="muted call__people">{others.join(", ")}</p>}
      </div>
      {call.error && <ErrorText error={t(call.error === "noAnswer" ? "callNoAnswer" : "callFailed")} />}
      {call.cameraError && (
        <p class="call__notice" role="status" data-testid="camera-problem">
          {t(CAMERA_PROBLEM[call.cameraError])}
        </p>
      )}
      <audio ref={audio} autoplay />
      {(remotes.length > 0 || local) && (
        <div class="call__videos" role="group" aria-label={t("callVideos")}>
          {remotes.map((remote) => (
            <VideoTile key={remote.participantId} remote={remote} />
          ))}
          {local && <video ref={self} class="call__self" autoplay playsInline muted aria-label={t("ownVideo")} data-testid="own-video" />}
        </div>
      )}
      <div class="toolbar">
        {call.state === "incoming" && <AnswerButtons app={app} call={call} busy={busy} run={run} />}
        {inMedia && (
          <button
            type="button"
            class="icon-button call__camera"
            disabled={busy}
            aria-label={call.video ? t("cameraOff") : t("cameraOn")}
            title={call.video ? t("cameraOff") : t("cameraOn")}
            data-on={call.video}
            onClick={() => void run(() => app.setCamera(call.id, !call.video))}
          >
            <Icon name={call.video ? "video" : "videoOff"} />
          </button>
        )}
        {call.state !== "ended" && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            aria-label={call.state === "incoming" ? t("declineLabel", { name: caller(call) }) : undefined}
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

/** The two ways to answer: with the camera on, or audio only. */
const ANSWERS = [
  { video: true, icon: "video", text: "answerCamera", label: "answerCameraLabel" },
  { video: false, icon: "phone", text: "answerAudioOnly", label: "answerAudioOnlyLabel" },
] as const;

/**
 * Answer with the camera or audio only; the one the ring offered comes first. The labels say what
 * the caller will get, and begin with the visible text (so that speech input finds them).
 */
function AnswerButtons(props: { app: ParleyApp; call: CallInfo; busy: boolean; run: (action: () => Promise<unknown>) => Promise<boolean> }) {
  const { app, call, busy, run } = props;
  const name = caller(call);
  const ordered = call.videoOffered ? ANSWERS : [...ANSWERS].reverse();
  return (
    <>
      {ordered.map((answer) => (
        <button
          key={answer.icon}
          type="button"
          class="primary call__answer"
          disabled={busy}
          aria-label={t(answer.label, { name })}
          onClick={() => void run(() => app.answerCall(call.id, answer.video))}
        >
          <Icon name={answer.icon} />
          {t(answer.text)}
        </button>
      ))}
    </>
  );
}

/** One sender's picture once a frame is decoded; until then (or for video this browser cannot show) their name. */
function VideoTile(props: { remote: RemoteVideoView }) {
  const { remote } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    remote.attach(canvas.current);
    return () => remote.attach(null);
  }, [remote]);
  const name = remote.name ?? t("someone", { id: remote.participantId });
  const showing = remote.decoded > 0;
  return (
    <figure class="call__tile" data-testid="remote-video" data-name={name} data-decoded={remote.decoded} data-skipped={remote.skipped}>
      <canvas ref={canvas} class="call__canvas" hidden={!showing} role="img" aria-label={t("remoteVideo", { name })} />
      <figcaption>
        {showing ? name : remote.skipped > 0 ? t("videoUnsupported", { name }) : t("videoWaiting", { name })}
      </figcaption>
    </figure>
  );
}
