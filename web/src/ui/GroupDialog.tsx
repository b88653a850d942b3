// A group's members with admin marks; admins add and remove members and grant or revoke admin.
import { useState } from "preact/hooks";
import type { ConversationSummary, ParleyApp } from "../core/api";
import { t } from "../i18n";
import { Dialog } from "./Dialog";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";

export function GroupDialog(props: {
  app: ParleyApp;
  conversation?: ConversationSummary;
  tick: number;
  onClose: () => void;
  onLeft: () => void;
}) {
  const { app, conversation } = props;
  const [username, setUsername] = useState("");
  const { run, busy, error } = useAction();
  if (!conversation) return null;
  const members = app.members(conversation.id);
  return (
    <Dialog title={t("membersTitle", { name: conversation.name })} onClose={props.onClose}>
      <ul class="members" data-testid="members">
        {members.map((m) => (
          <li key={m.username} class="member">
            <span class="member__name">
              {m.self ? `${m.username} (${t("you")})` : m.username}
              {m.admin && <span class="tag">{t("admin")}</span>}
            </span>
            {conversation.admin && !m.self && (
              <span class="member__actions">
                <button type="button" disabled={busy} onClick={() => void run(() => app.setAdmin(conversation.id, m.username, !m.admin))}>
                  {m.admin ? t("revokeAdmin", { name: m.username }) : t("makeAdmin", { name: m.username })}
                </button>
                <button type="button" class="danger" disabled={busy} onClick={() => void run(() => app.removeMember(conversation.id, m.username))}>
                  {t("removeMember", { name: m.username })}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {conversation.admin && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await app.addMember(conversation.id, username);
              setUsername("");
            });
          }}
        >
          <div class="field">
            <label for="add-member">{t("username")}</label>
            <input id="add-member" required autocapitalize="none" spellcheck={false} value={username} onInput={(e) => setUsername(e.currentTarget.value.trim())} />
          </div>
          <button type="submit" disabled={busy}>
            {t("addMember")}
          </button>
        </form>
      )}
      <ErrorText error={error} />
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          if (!confirm(t("leaveConfirm", { name: conversation.name }))) return;
          void run(async () => {
            await app.leave(conversation.id);
            props.onLeft();
          });
        }}
      >
        {t("leaveGroup")}
      </button>
    </Dialog>
  );
}
