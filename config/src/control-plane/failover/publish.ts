import { TopologyView } from '@setgate/topology';
import type { ConfigService } from '../config-service.js';
import { editable } from '../ops/placement-plan.js';
import type { LeaderChangeAudit, VersionRecord } from '../store/config-store.js';
import { applyPromotions, type Promotion } from './decide.js';

/** The author of every version the controller publishes. */
export const FAILOVER_AUTHOR = 'failover-controller';

/** How long each down node had been unreachable, for the audit reason. */
export interface DownFacts {
  readonly unreachableMs: number;
  readonly failedProbes: number;
  /** Who saw what, when (the witnesses' votes, the quorum's duration, the lease waited for), appended to the reason. */
  readonly evidence?: string;
}

const MAX_LISTED = 8;

/** Items by key, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The audit reason: which node, for how long, and where each of its shards went. */
export function failoverReason(promotions: readonly Promotion[], facts: ReadonlyMap<string, DownFacts>): string {
  const parts = [...groupBy(promotions, (p) => p.fromNode)].map(([node, list]) => {
    const f = facts.get(node);
    const moves = list.slice(0, MAX_LISTED).map((p) => `shard ${p.shard} → ${p.toNode}${lossNote(p)}`);
    if (list.length > MAX_LISTED) moves.push(`${list.length - MAX_LISTED} more`);
    const down = f ? ` unreachable for ${(f.unreachableMs / 1000).toFixed(1)} s (${f.failedProbes} failed probes in a row)` : ' down';
    return `write-point ${node}${down}: ${moves.join(', ')}`;
  });
  const evidence = [...new Set(promotions.map((p) => p.fromNode))].flatMap((n) => facts.get(n)?.evidence ?? []);
  return `automated failover: ${parts.join('; ')}${evidence.length > 0 ? ` — evidence: ${evidence.join(' | ')}` : ''}`;
}

/** How a promotion reads in the reason when it may have lost acknowledged writes. */
function lossNote(p: Promotion): string {
  if (p.mode !== 'async') return '';
  if (!p.lastKnown) return ' (async; the old leader was never heard, so what may be lost is unknown)';
  return p.behindLastSeen ? ` (async; at least ${p.behindLastSeen} acknowledged write(s) may be lost)` : '';
}

/**
 * The audit of a failover promotion, in the shape every leader change has
 * (ops/leader-protocol.ts): the old leader could not be fenced (its lease
 * expiry stands in for the fence), its last acknowledged position as last
 * known, the new leader's position, and what may be lost. A sync promotion is
 * clean by decide.ts's rule (at or past the high watermark); an async one is
 * clean only when the new leader is at or past everything known.
 */
export function failoverAudit(p: Promotion): LeaderChangeAudit {
  const lost = p.mode === 'async' && p.lastKnown ? (p.behindLastSeen ?? 0) : p.mode === 'sync' ? 0 : undefined;
  const clean = lost === 0;
  return {
    shard: p.shard,
    fromNode: p.fromNode,
    toNode: p.toNode,
    epoch: p.epoch,
    mode: p.mode,
    oldLeader: 'unreachable',
    ...(p.lastKnown ? { oldLeaderAt: p.lastKnown } : {}),
    newLeaderAt: p.position,
    clean,
    ...(lost === undefined ? {} : { mayBeLost: lost }),
    ...(clean ? {} : { code: lost === undefined ? 'OLD_LEADER_UNREACHABLE' : 'TARGET_BEHIND', note: lossNote(p).trim().replace(/^\(|\)$/g, '') }),
  };
}

export type PublishOutcome =
  | { readonly kind: 'published'; readonly record: VersionRecord; readonly promotions: readonly Promotion[] }
  | { readonly kind: 'moot'; readonly why: string };

/**
 * Publishes the promotions as ONE version through the operators' path
 * (validated, numbered, audited). Rebases on a newer version: a shard that
 * meanwhile changed leader or epoch (an operator moved it, another control
 * plane failed it over) is left out, and nothing is published once automated
 * failover was paused meanwhile.
 */
export async function publishPromotions(
  service: ConfigService,
  promotions: readonly Promotion[],
  facts: ReadonlyMap<string, DownFacts>,
): Promise<PublishOutcome> {
  for (let attempt = 0; ; attempt++) {
    const cur = await service.current();
    if (cur.topology.failover.paused) return { kind: 'moot', why: 'automated failover was paused meanwhile' };
    const view = new TopologyView(cur.topology);
    const still = promotions.filter((p) => view.writePoint(p.shard).id === p.fromNode && view.placement(p.shard).epoch + 1 === p.epoch);
    if (still.length === 0) return { kind: 'moot', why: 'the shards changed leader or epoch meanwhile' };
    try {
      const { record } = await service.apply({
        document: applyPromotions(editable(cur.topology), view, still),
        baseVersion: cur.record.version,
        author: FAILOVER_AUTHOR,
        reason: failoverReason(still, facts),
        action: { kind: 'failover', nodes: [...new Set(still.map((p) => p.fromNode))], shards: still.map((p) => p.shard) },
        leaderChanges: still.map(failoverAudit),
      });
      return { kind: 'published', record, promotions: still };
    } catch (err) {
      if ((err as { code?: string }).code !== 'SETGATE_CP_VERSION_CONFLICT' || attempt >= 3) throw err;
    }
  }
}
