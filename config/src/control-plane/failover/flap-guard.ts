import type { TopologyView } from '@setgate/topology';

/** Where the startup grace stands. */
export interface StartupState {
  readonly open: boolean;
  readonly graceMs: number;
  /** Probed nodes never seen answering since the controller started. */
  readonly waitingFor: readonly string[];
  /** ms until the grace ends once every node was seen (0 when open). */
  readonly remainingMs: number;
}

const MINUTE_MS = 60_000;
/** Nodes never seen keep the grace closed at most this many grace periods. */
const MAX_GRACE_FACTOR = 10;

/**
 * The controller's brakes against failing over a stack that is only slow
 * (issue 11, finding 3), each with its reason for the audit trail:
 * - startup grace: no decision until every probed node has answered once and
 *   the controller has then watched for startupGraceMs (so nothing is decided
 *   while `npm start` is still starting processes on a busy machine, and a
 *   start that fails never leaves a failover version behind);
 * - hold-down: a shard whose leader changed (by failover or by an operator)
 *   is not failed over again within holdDownMs;
 * - a fleet-wide cap of write-points failed over per minute.
 */
export class FlapGuard {
  private readonly startedAt: number;
  private lastFirstSeenAt: number;
  private readonly movedAt = new Map<number, number>();
  private leaders: Map<number, string> | undefined;
  private readonly failovers: number[] = [];

  constructor(now: number) {
    this.startedAt = now;
    this.lastFirstSeenAt = now;
  }

  /** Notes leader changes since the last round (every one starts a hold-down) and when the last node was first seen. */
  observe(view: TopologyView, now: number, firstSeenNow: boolean): void {
    if (firstSeenNow) this.lastFirstSeenAt = now;
    const leaders = new Map(view.doc.placements.map((p) => [p.shard, view.writePoint(p.shard).id]));
    if (this.leaders) {
      for (const [shard, id] of leaders) if (this.leaders.get(shard) !== id) this.movedAt.set(shard, now);
    }
    this.leaders = leaders;
  }

  startup(now: number, graceMs: number, neverSeen: readonly string[]): StartupState {
    const sinceStart = now - this.startedAt;
    const remaining = Math.max(0, this.lastFirstSeenAt + graceMs - now);
    const open = (neverSeen.length === 0 && remaining === 0) || sinceStart >= MAX_GRACE_FACTOR * graceMs;
    return { open, graceMs, waitingFor: neverSeen, remainingMs: open ? 0 : remaining };
  }

  /** ms left of the shard's hold-down (0: none). */
  heldDownFor(shard: number, now: number, holdDownMs: number): number {
    const at = this.movedAt.get(shard);
    return at === undefined ? 0 : Math.max(0, at + holdDownMs - now);
  }

  /** Shards in hold-down now, for status. */
  heldDown(now: number, holdDownMs: number): Array<{ shard: number; remainingMs: number }> {
    return [...this.movedAt]
      .map(([shard]) => ({ shard, remainingMs: this.heldDownFor(shard, now, holdDownMs) }))
      .filter((x) => x.remainingMs > 0);
  }

  /** Write-points failed over in the last minute. */
  recent(now: number): number {
    while (this.failovers.length > 0 && (this.failovers[0] as number) <= now - MINUTE_MS) this.failovers.shift();
    return this.failovers.length;
  }

  /** Records a published failover of `nodes` write-points moving `shards` (each starts its hold-down). */
  record(now: number, nodes: number, shards: readonly number[]): void {
    for (let i = 0; i < nodes; i++) this.failovers.push(now);
    for (const s of shards) this.movedAt.set(s, now);
  }
}
