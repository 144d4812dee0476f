import { setTimeout as sleep } from 'node:timers/promises';

/** A logger that drops everything (the election's and the controller's, in tests). */
export const quiet = { info: () => undefined, warn: () => undefined };

/** Waits for a state, polling every 20 ms; a generous deadline, never a timing assertion. */
export async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
