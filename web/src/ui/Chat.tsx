// One conversation: header with calls and group/safety, the request banner, the messages (the
// newest PAGE first, read from storage when opened; older pages as the user scrolls up or presses
// "show earlier", which keyboard and screen-reader users reach as a button) and the composer.
// Drop a file anywhere on it to send it.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage, ConversationSummary, ParleyApp } from "../core/api";
import { t } from "../i18n";
import { Composer } from "./Composer";
import { ErrorText } from "./ErrorText";
import { useAction, useFocusOnMount } from "./hooks";
import { MessageRow } from "./MessageItem";
import { Icon } from "./Icon";
import { ForkWarning, TimerSetting } from "./TimerSetting";

/** Messages shown at first and added by each "show earlier": the DOM stays small in long chats (read receipts name at most this first page: core/conversations READ_RECEIPTS_AT_MOST). */
const PAGE = 100;
/** Scrolled this close to the top, the next page is read. */
const EARLIER_MARGIN_PX = 200;
/** Scrolled this close to the bottom, the list follows new messages. */
const STICK_MARGIN_PX = 48;

export type ComposerMode = { kind: "new" } | { kind: "reply"; message: ChatMessage } | { kind: "edit"; message: ChatMessage };

export function Chat(props: {
  app: ParleyApp;
  conversation: ConversationSummary;
  tick: number;
  onBack: () => void;
  onGroup: () => void;
  onSafety: (username: string) => void;
  onCall: (video: boolean) => Promise<void>;
  onLeft: () => void;
}) {
  const { app, conversation } = props;
  const [limit, setLimit] = useState(PAGE);
  const [mode, setMode] = useState<ComposerMode>({ kind: "new" });
  const [dragging, setDragging] = useState(false);
  const action = useAction();
  const heading = useFocusOnMount<HTMLHeadingElement>([conversation.id]);
  const list = useRef<HTMLOListElement>(null);
  /**
   * The list's scroll height when it was last laid out. With the live scroll position it says whether
   * the user was at the bottom before this render, even when their scroll's event has not been
   * dispatched yet: a render in that gap must not pull them back down (and lose the scroll up).
   */
  const heightLaidOut = useRef(0);
  /** Asked for older messages at this height and count: once they are above, the view stays on what the user was reading. */
  const earlierAsked = useRef<{ height: number; shown: number }>();
  const composerInput = useRef<HTMLTextAreaElement>(null);

  const messages = app.messages(conversation.id, limit);
  const hasEarlier = app.hasEarlier(conversation.id, messages.length);
  const empty = messages.length === 0 && !app.hasEarlier(conversation.id, 0);
  const showEarlier = () => {
    if (messages.length < limit || !list.current) return; // the page asked for is still being read
    earlierAsked.current = { height: list.current.scrollHeight, shown: messages.length };
    setLimit(limit + PAGE);
  };

  useEffect(() => setLimit(PAGE), [conversation.id]);

  // Reading the open conversation marks it read (and sends read receipts), while the page is seen.
  useEffect(() => {
    if (conversation.unread > 0 && !conversation.request && document.visibilityState === "visible") {
      void action.run(() => app.markRead(conversation.id));
    }
  }, [conversation.id, conversation.unread, props.tick]);

  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const wasAtBottom = heightLaidOut.current - element.scrollTop - element.clientHeight < STICK_MARGIN_PX;
    const asked = earlierAsked.current;
    if (wasAtBottom) {
      element.scrollTop = element.scrollHeight;
    } else if (asked !== undefined && messages.length > asked.shown) {
      element.scrollTop += element.scrollHeight - asked.height;
      earlierAsked.current = undefined;
    }
    heightLaidOut.current = element.scrollHeight;
  }, [messages.length, props.tick, conversation.id]);

  const focusComposer = () => composerInput.current?.focus();
  /** What the user sent is shown, wherever they had scrolled to. */
  const scrollToBottom = () => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  };
  const sendFiles = (files: FileList | File[]) => {
    for (const file of Array.from(files)) void action.run(() => app.sendFile(conversation.id, file, file.name));
  };

  return (
    <section
      class={dragging ? "chat chat--dragging" : "chat"}
      aria-labelledby="chat-title"
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes("Files") || conversation.request) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (e.dataTransfer?.files.length) sendFiles(e.dataTransfer.files);
      }}
    >
      <header class="pane__header chat__header">
        <button type="button" class="icon-button back" onClick={props.onBack} aria-label={t("back")} title={t("back")}>
          <Icon name="back" />
        </button>
        <h2 id="chat-title" tabIndex={-1} ref={heading}>
          {conversation.name}
        </h2>
        <div class="chat__tools">
          <TimerSetting app={app} conversation={conversation} />
          {!conversation.request && (
            <>
              <button type="button" class="icon-button" onClick={() => void action.run(() => props.onCall(false))} aria-label={t("callAudio")} title={t("callAudio")}>
                <Icon name="phone" />
              </button>
              <button type="button" class="icon-button" onClick={() => void action.run(() => props.onCall(true))} aria-label={t("callVideo")} title={t("callVideo")}>
                <Icon name="video" />
              </button>
            </>
          )}
          {conversation.direct && conversation.peer ? (
            <button type="button" class="icon-button" onClick={() => props.onSafety(conversation.peer!)} aria-label={t("safetyNumber")} title={t("safetyNumber")}>
              <Icon name="shield" />
            </button>
          ) : (
            <button type="button" class="icon-button" onClick={props.onGroup} aria-label={t("groupInfo")} title={t("groupInfo")}>
              <Icon name="people" />
            </button>
          )}
        </div>
      </header>
      <ForkWarning conversation={conversation} />
      {conversation.request && <RequestBanner app={app} conversation={conversation} onGone={props.onLeft} />}
      <ol
        class="messages"
        ref={list}
        aria-label={t("messagesOf", { name: conversation.name })}
        tabIndex={0}
        onScroll={(e) => {
          const element = e.currentTarget;
          const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_MARGIN_PX;
          if (element.scrollTop < EARLIER_MARGIN_PX && hasEarlier && !atBottom) showEarlier();
        }}
      >
        {hasEarlier && (
          <li class="messages__earlier">
            <button type="button" onClick={showEarlier}>
              {t("showEarlier")}
            </button>
          </li>
        )}
        {empty && <li class="empty-state">{t("noMessages")}</li>}
        {messages.map((message) => (
          <MessageRow
            key={message.id}
            app={app}
            message={message}
            readOnly={conversation.request}
            onReply={() => {
              setMode({ kind: "reply", message });
              focusComposer();
            }}
            onEdit={() => {
              setMode({ kind: "edit", message });
              focusComposer();
            }}
            onError={(error) => void action.run(() => Promise.reject(error))}
          />
        ))}
      </ol>
      {dragging && (
        <p class="drop-hint" aria-hidden="true">
          {t("dropHere")}
        </p>
      )}
      <ErrorText error={action.error} />
      {!conversation.request && (
        <Composer
          app={app}
          conversationId={conversation.id}
          mode={mode}
          inputRef={composerInput}
          onMode={setMode}
          onFiles={sendFiles}
          onSent={scrollToBottom}
        />
      )}
    </section>
  );
}

function RequestBanner(props: { app: ParleyApp; conversation: ConversationSummary; onGone: () => void }) {
  const { app, conversation } = props;
  const { run, busy, error } = useAction();
  const sender = conversation.peer; // a group's request names no one to block
  return (
    <div class="request-banner" role="region" aria-label={t("requestMark")}>
      <p>{t("requestBanner", { name: sender ?? conversation.name })}</p>
      <div class="toolbar">
        <button type="button" class="primary" disabled={busy} onClick={() => void run(() => app.accept(conversation.id))}>
          {t("accept")}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await app.deleteRequest(conversation.id);
              props.onGone();
            })
          }
        >
          {t("delete")}
        </button>
        {sender && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => {
              if (!confirm(t("blockConfirm", { name: sender }))) return;
              void run(async () => {
                await app.block(sender);
                props.onGone();
              });
            }}
          >
            {t("block")}
          </button>
        )}
      </div>
      <ErrorText error={error} />
    </div>
  );
}
