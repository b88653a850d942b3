// The page's two live regions: polite for new messages and notices, assertive for errors.
// Screen readers read what changes inside them; everything else on screen stays quiet.
import { useEffect, useState } from "preact/hooks";

type Announcement = { text: string; assertive: boolean; at: number };
const listeners = new Set<(announcement: Announcement) => void>();

export function announce(text: string, assertive = false): void {
  const announcement = { text, assertive, at: Date.now() };
  listeners.forEach((listener) => listener(announcement));
}

export function LiveRegions() {
  const [polite, setPolite] = useState("");
  const [assertive, setAssertive] = useState("");
  useEffect(() => {
    const listener = (a: Announcement) => (a.assertive ? setAssertive(a.text) : setPolite(a.text));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return (
    <>
      <div class="visually-hidden" aria-live="polite" data-testid="live-polite">
        {polite}
      </div>
      <div class="visually-hidden" aria-live="assertive" data-testid="live-assertive">
        {assertive}
      </div>
    </>
  );
}
