import { useState } from "preact/hooks";
import type { ParleyApp } from "../core/api";
import { t } from "../i18n";
import { Dialog } from "./Dialog";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";

type Props = { app: ParleyApp; onClose: () => void; onOpened: (conversationId: string) => void };

export function NewDirectDialog(props: Props) {
  const [username, setUsername] = useState("");
  const { run, busy, error } = useAction();
  return (
    <Dialog title={t("newDirect")} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => props.onOpened(await props.app.openDirect(username)));
        }}
      >
        <div class="field">
          <label for="direct-username">{t("username")}</label>
          <input
            id="direct-username"
            required
            autocapitalize="none"
            spellcheck={false}
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value.trim())}
          />
        </div>
        <ErrorText error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {t("startDirect")}
        </button>
      </form>
    </Dialog>
  );
}

/** Usernames typed as one line, split at commas and white space. */
export function parseUsernames(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

export function NewGroupDialog(props: Props) {
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const { run, busy, error } = useAction();
  return (
    <Dialog title={t("newGroup")} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => props.onOpened(await props.app.createGroup(name.trim(), parseUsernames(members))));
        }}
      >
        <div class="field">
          <label for="group-name">{t("groupName")}</label>
          <input id="group-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="group-members">{t("groupMembers")}</label>
          <input
            id="group-members"
            autocapitalize="none"
            spellcheck={false}
            value={members}
            onInput={(e) => setMembers(e.currentTarget.value)}
          />
        </div>
        <ErrorText error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {t("createGroup")}
        </button>
      </form>
    </Dialog>
  );
}
