// A component loaded with import() the first time it is shown, so the QR code generator and the
// call screen stay out of the first download.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type MessageKey, t } from "../i18n";
import { en } from "../i18n/en";
import { errorCode } from "../core/net/errors";

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState<string>();
    useEffect(() => {
      if (component) return;
      loading ??= load().then((c) => (loaded = c));
      let live = true;
      loading.then(
        (c) => live && setComponent(() => c),
        (e: unknown) => {
          loading = undefined;
          if (live) setFailed(errorText(e));
        },
      );
      return () => {
        live = false;
      };
    }, [component]);
    if (failed) return <p role="alert">{t("errorPrefix", { message: failed })}</p>;
    if (!component) return <p class="muted">{t("loading")}</p>;
    const Loaded = component;
    return <Loaded {...props} />;
  };
}

/**
 * A short, user-facing text for anything thrown; never a stack trace. An error with a code the
 * catalogues know (core/net/errors.ts, the server's ErrorCode names) is shown in the chosen
 * language; its English message stays on the error, for logs.
 */
export function errorText(error: unknown): string {
  const coded = errorCode(error);
  const key = coded && (`err${coded.code}` as MessageKey);
  if (coded && key && key in en) return t(key, coded.params);
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === "string" && error) return error;
  return String(error);
}
