import type { ReplicatedEntry } from '@setgate/contracts';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@setgate/telemetry';
import type { FollowTarget } from './shard-follower.js';
import { linksTo } from './write-traces.js';

/** A fetch answer with entries, as the follower handles it. */
export interface FetchedEntries {
  readonly entries: readonly ReplicatedEntry[];
  readonly traces?: Readonly<Record<string, string>>;
}

/**
 * Runs `apply` for a fetch answer's entries inside a follower's
 * `replication fetch` span (CLIENT, from when the fetch was sent) and its child
 * `replication apply` span, both linked to the sampled writes the entries came
 * from. Only when the answer names a sampled write: replication traffic of
 * unsampled writes makes no spans at all (a long-poll per shard per follower
 * would otherwise outnumber requests).
 */
export async function tracedApply(
  tracer: Tracer | undefined,
  target: FollowTarget,
  nodeId: string,
  fetchedAt: number,
  answer: FetchedEntries,
  apply: () => Promise<unknown>,
): Promise<void> {
  const links = tracer === undefined ? [] : linksTo(answer.traces);
  if (tracer === undefined || links.length === 0) {
    await apply();
    return;
  }
  const last = answer.entries[answer.entries.length - 1] as ReplicatedEntry;
  const attributes = {
    'setgate.shard': target.shard,
    'setgate.epoch': target.epoch,
    'setgate.lsn': last.lsn,
    'setgate.node': nodeId,
    'setgate.leader': target.leaderId,
    'setgate.entries': answer.entries.length,
    'server.address': target.leaderAdminUrl,
  };
  const fetch = tracer.startSpan('replication fetch', { kind: SpanKind.CLIENT, startTime: fetchedAt, links, attributes });
  const span: Span = tracer.startSpan(
    'replication apply',
    { kind: SpanKind.INTERNAL, links, attributes: { ...attributes, 'setgate.replication_delay_ms': Math.max(0, Date.now() - last.time) } },
    trace.setSpan(ROOT_CONTEXT, fetch),
  );
  try {
    await apply();
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
    fetch.end();
  }
}
