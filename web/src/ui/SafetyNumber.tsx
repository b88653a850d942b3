// A contact's safety number: the digits in groups, a QR code of it, verified or not, and a loud
// warning when their keys changed since they were verified.
import { useEffect, useState } from "preact/hooks";
import type { ParleyApp, SafetyNumberInfo } from "../core/api";
import { t } from "../i18n";
import { Dialog } from "./Dialog";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";
import { Qr } from "./Qr";

export function SafetyNumberView(props: { app: ParleyApp; username: string }) {
  const { app, username } = props;
  const [info, setInfo] = useState<SafetyNumberInfo>();
  const { run, busy, error } = useAction();
  useEffect(() => {
    setInfo(undefined);
    void run(async () => setInfo(await app.safetyNumber(username)));
  }, [username]);
  if (!info) return error ? <ErrorText error={error} /> : <p class="muted">{t("loading")}</p>;
  return (
    <div class="safety" data-testid="safety-number">
      {info.changed && (
        <p class="warning" role="alert">
          {t("safetyChanged", { name: info.username })}
        </p>
      )}
      <p class="safety__digits">
        <span class="visually-hidden">{t("safetyNumberOf", { name: info.username })}: </span>
        {info.number.split(/\s+/).map((group, i) => (
          <span key={i} class="safety__group">
            {group}
          </span>
        ))}
      </p>
      <Qr text={info.qr} size={240} />
      <p class={info.verified && !info.changed ? "verified" : "muted"}>{info.verified && !info.changed ? `✓ ${t("verified")}` : t("notVerified")}</p>
      {!(info.verified && !info.changed) && (
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await app.verify(username);
              setInfo(await app.safetyNumber(username));
            })
          }
        >
          {t("markVerified")}
        </button>
      )}
      <ErrorText error={error} />
    </div>
  );
}

export function SafetyDialog(props: { app: ParleyApp; username: string; onClose: () => void }) {
  return (
    <Dialog title={t("safetyNumberOf", { name: props.username })} onClose={props.onClose}>
      <p>{t("safetyIntro")}</p>
      <SafetyNumberView app={props.app} username={props.username} />
    </Dialog>
  );
}
