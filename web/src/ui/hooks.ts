import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./lazy";

/** Focuses the element once it is shown: a screen change moves keyboard and screen-reader focus to its heading. */
export function useFocusOnMount<T extends HTMLElement>(deps: unknown[] = []) {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, deps);
  return ref;
}

/**
 * Runs an async action, keeping whether it runs and its error as a user-facing text (shown with
 * ErrorText, whose role="alert" makes screen readers read it).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      const message = errorText(e);
      if (mounted.current) setError(message);
      return false;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { run, busy, error, clearError: () => setError(undefined) };
}
