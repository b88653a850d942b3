// The root: finds the profile in this browser, then shows unlock, start (register or link) or the
// messenger. Re-renders everything when the language changes, since t() reads the current one.
import { useEffect, useReducer, useState } from "preact/hooks";
import type { ParleyApp } from "../core/api";
import { onLanguageChange, t } from "../i18n";
import { LiveRegions } from "./announce";
import { ErrorText } from "./ErrorText";
import { errorText } from "./lazy";
import { Messenger } from "./Messenger";
import type { ProfileAccess } from "./profiles";
import { Start, Unlock } from "./Start";

type Phase = { kind: "loading" } | { kind: "locked" } | { kind: "start"; app?: ParleyApp } | { kind: "ready"; app: ParleyApp };

export function App(props: { profiles: ProfileAccess }) {
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [bootError, setBootError] = useState<string>();
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => onLanguageChange(() => rerender(0)), []);

  const opened = (app: ParleyApp) => setPhase(app.username ? { kind: "ready", app } : { kind: "start", app });
  const find = () => {
    setBootError(undefined);
    props.profiles.find().then(
      (found) => (found.kind === "open" ? opened(found.app) : setPhase({ kind: found.kind === "none" ? "start" : "locked" })),
      (e: unknown) => setBootError(errorText(e)),
    );
  };
  useEffect(find, []);

  let screen;
  switch (phase.kind) {
    case "loading":
      screen = bootError ? (
        <main class="centered start">
          <h1>{t("appName")}</h1>
          <p>{t("openFailed")}</p>
          <ErrorText error={bootError} />
          <button type="button" class="primary" onClick={find}>
            {t("tryAgain")}
          </button>
        </main>
      ) : (
        <main class="centered" aria-busy="true">
          <p class="muted">{t("loading")}</p>
        </main>
      );
      break;
    case "locked":
      screen = <Unlock profiles={props.profiles} onOpened={opened} />;
      break;
    case "start":
      screen = <Start profiles={props.profiles} app={phase.app} onReady={(app) => setPhase({ kind: "ready", app })} />;
      break;
    case "ready":
      screen = <Messenger app={phase.app} />;
      break;
  }
  return (
    <>
      {screen}
      <LiveRegions />
    </>
  );
}
