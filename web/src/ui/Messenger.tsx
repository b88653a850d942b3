// The signed-in app: conversation list and the open conversation (side by side when wide, one at a
// time when narrow), settings, dialogs, the call panel, and what the core's events change.
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { AppEvent, CallInfo, ConnectionState, NoticeCode, ParleyApp } from "../core/api";
import { type MessageKey, t } from "../i18n";
import { announce } from "./announce";
import { incomingCallText } from "./callText";
import { Chat } from "./Chat";
import { ConversationList } from "./ConversationList";
import { GroupDialog } from "./GroupDialog";
import { lazyComponent } from "./lazy";
import { NewDirectDialog, NewGroupDialog } from "./NewConversation";
import { Notices, useNotices } from "./Notices";
import { SafetyDialog } from "./SafetyNumber";
import { Settings } from "./Settings";
import { timerLabel } from "./TimerSetting";

const CallPanel = lazyComponent(() => import("./CallPanel").then((m) => m.CallPanel));

/** How long an ended call stays on screen, so its end is seen and announced. */
const ENDED_CALL_MS = 3000;

type View = { kind: "list" } | { kind: "chat"; id: string } | { kind: "settings" };
type OpenDialog =
  | { kind: "newDirect" }
  | { kind: "newGroup" }
  | { kind: "group"; id: string }
  | { kind: "safety"; username: string }
  | undefined;

export function Messenger(props: { app: ParleyApp }) {
  const app = props.app;
  const [view, setView] = useState<View>({ kind: "list" });
  const [dialog, setDialog] = useState<OpenDialog>();
  const [tick, bump] = useReducer((n: number) => n + 1, 0);
  const [connection, setConnection] = useState<{ state: ConnectionState; error?: string }>();
  const [calls, setCalls] = useState<CallInfo[]>([]);
  const [notices, notice, closeNotice] = useNotices();
  const lastAnnounced = useRef(new Map<string, string>());
  const listHeading = useRef<HTMLHeadingElement>(null);

  const updateCall = (call: CallInfo) => {
    setCalls((current) => [...current.filter((c) => c.id !== call.id), call]);
    if (call.state === "ended") {
      setTimeout(() => setCalls((current) => current.filter((c) => c.id !== call.id || c.state !== "ended")), ENDED_CALL_MS);
    }
  };

  // Signing in is a screen change: focus starts at the list's heading.
  useEffect(() => listHeading.current?.focus(), []);

  useEffect(
    () =>
      app.subscribe((event) => {
        switch (event.kind) {
          case "connection":
            setConnection((previous) => ({
              state: event.state,
              // A failure is remembered through the reconnect attempts that follow it, until online.
              error: event.state === "online" ? undefined : (event.error ?? previous?.error),
            }));
            break;
          case "conversations":
            bump(0);
            break;
          case "messages":
            bump(0);
            announceNewMessage(app, event.conversationId, lastAnnounced.current);
            break;
          case "call":
            updateCall(event.call);
            if (event.call.state === "incoming") announce(incomingCallText(event.call), true);
            break;
          case "notice": {
            console.info("[parley]", event.message);
            notice(noticeText(event));
            break;
          }
        }
      }),
    [app],
  );

  const conversations = app.conversations();
  const open = view.kind === "chat" ? conversations.find((c) => c.id === view.id) : undefined;
  const call = calls.at(-1);

  const backToList = () => {
    setView({ kind: "list" });
    requestAnimationFrame(() => listHeading.current?.focus());
  };
  const startCall = async (conversationId: string, video: boolean) => updateCall(await app.startCall(conversationId, video));

  return (
    <div class={`messenger messenger--${view.kind}`}>
      <ConnectionBanner connection={connection} />
      <Notices notices={notices} onClose={closeNotice} />
      <div class="panes">
        <ConversationList
          conversations={conversations}
          selectedId={open?.id}
          headingRef={listHeading}
          onSelect={(id) => setView({ kind: "chat", id })}
          onNewDirect={() => setDialog({ kind: "newDirect" })}
          onNewGroup={() => setDialog({ kind: "newGroup" })}
          onSettings={() => setView({ kind: "settings" })}
          settingsOpen={view.kind === "settings"}
        />
        <main class="pane pane--detail">
          {open ? (
            <Chat
              key={open.id}
              app={app}
              conversation={open}
              tick={tick}
              onBack={backToList}
              onGroup={() => setDialog({ kind: "group", id: open.id })}
              onSafety={(username) => setDialog({ kind: "safety", username })}
              onCall={(video) => startCall(open.id, video)}
              onLeft={backToList}
            />
          ) : view.kind === "settings" ? (
            <Settings app={app} onBack={backToList} onSafety={(username) => setDialog({ kind: "safety", username })} />
          ) : (
            <p class="empty-state">{t("chooseConversation")}</p>
          )}
        </main>
      </div>
      {call && (
        <CallPanel
          app={app}
          call={call}
          conversationName={conversations.find((c) => c.id === call.conversationId)?.name ?? ""}
          onUpdate={updateCall}
        />
      )}
      {dialog?.kind === "newDirect" && (
        <NewDirectDialog
          app={app}
          onClose={() => setDialog(undefined)}
          onOpened={(id) => {
            setDialog(undefined);
            setView({ kind: "chat", id });
          }}
        />
      )}
      {dialog?.kind === "newGroup" && (
        <NewGroupDialog
          app={app}
          onClose={() => setDialog(undefined)}
          onOpened={(id) => {
            setDialog(undefined);
            setView({ kind: "chat", id });
          }}
        />
      )}
      {dialog?.kind === "group" && (
        <GroupDialog
          app={app}
          conversation={conversations.find((c) => c.id === dialog.id)}
          tick={tick}
          onClose={() => setDialog(undefined)}
          onLeft={() => {
            setDialog(undefined);
            backToList();
          }}
        />
      )}
      {dialog?.kind === "safety" && <SafetyDialog app={app} username={dialog.username} onClose={() => setDialog(undefined)} />}
    </div>
  );
}

function ConnectionBanner(props: { connection?: { state: ConnectionState; error?: string } }) {
  const connection = props.connection;
  if (!connection || connection.state === "online") return null;
  const text = connection.error
    ? t("connectionUnreachable")
    : connection.state === "offline"
      ? t("connectionOffline")
      : t("connectionConnecting");
  return (
    <div class={connection.error ? "banner banner--error" : "banner"} role="status" data-testid="connection-banner">
      {text}
    </div>
  );
}

/**
 * A notice in the chosen language, by its code (the English message beside it may name exceptions:
 * it goes to the console only). A code without its notice… sentence in the catalogues fails the build.
 */
export function noticeText(notice: Extract<AppEvent, { kind: "notice" }>): string {
  const params = notice.params ?? {};
  const code = notice.code;
  switch (code) {
    case "TIMER":
      return Number(params.seconds) === 0 ? t("noticeTimerOff", { name: params.name }) : t("noticeTimer", { name: params.name, time: timerLabel(Number(params.seconds)) });
    case "FORKED":
      return t("errFORKED", { conversation: params.conversation });
    case "SERVER_KEY_CHANGED":
      return t("errSERVER_KEY_CHANGED");
    default:
      return t(noticeKey(code), params);
  }
}

function noticeKey(code: Exclude<NoticeCode, "TIMER" | "FORKED" | "SERVER_KEY_CHANGED">): MessageKey {
  return `notice${code}`;
}

/** Announces the newest message of a conversation once, when someone else sent it. */
function announceNewMessage(app: ParleyApp, conversationId: string, lastAnnounced: Map<string, string>) {
  const last = app.messages(conversationId, 1).at(-1);
  if (!last || last.outgoing || last.deleted || lastAnnounced.get(conversationId) === last.id) return;
  lastAnnounced.set(conversationId, last.id);
  const conversation = app.conversations().find((c) => c.id === conversationId);
  announce(
    t("newMessageFrom", {
      sender: last.sender,
      conversation: conversation?.name ?? "",
      text: last.text || (last.attachment?.name ?? ""),
    }),
  );
}
