/** Wakes everyone waiting for "something changed" (new entries, follower progress, applied entries). */
export class Notifier {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /** Resolves true when notified, false after `timeoutMs` or when `signal` aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return Notifier.any([this], timeoutMs, signal);
  }

  /**
   * Resolves true when any of `notifiers` is notified, false after `timeoutMs` or when `signal`
   * aborts: one timer however many it listens to (a session fetch waits on every shard it serves).
   */
  static any(notifiers: readonly Notifier[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (notified: boolean) => {
        clearTimeout(timer);
        for (const n of notifiers) n.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(notified);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      for (const n of notifiers) n.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits until `ready()` holds, re-checking on every notification, up to `timeoutMs` in all. */
  async until(ready: () => boolean, timeoutMs: number, now: () => number = Date.now): Promise<boolean> {
    const deadline = now() + timeoutMs;
    while (!ready()) {
      const left = deadline - now();
      if (left <= 0) return false;
      await this.wait(left);
    }
    return true;
  }
}
