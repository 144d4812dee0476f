import type { FaultTable } from './faults.js';

/** Counters of one direction between two regions. */
export interface DirectionStats {
  chunks: number;
  bytes: number;
  /** Bytes currently held by a partition. */
  heldBytes: number;
}

/**
 * One direction between two regions (bytes from `from` to `to`), shared by
 * every connection that crosses it: its delay, its bandwidth cap (a single
 * serialisation clock, so connections compete as on a real link), its counters.
 */
export class Direction {
  readonly stats: DirectionStats = { chunks: 0, bytes: 0, heldBytes: 0 };
  /** When the capped link finishes sending what it was given (ms, performance clock). */
  private freeAt = 0;

  constructor(
    readonly from: string,
    readonly to: string,
    /** Half the RTT matrix's value. */
    readonly baseDelayMs: number,
    private readonly faults: FaultTable,
    private readonly jitterMs: () => number,
  ) {}

  /** True while a partition cuts this direction. */
  get cut(): boolean {
    return this.faults.cut(this.from, this.to);
  }

  /** The one-way delay now, without jitter or queueing. */
  delayMs(): number {
    return this.baseDelayMs + (this.faults.get(this.from, this.to)?.extraDelayMs ?? 0);
  }

  /** When `bytes` handed over at `now` arrive: delay, jitter in [0, jitterMs), and the bandwidth cap's queue. */
  arrival(now: number, bytes: number): number {
    const kbps = this.faults.get(this.from, this.to)?.bandwidthKbps;
    let sent = now;
    if (kbps !== undefined && kbps > 0) {
      // kbit/s is bits per ms: a chunk occupies the link for bits / kbps ms.
      sent = Math.max(now, this.freeAt) + (bytes * 8) / kbps;
      this.freeAt = sent;
    }
    const jitter = this.jitterMs();
    return sent + this.delayMs() + (jitter > 0 ? Math.random() * jitter : 0);
  }
}
