// A component loaded with import() the first time it is shown, so the QR code generator and the
// call screen stay out of the first download.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type MessageKey, t } from "../i18n";
import { en } from "../i18n/en";
import { CoreError, type CoreErrorCode, errorCode } from "../core/net/errors";

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
 * A short sentence in the chosen language for anything thrown: an error with a code the catalogues
 * know (every CoreErrorCode, the server's ErrorCode names that have one) says what happened;
 * anything else (a WebCrypto OperationError, a TypeError...) is a general sentence, never its name
 * or message, which go to the console for whoever debugs.
 */
export function errorText(error: unknown): string {
  const coded = errorCode(error);
  if (error instanceof CoreError) return t(coreErrorKey(error.code), coded?.params);
  // The server's codes: those the catalogues have a sentence for.
  const key = coded && (`err${coded.code}` as MessageKey);
  if (coded && key && key in en) return t(key, coded.params);
  console.warn("[parley]", error);
  return t("errUnexpected");
}

/** The catalogue key of a core error: a code without its sentence in each language fails the build. */
function coreErrorKey(code: CoreErrorCode): MessageKey {
  return `err${code}`;
}
