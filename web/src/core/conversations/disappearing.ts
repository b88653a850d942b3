// Disappearing messages while the app is open (the Java ConversationStore.deleteExpired, which runs
// on each read; a page shows messages without reading again, so here a timer runs instead): at the
// earliest disappearing time the store deletes what is due, from memory and the Vault, and the UI
// hears which conversations changed.
import type { ConversationStore } from "./store";

/** setTimeout takes at most 2^31-1 ms; a timer further off is re-armed when this much has passed. */
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

export class Disappearing {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor: number | undefined;
  private closed = false;

  constructor(
    private readonly store: ConversationStore,
    /** Runs a change of the store under the conversations' lock. */
    private readonly exclusive: <T>(task: () => Promise<T>) => Promise<T>,
    private readonly changed: (conversationIds: string[]) => void,
  ) {}

  /** Arms the timer for the earliest message stored (after loading). */
  start(): void {
    this.arm(this.store.nextExpiry());
  }

  /** A message that disappears at `expiresAt` was stored. */
  noteExpiry(expiresAt: number | undefined): void {
    if (expiresAt !== undefined && (this.armedFor === undefined || expiresAt < this.armedFor)) this.arm(expiresAt);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private arm(at: number | undefined): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    if (at === undefined || this.closed) return;
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_DELAY_MS);
    this.timer = setTimeout(() => void this.run(), delay);
  }

  private async run(): Promise<void> {
    this.armedFor = undefined;
    const changed = await this.exclusive(() => this.store.expire(Date.now()));
    if (changed.length > 0) this.changed(changed);
    this.arm(this.store.nextExpiry());
  }
}
