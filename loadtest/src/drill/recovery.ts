import type { Op } from './checker/history.js';
import type { RunReport } from './report-types.js';

const isWrite = (op: Op) => op.kind === 'profile.put' || op.kind === 'cart.add';
/** A write the system could not serve (not a refusal of the request itself, such as a 4xx). */
export const unavailable = (op: Op) => op.outcome !== 'ok' && (op.status === undefined || op.status >= 500);

/** Recovery of one affected shard, measured from the load's own results. */
export interface ShardRecovery {
  readonly shard: number;
  /** False when no write on it failed after the fault (RTO 0). */
  readonly disrupted: boolean;
  /** ms from the fault until the first acknowledged write after the last failed one; null: not recovered by the end of the load. */
  readonly rtoMs: number | null;
  /**
   * ms from the fault until the last failed write was sent (null: none failed): the shard was still
   * unwritable then, so the true recovery lies between this and rtoMs; the gap is the load's own
   * sampling (the next write comes a think time later), not the system.
   */
  readonly lastFailedSentMs: number | null;
  /** Longest gap between acknowledged writes on the shard around and after the fault (ms). */
  readonly writePauseMs: number;
  readonly failedWrites: number;
}

/**
 * Per affected shard: RTO (fault → writes succeed again: the first
 * acknowledged write invoked after the last unavailable one) and write pause
 * (the longest stretch without an acknowledged write, from just before the
 * fault to the end of the load).
 */
export function recoveryOf(ops: readonly Op[], shards: readonly number[], faultMs: number, endMs: number): ShardRecovery[] {
  return shards.map((shard) => {
    const writes = ops.filter((o) => o.shard === shard && isWrite(o) && o.completeMs >= faultMs && o.invokeMs < endMs);
    const failures = writes.filter(unavailable);
    const lastFailure = failures.reduce((m, o) => Math.max(m, o.invokeMs), Number.NEGATIVE_INFINITY);
    const okAfter = writes.filter((o) => o.outcome === 'ok' && o.invokeMs > lastFailure).sort((a, b) => a.completeMs - b.completeMs)[0];
    const rtoMs = failures.length === 0 ? 0 : okAfter ? Math.max(0, okAfter.completeMs - faultMs) : null;
    // Writes invoked before the load stopped count even when they completed after it.
    const okTimes = ops
      .filter((o) => o.shard === shard && isWrite(o) && o.outcome === 'ok' && o.invokeMs < endMs)
      .map((o) => o.completeMs)
      .sort((a, b) => a - b);
    let pause = 0;
    let prev = okTimes.filter((t) => t < faultMs).pop() ?? faultMs;
    for (const t of okTimes.filter((x) => x >= faultMs)) {
      pause = Math.max(pause, t - prev);
      prev = t;
    }
    // No acknowledged write since `prev`: the pause lasts at least until the load stopped.
    pause = Math.max(pause, endMs - prev);
    const lastFailedSentMs = failures.length === 0 ? null : Math.max(0, lastFailure - faultMs);
    return { shard, disrupted: failures.length > 0, rtoMs, lastFailedSentMs, writePauseMs: pause, failedWrites: failures.length };
  });
}

/**
 * A run's recovery over its affected shards (none: no fault was injected):
 * the worst shard's RTO and its lower bound, when the control plane published
 * the last of their new leaders (`events`, ms of the run), the longest pause.
 */
export function runRecovery(ops: readonly Op[], shards: readonly number[], faultMs: number, endMs: number, events: ReadonlyArray<{ shard: number; tMs: number }>): RunReport['recovery'] {
  const recovery = recoveryOf(ops, shards, faultMs, endMs);
  const rtos = recovery.map((r) => r.rtoMs);
  const lastFailed = recovery.map((r) => r.lastFailedSentMs).filter((x): x is number => x !== null);
  const affected = new Set(shards);
  const published = events.filter((e) => affected.has(e.shard)).map((e) => e.tMs - faultMs);
  return {
    rtoMs: rtos.includes(null) ? null : Math.max(0, ...(rtos as number[])),
    lastFailedSentMs: lastFailed.length === 0 ? null : Math.max(...lastFailed),
    publishedMs: published.length === 0 ? null : Math.max(...published),
    writePauseMs: Math.max(0, ...recovery.map((r) => r.writePauseMs)),
    disruptedShards: recovery.filter((r) => r.disrupted).length,
    shards: recovery,
  };
}

/**
 * Live: true once every affected shard has, since the fault, at least `okInARow` acknowledged
 * writes after its last unavailable one (a shard that saw no failure counts once `quietMs` passed).
 */
export class RecoveryWatch {
  private readonly state = new Map<number, { failed: boolean; okInARow: number; oks: number }>();

  constructor(
    readonly shards: readonly number[],
    readonly faultMs: number,
    private readonly okInARow = 3,
    private readonly quietMs = 5000,
  ) {
    for (const s of shards) this.state.set(s, { failed: false, okInARow: 0, oks: 0 });
  }

  record(op: Op): void {
    const st = this.state.get(op.shard);
    if (!st || !isWrite(op) || op.invokeMs < this.faultMs) return;
    if (op.outcome === 'ok') {
      st.okInARow++;
      st.oks++;
    } else if (unavailable(op)) {
      st.failed = true;
      st.okInARow = 0;
    }
  }

  recovered(nowMs: number): boolean {
    for (const st of this.state.values()) {
      if (st.failed ? st.okInARow < this.okInARow : nowMs - this.faultMs < this.quietMs || st.oks === 0) return false;
    }
    return true;
  }
}
