import type { LoadedTopology } from '@setgate/config';

/** Empty answers in a row after which a fetch session counts as idle and asks for the longer wait. */
export const QUIET_ROUNDS_BEFORE_IDLE = 4;

/** The idle wait is at most this many times `replication.fetchMaxWaitMs`. */
const IDLE_WAIT_FACTOR = 4;

const cache = new WeakMap<LoadedTopology, number>();

/**
 * How long a fetch may wait on the leader once its session has been idle.
 *
 * A write ends a waiting fetch at once, so the wait costs replication no
 * speed; what it costs is staleness: an idle replica last heard from its
 * leader up to one wait ago, and a read's staleness bound counts from then.
 * So it is at most half the tightest bound a command allows (and half of
 * `insyncLagMs`, so a parked follower never looks out of sync), at most
 * IDLE_WAIT_FACTOR × fetchMaxWaitMs, and never below fetchMaxWaitMs. With the
 * shipped topology (fetchMaxWaitMs 500, a 5 s profile bound): 2 s, so an idle
 * leader–follower pair exchanges one fetch every 2 s instead of two a second.
 */
export function idleFetchWaitMs(doc: LoadedTopology): number {
  const known = cache.get(doc);
  if (known !== undefined) return known;
  const r = doc.replication;
  const bounds = doc.commands.map((c) => c.maxStalenessMs).filter((ms) => ms > 0);
  const tightest = Math.min(r.insyncLagMs, ...bounds);
  const wait = Math.max(r.fetchMaxWaitMs, Math.min(IDLE_WAIT_FACTOR * r.fetchMaxWaitMs, Math.floor(tightest / 2)));
  cache.set(doc, wait);
  return wait;
}
