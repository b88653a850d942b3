// Writing a message: Enter sends, Shift+Enter starts a new line, Escape leaves reply or edit mode.
// Text over MAX_MESSAGE_BYTES is refused here, before anything is encrypted or queued.
import type { Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ParleyApp } from "../core/api";
import { stageEnd, stageStart } from "../core/timing";
import { t } from "../i18n";
import type { ComposerMode } from "./Chat";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";
import { Icon } from "./Icon";

export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Why text cannot be sent as one message, or undefined when it can. */
export function tooLongError(text: string): string | undefined {
  const size = new TextEncoder().encode(text).length;
  if (size <= MAX_MESSAGE_BYTES) return undefined;
  return t("tooLong", { size: Math.ceil(size / 1024), limit: MAX_MESSAGE_BYTES / 1024 });
}

export function Composer(props: {
  app: ParleyApp;
  conversationId: string;
  mode: ComposerMode;
  inputRef: Ref<HTMLTextAreaElement>;
  onMode: (mode: ComposerMode) => void;
  onFiles: (files: FileList) => void;
  onSent: () => void;
}) {
  const { app, conversationId, mode } = props;
  const [text, setText] = useState("");
  const { run, busy, error, clearError } = useAction();
  const [refused, setRefused] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);

  // Entering edit mode puts the message's text in the box.
  const editedId = mode.kind === "edit" ? mode.message.id : undefined;
  useEffect(() => {
    if (mode.kind === "edit") setText(mode.message.text);
  }, [editedId]);

  const leaveMode = () => {
    props.onMode({ kind: "new" });
    if (mode.kind === "edit") setText("");
  };

  const submit = () => {
    const body = text;
    if (!body.trim()) return;
    const tooLong = tooLongError(body);
    setRefused(tooLong);
    if (tooLong) return;
    clearError();
    const started = stageStart();
    void run(async () => {
      if (mode.kind === "edit") await app.edit(conversationId, mode.message.id, body);
      else stageEnd("ui.send", started, { id: await app.send(conversationId, body, mode.kind === "reply" ? mode.message.id : undefined) });
      // Only what was sent leaves the box: text typed while it was being sent stays.
      setText((current) => (current === body ? "" : current));
      props.onMode({ kind: "new" });
      props.onSent();
    });
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {mode.kind !== "new" && (
        <div class="composer__context">
          <span>
            {mode.kind === "reply"
              ? t("replyingTo", { sender: mode.message.outgoing ? t("you") : mode.message.sender, text: mode.message.text })
              : t("editing")}
          </span>
          <button type="button" class="icon-button" onClick={leaveMode} aria-label={t("cancel")} title={t("cancel")}>
            <Icon name="close" />
          </button>
        </div>
      )}
      <ErrorText error={refused ?? error} />
      <div class="composer__row">
        <button type="button" class="icon-button" onClick={() => fileInput.current?.click()} aria-label={t("attach")} title={t("attach")}>
          <Icon name="attach" />
        </button>
        <input
          ref={fileInput}
          type="file"
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          multiple
          onChange={(e) => {
            const files = e.currentTarget.files;
            if (files?.length) props.onFiles(files);
            e.currentTarget.value = "";
          }}
          data-testid="file-input"
        />
        <label for="composer-text" class="visually-hidden">
          {t("messageLabel")}
        </label>
        <textarea
          id="composer-text"
          ref={props.inputRef}
          rows={1}
          placeholder={t("messageLabel")}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            if (refused) setRefused(undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            } else if (e.key === "Escape" && mode.kind !== "new") {
              e.preventDefault();
              leaveMode();
            }
          }}
        />
        <button type="submit" class="primary" disabled={busy}>
          {mode.kind === "edit" ? t("saveEdit") : t("send")}
        </button>
      </div>
    </form>
  );
}
