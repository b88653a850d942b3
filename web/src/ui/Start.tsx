// First run: register a new account, or link this browser to an existing one (code, QR code and
// fingerprint shown until the other device approves). And unlock, when a passphrase guards the profile.
// The server field holds this page's own server, or a bridge link to reach it through when it cannot
// be reached directly; another server's address pasted there is refused with why
// (core/net/address.ts checkTypedAddress) before anything is created.
import { useState } from "preact/hooks";
import type { LinkRequest, ParleyApp } from "../core/api";
import { canonicalServerUrl, checkTypedAddress, isBridgeLink } from "../core/net/address";
import { t, type MessageKey } from "../i18n";
import { ErrorText } from "./ErrorText";
import { useAction, useFocusOnMount } from "./hooks";
import { LanguageSelect } from "./LanguageSelect";
import type { ProfileAccess } from "./profiles";
import { Qr } from "./Qr";

export function Unlock(props: { profiles: ProfileAccess; onOpened: (app: ParleyApp) => void }) {
  const [passphrase, setPassphrase] = useState("");
  const { run, busy, error } = useAction();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <main class="centered start">
      <h1 tabIndex={-1} ref={heading}>
        {t("unlockTitle")}
      </h1>
      <p>{t("unlockIntro")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => props.onOpened(await props.profiles.unlock(passphrase)));
        }}
      >
        <div class="field">
          <label for="unlock-passphrase">{t("passphrase")}</label>
          <input
            id="unlock-passphrase"
            type="password"
            autocomplete="current-password"
            required
            value={passphrase}
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        </div>
        <ErrorText error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("unlocking") : t("unlock")}
        </button>
      </form>
      <LanguageSelect />
    </main>
  );
}

export function Start(props: { profiles: ProfileAccess; app?: ParleyApp; onReady: (app: ParleyApp) => void }) {
  const [mode, setMode] = useState<"register" | "link">("register");
  // The profile made by a first attempt is kept: a retry (e.g. after "username taken") reuses it.
  const [app, setApp] = useState<ParleyApp | undefined>(props.app);
  const [server, setServer] = useState(location.origin);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const profileApp = async (passphrase: string) => {
    const address = checkTypedAddress(server, [canonicalServerUrl(location.origin)]);
    const via = isBridgeLink(address) ? address : undefined;
    if (app) return { app, via };
    const created = await props.profiles.create(passphrase || undefined);
    setApp(created);
    return { app: created, via };
  };
  return (
    <main class="centered start">
      <h1 tabIndex={-1} ref={heading}>
        {t("startTitle")}
      </h1>
      <p>{t("startIntro")}</p>
      <div class="tabs" role="group">
        <button type="button" aria-pressed={mode === "register"} onClick={() => setMode("register")}>
          {t("registerTab")}
        </button>
        <button type="button" aria-pressed={mode === "link"} onClick={() => setMode("link")}>
          {t("linkTab")}
        </button>
      </div>
      {mode === "register" ? (
        <RegisterForm needsPassphrase={!app} profileApp={profileApp} onReady={props.onReady} server={<ServerField id="register-server" value={server} onInput={setServer} />} />
      ) : (
        <LinkForm needsPassphrase={!app} profileApp={profileApp} onReady={props.onReady} server={<ServerField id="link-server" value={server} onInput={setServer} />} />
      )}
      <LanguageSelect />
    </main>
  );
}

/** The server's rule (accounts/Username.java), case-folded there: checked here only to help typing. */
const USERNAME_PATTERN = "[A-Za-z0-9_.]{3,32}";

type FormProps = {
  needsPassphrase: boolean;
  /** The server field, checked by profileApp. */
  server: preact.ComponentChildren;
  /** The profile, and the bridge link to go through when the field holds one. */
  profileApp: (passphrase: string) => Promise<{ app: ParleyApp; via?: string }>;
  onReady: (app: ParleyApp) => void;
};

type FieldProps = { id: string; value: string; onInput: (value: string) => void };

/** A required one-line field of plain text (no capitals, spell check or spaces at its ends added), with a hint under it. */
function PlainField(props: FieldProps & { label: MessageKey; hint: MessageKey; autocomplete: string; pattern?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{t(props.label)}</label>
      <input
        id={props.id}
        autocomplete={props.autocomplete}
        autocapitalize="none"
        spellcheck={false}
        required
        pattern={props.pattern}
        aria-describedby={`${props.id}-hint`}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value.trim())}
      />
      <p class="hint" id={`${props.id}-hint`}>
        {t(props.hint)}
      </p>
    </div>
  );
}

function UsernameField(props: FieldProps) {
  return <PlainField {...props} label="username" hint="usernameHint" autocomplete="username" pattern={USERNAME_PATTERN} />;
}

function ServerField(props: FieldProps) {
  return <PlainField {...props} label="serverField" hint="serverFieldHint" autocomplete="off" />;
}

function PassphraseField(props: { id: string; value: string; onInput: (value: string) => void }) {
  return (
    <div class="field">
      <label for={props.id}>
        {t("passphrase")} <span class="muted">{t("optional")}</span>
      </label>
      <input
        id={props.id}
        type="password"
        autocomplete="new-password"
        aria-describedby={`${props.id}-hint`}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <p class="hint" id={`${props.id}-hint`}>
        {t("passphraseHint")}
      </p>
    </div>
  );
}

function RegisterForm(props: FormProps) {
  const [username, setUsername] = useState("");
  const [invite, setInvite] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const { run, busy, error } = useAction();
  return (
    <form
      aria-label={t("registerTab")}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const { app, via } = await props.profileApp(passphrase);
          await app.register(username, invite.trim() || undefined, via);
          props.onReady(app);
        });
      }}
    >
      <UsernameField id="register-username" value={username} onInput={setUsername} />
      {props.server}
      <div class="field">
        <label for="register-invite">
          {t("inviteCode")} <span class="muted">{t("optional")}</span>
        </label>
        <input id="register-invite" autocomplete="off" value={invite} onInput={(e) => setInvite(e.currentTarget.value)} />
      </div>
      {props.needsPassphrase && <PassphraseField id="register-passphrase" value={passphrase} onInput={setPassphrase} />}
      <ErrorText error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t("registering") : t("register")}
      </button>
    </form>
  );
}

function LinkForm(props: FormProps) {
  const [username, setUsername] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [request, setRequest] = useState<LinkRequest>();
  const { run, busy, error } = useAction();
  if (request) return <LinkWaiting request={request} error={error} />;
  return (
    <form
      aria-label={t("linkTab")}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const { app, via } = await props.profileApp(passphrase);
          const pending = await app.requestLink(username, via);
          setRequest(pending);
          await pending.approved;
          props.onReady(app);
        });
      }}
    >
      <p>{t("linkIntro")}</p>
      <UsernameField id="link-username" value={username} onInput={setUsername} />
      {props.server}
      {props.needsPassphrase && <PassphraseField id="link-passphrase" value={passphrase} onInput={setPassphrase} />}
      <ErrorText error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {t("requestLink")}
      </button>
    </form>
  );
}

function LinkWaiting(props: { request: LinkRequest; error?: string }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="link-code" aria-labelledby="link-code-title">
      <h2 id="link-code-title" tabIndex={-1} ref={heading}>
        {t("linkCodeTitle")}
      </h2>
      <p>{t("linkCodeSteps")}</p>
      <dl>
        <dt>{t("linkCode")}</dt>
        <dd>
          <code class="code" data-testid="link-code">
            {props.request.code}
          </code>
        </dd>
        <dt>{t("fingerprint")}</dt>
        <dd>
          <code class="code" data-testid="link-fingerprint">
            {props.request.fingerprint}
          </code>
        </dd>
      </dl>
      <Qr text={props.request.code} />
      {props.error ? <ErrorText error={props.error} /> : <p aria-live="polite">{t("waitingForApproval")}</p>}
    </section>
  );
}
