import { durationHistogram, type Meter, zeroedCounter } from '@setgate/telemetry';

/** How a read that had to wait for its session position ended. */
export type ReadWaitOutcome = 'reached' | 'timed_out';

const OUTCOMES: readonly ReadWaitOutcome[] = ['reached', 'timed_out'];

/**
 * Reads that waited for their `x-setgate-min-position` (a session token ahead of
 * this replica): `setgate.node.session_waits` by outcome and how long they waited
 * (`setgate.node.session_wait.duration`, s). Reads already at the position do not count.
 */
export class ReadWaitMetrics {
  private readonly waits;
  private readonly duration;
  private readonly attrs: Readonly<Record<ReadWaitOutcome, Readonly<Record<string, string>>>>;

  constructor(meter: Meter) {
    this.attrs = { reached: { 'setgate.outcome': 'reached' }, timed_out: { 'setgate.outcome': 'timed_out' } };
    this.waits = zeroedCounter(
      meter,
      'setgate.node.session_waits',
      'Reads that waited for their session position (replication.readWaitMs), by outcome.',
      OUTCOMES.map((o) => this.attrs[o]),
    );
    this.duration = durationHistogram(meter, 'setgate.node.session_wait.duration', 'How long reads waited for their session position.');
  }

  record(outcome: ReadWaitOutcome, ms: number): void {
    const attrs = this.attrs[outcome];
    this.waits.add(1, attrs);
    this.duration.record(ms / 1000, attrs);
  }
}
