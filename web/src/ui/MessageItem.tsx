// One message. Its text is a Preact text node, never HTML: whatever a sender writes (tags,
// scripts, links) is shown as the characters it is and nothing in it runs or is followed.
import { Component } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ChatMessage, MessageStatus, ParleyApp } from "../core/api";
import type { MessageKey } from "../i18n";
import { formatSize, formatTime, language, t } from "../i18n";
import { errorText } from "./lazy";
import { Icon } from "./Icon";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

const STATUS_TEXT: Record<MessageStatus, MessageKey> = {
  queued: "statusQueued",
  sent: "statusSent",
  delivered: "statusDelivered",
  read: "statusRead",
  failed: "statusFailed",
};
const STATUS_MARK: Record<MessageStatus, string> = { queued: "…", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };

interface MessageItemProps {
  app: ParleyApp;
  message: ChatMessage;
  /** A request not accepted yet: nothing is sent to it (no reply, reaction or edit) until then. */
  readOnly: boolean;
  onReply: () => void;
  onEdit: () => void;
  onError: (error: unknown) => void;
}

/**
 * A message of the list that draws again only when what it shows changed (or the language did), so
 * that a new message does not redraw the whole list. The callbacks are not compared: they act on
 * the message they are given, which is the same one while its fields are.
 */
export class MessageRow extends Component<MessageItemProps> {
  private drawnIn = language();

  override shouldComponentUpdate(next: MessageItemProps): boolean {
    const before = this.props;
    return next.app !== before.app || next.readOnly !== before.readOnly || this.drawnIn !== language() || !sameFields(next.message, before.message);
  }

  override render(props: MessageItemProps) {
    this.drawnIn = language();
    return <MessageItem {...props} />;
  }
}

/** The app hands out a fresh copy of each message per read, sharing the fields that did not change. */
function sameFields(a: ChatMessage, b: ChatMessage): boolean {
  const keys = Object.keys(a) as (keyof ChatMessage)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function MessageItem(props: MessageItemProps) {
  const { app, message } = props;
  const [actionsOpen, setActionsOpen] = useState(false);
  const self = app.username;
  const react = (emoji: string) => {
    setActionsOpen(false);
    app.react(message.conversationId, message.id, emoji).catch(props.onError);
  };
  const remove = () => {
    setActionsOpen(false);
    if (confirm(t("deleteConfirm"))) app.remove(message.conversationId, message.id).catch(props.onError);
  };
  return (
    <li
      class={`message ${message.outgoing ? "message--out" : "message--in"}${message.status === "failed" ? " message--failed" : ""}`}
      data-testid="message"
      data-message-id={message.id}
    >
      <div class="message__meta">
        <span class="message__sender">{message.outgoing ? t("you") : message.sender}</span>
        <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
      </div>
      {message.replyTo && (
        <blockquote class="message__quote">
          <span class="message__quote-sender">{message.replyTo.sender}</span>
          <span class="message__quote-text">{message.replyTo.text}</span>
        </blockquote>
      )}
      {message.deleted ? (
        <p class="message__deleted">{t("deleted")}</p>
      ) : (
        <>
          {message.attachment && <AttachmentView app={app} message={message} onError={props.onError} />}
          {message.text && (
            <p class="message__text" data-testid="message-text">
              {message.text}
            </p>
          )}
        </>
      )}
      <div class="message__footer">
        {message.edited && !message.deleted && <span class="muted">{t("edited")}</span>}
        {message.outgoing && (
          <span class={`status status--${message.status}`} data-testid="message-status" data-status={message.status}>
            <span aria-hidden="true">{STATUS_MARK[message.status]} </span>
            {t(STATUS_TEXT[message.status])}
          </span>
        )}
      </div>
      {message.reactions.length > 0 && (
        <ul class="reactions">
          {message.reactions.map((r) => {
            const mine = self !== undefined && r.users.includes(self);
            return (
              <li key={r.emoji}>
                <button
                  type="button"
                  aria-pressed={mine}
                  disabled={props.readOnly}
                  aria-label={t("reactedBy", { emoji: r.emoji, users: r.users.join(", ") })}
                  title={r.users.join(", ")}
                  onClick={() => react(mine ? "" : r.emoji)}
                >
                  {r.emoji} {r.users.length}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {!message.deleted && !props.readOnly && (
        <button
          type="button"
          class="icon-button message__toggle"
          aria-expanded={actionsOpen}
          aria-label={t("actions")}
          title={t("actions")}
          onClick={() => setActionsOpen(!actionsOpen)}
        >
          <Icon name="more" />
        </button>
      )}
      {actionsOpen && (
        <div class="message__actions" role="group" aria-label={t("actions")}>
          <button type="button" onClick={() => (setActionsOpen(false), props.onReply())}>
            {t("reply")}
          </button>
          {message.outgoing && message.text && (
            <button type="button" onClick={() => (setActionsOpen(false), props.onEdit())}>
              {t("edit")}
            </button>
          )}
          {message.outgoing && (
            <button type="button" class="danger" onClick={remove}>
              {t("delete")}
            </button>
          )}
          <span class="message__emoji" role="group" aria-label={t("react")}>
            {QUICK_REACTIONS.map((emoji) => (
              <button type="button" key={emoji} class="icon-button" onClick={() => react(emoji)}>
                {emoji}
              </button>
            ))}
          </span>
        </div>
      )}
    </li>
  );
}

/** Images load and show inline (an object URL of the checked plaintext); files download on a click. */
function AttachmentView(props: { app: ParleyApp; message: ChatMessage; onError: (error: unknown) => void }) {
  const { app, message } = props;
  const attachment = message.attachment!;
  const [imageUrl, setImageUrl] = useState<string>();
  const [failed, setFailed] = useState<string>();
  const [downloading, setDownloading] = useState(false);

  useEffect(() => {
    if (!attachment.image) return;
    let url: string | undefined;
    let live = true;
    app.download(message.conversationId, message.id).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setImageUrl(url);
      },
      (e: unknown) => live && setFailed(errorText(e)),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [message.id, attachment.image]);

  const save = async () => {
    setDownloading(true);
    try {
      const blob = await app.download(message.conversationId, message.id);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = attachment.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      props.onError(e);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div class="attachment">
      {attachment.image && imageUrl && <img class="attachment__image" src={imageUrl} alt={t("imageOf", { name: attachment.name })} />}
      {failed && <p class="error">{t("errorPrefix", { message: failed })}</p>}
      <button type="button" class="attachment__file" onClick={() => void save()} disabled={downloading} data-testid="attachment">
        <Icon name="attach" />
        {downloading ? t("downloading") : t("download", { name: attachment.name, size: formatSize(attachment.size) })}
      </button>
    </div>
  );
}
