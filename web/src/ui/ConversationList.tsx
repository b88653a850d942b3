import type { Ref } from "preact";
import type { ConversationSummary } from "../core/api";
import { formatTime, t } from "../i18n";
import { Icon } from "./Icon";

export function ConversationList(props: {
  conversations: ConversationSummary[];
  selectedId?: string;
  settingsOpen: boolean;
  headingRef: Ref<HTMLHeadingElement>;
  onSelect: (id: string) => void;
  onNewDirect: () => void;
  onNewGroup: () => void;
  onSettings: () => void;
}) {
  const byRecent = [...props.conversations].sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0));
  const requests = byRecent.filter((c) => c.request);
  const accepted = byRecent.filter((c) => !c.request);
  const item = (c: ConversationSummary) => (
    <li key={c.id}>
      <button
        type="button"
        class="conversation"
        aria-current={c.id === props.selectedId ? "true" : undefined}
        onClick={() => props.onSelect(c.id)}
        data-testid="conversation"
      >
        <span class="conversation__name">{c.name}</span>
        {c.lastAt !== undefined && <time class="conversation__time" dateTime={new Date(c.lastAt).toISOString()}>{formatTime(c.lastAt)}</time>}
        <span class="conversation__last">{c.lastText ?? ""}</span>
        {c.unread > 0 && (
          <>
            <span class="badge" aria-hidden="true">
              {c.unread}
            </span>
            <span class="visually-hidden">{t("unreadCount", { count: c.unread })}</span>
          </>
        )}
      </button>
    </li>
  );
  return (
    <nav class="pane pane--list" aria-labelledby="conversations-title">
      <header class="pane__header">
        <h1 id="conversations-title" tabIndex={-1} ref={props.headingRef}>
          {t("conversations")}
        </h1>
        <button type="button" class="icon-button" aria-pressed={props.settingsOpen} onClick={props.onSettings} aria-label={t("settings")} title={t("settings")}>
          <Icon name="settings" />
        </button>
      </header>
      <div class="toolbar">
        <button type="button" onClick={props.onNewDirect}>
          {t("newDirect")}
        </button>
        <button type="button" onClick={props.onNewGroup}>
          {t("newGroup")}
        </button>
      </div>
      {requests.length > 0 && (
        <section aria-labelledby="requests-title" class="requests">
          <h2 id="requests-title">{t("requests")}</h2>
          <ul class="conversation-list" data-testid="requests">
            {requests.map(item)}
          </ul>
        </section>
      )}
      {accepted.length > 0 ? (
        <ul class="conversation-list" aria-labelledby="conversations-title">
          {accepted.map(item)}
        </ul>
      ) : (
        requests.length === 0 && <p class="empty-state">{t("noConversations")}</p>
      )}
    </nav>
  );
}
