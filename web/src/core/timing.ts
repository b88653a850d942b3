// Per-stage timings of a message's way from the composer to the other screen, for
// `node bench/web/latency.mjs --stages` (and the browser's own performance panel): User Timing
// measures named "parley:STAGE", whose detail names the message they timed (its content id, or its
// send id or mailbox envelope id where the content is not known yet). Nothing is recorded unless the
// page asked for it (globalThis.parleyStageTimings = true), so that a long session keeps no
// growing list of entries; when off, a stage costs one property read.

/** Which message a measure timed: content id (hex), send id (hex) or envelope id (decimal). */
export interface StageKey {
  id?: string;
  send?: string;
  envelope?: string;
}

function recording(): boolean {
  return (globalThis as { parleyStageTimings?: boolean }).parleyStageTimings === true;
}

/** The time to start a stage at (performance.now()). */
export function stageStart(): number {
  return performance.now();
}

/** Records a stage that began at `start` and ended at `end` (now, unless given). */
export function stageEnd(stage: string, start: number, key: StageKey, end = performance.now()): void {
  if (recording()) performance.measure(`parley:${stage}`, { start, end, detail: key });
}

/** Runs `work` as one stage. */
export async function timed<T>(stage: string, key: StageKey, work: () => Promise<T>): Promise<T> {
  const start = stageStart();
  try {
    return await work();
  } finally {
    stageEnd(stage, start, key);
  }
}
