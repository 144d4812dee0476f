/**
 * How a partitioned direction behaves:
 * - `hold`: bytes are held (delivered in order on heal), connections stay open,
 *   new connects hang as if their SYNs were dropped (the caller's connect timeout fires);
 * - `refuse`: new connects are refused (ECONNREFUSED); open connections stay, their bytes held;
 * - `reset`: new connects are refused and open connections are reset.
 */
export type PartitionMode = 'hold' | 'refuse' | 'reset';

/** The partition modes, for argument checks. */
export const PARTITION_MODES: readonly PartitionMode[] = ['hold', 'refuse', 'reset'];

/** The faults set on one direction (bytes from region `from` to region `to`). */
export interface DirectionFault {
  readonly from: string;
  readonly to: string;
  /** Set: the direction is cut, and how. */
  readonly partition?: PartitionMode;
  /** One-way delay added to the RTT matrix's half (ms). */
  readonly extraDelayMs?: number;
  /** Throughput cap of the direction, shared by all its connections (kbit/s). */
  readonly bandwidthKbps?: number;
}

/** What a fault change touches: the directions of a pair, or one of them. */
export interface PairSelector {
  readonly a: string;
  readonly b: string;
  /** Only bytes from `a` to `b`. */
  readonly oneWay?: boolean;
}

const dirKey = (from: string, to: string) => `${from}>${to}`;

/** The run-time faults of a relay, per direction between regions. */
export class FaultTable {
  private readonly byDirection = new Map<string, DirectionFault>();

  constructor(private readonly regions: readonly string[]) {}

  /** The faults of one direction; undefined when it is healthy. */
  get(from: string, to: string): DirectionFault | undefined {
    return this.byDirection.get(dirKey(from, to));
  }

  /** True when bytes from `from` to `to` do not pass. */
  cut(from: string, to: string): boolean {
    return this.byDirection.get(dirKey(from, to))?.partition !== undefined;
  }

  /** Cuts `a → b` (and `b → a` unless one-way). */
  partition(sel: PairSelector, mode: PartitionMode): void {
    for (const [from, to] of this.directions(sel)) this.merge(from, to, { partition: mode });
  }

  /** Adds delay and/or a bandwidth cap to `a → b` (and `b → a` unless one-way). */
  slow(sel: PairSelector, extraDelayMs: number | undefined, bandwidthKbps: number | undefined): void {
    for (const [from, to] of this.directions(sel)) {
      this.merge(from, to, {
        ...(extraDelayMs !== undefined ? { extraDelayMs } : {}),
        ...(bandwidthKbps !== undefined ? { bandwidthKbps } : {}),
      });
    }
  }

  /** Removes every fault between `a` and `b` (both ways), or all faults when no pair is given. */
  heal(pair?: { a: string; b: string }): void {
    if (!pair) {
      this.byDirection.clear();
      return;
    }
    this.check(pair.a, pair.b);
    this.byDirection.delete(dirKey(pair.a, pair.b));
    this.byDirection.delete(dirKey(pair.b, pair.a));
  }

  /** Every direction with a fault. */
  list(): DirectionFault[] {
    return [...this.byDirection.values()];
  }

  private directions(sel: PairSelector): Array<[string, string]> {
    this.check(sel.a, sel.b);
    return sel.oneWay ? [[sel.a, sel.b]] : [[sel.a, sel.b], [sel.b, sel.a]];
  }

  private check(a: string, b: string): void {
    for (const r of [a, b]) if (!this.regions.includes(r)) throw new RangeError(`unknown region "${r}" (known: ${this.regions.join(', ')})`);
    if (a === b) throw new RangeError(`a region is not linked to itself ("${a}")`);
  }

  private merge(from: string, to: string, patch: Partial<DirectionFault>): void {
    this.byDirection.set(dirKey(from, to), { ...this.byDirection.get(dirKey(from, to)), from, to, ...patch });
  }
}
