// A component loaded with import() the first time it is shown, so the QR code generator and the
// call screen stay out of the first download.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

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

/** A short, user-facing text for anything thrown; never a stack trace. */
export function errorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === "string" && error) return error;
  return String(error);
}
