import { createHash } from 'node:crypto';
import { etagOf, Header } from '@setgate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NodeErrors } from '../errors.js';
import type { StoredRecord, WriteRequest, WriteResult } from '../store/types.js';
import { parseIdempotencyKey, parsePrecondition } from './request-headers.js';
import type { ShardRoute } from './shard-route.js';

/**
 * Longest a write waits for a sync shard's in-sync replicas to appear before it is refused: about a
 * round trip between regions after a promotion. Taken out of replication.ackTimeoutMs (at most half
 * of it), so a write's whole time at the node stays within the ack timeout the gateway's is set by.
 */
const IN_SYNC_WAIT_MS = 500;

/** The part of a write a handler decides; headers supply the rest. */
export type HandlerWrite = Pick<WriteRequest, 'collection' | 'key' | 'decide'>;

/** A write the store either applied (or replayed) or the handler's decision refused. */
export type SettledWrite =
  | { readonly kind: 'applied'; readonly result: WriteResult; readonly replayed: boolean }
  | { readonly kind: 'refused'; readonly reason: string; readonly detail?: string; readonly current?: StoredRecord };

/**
 * Runs one write on the routed shard with the request's precondition,
 * idempotency key and the shard's epoch: admitted by replication first (lease,
 * fence, enough in-sync replicas), appended durably, then — on a sync shard —
 * acknowledged only once the placement's in-sync replicas hold it. The
 * outcomes every write shares become problems here (412, 409, 422, 503); the
 * handler maps its own refusals.
 */
export async function runWrite(
  request: FastifyRequest,
  reply: FastifyReply,
  route: ShardRoute,
  write: HandlerWrite,
): Promise<SettledWrite> {
  const idempotencyKey = parseIdempotencyKey(request.headers);
  // A sync shard short of in-sync replicas (a write-point just promoted) waits a moment for them, within the ack timeout.
  const ackTimeoutMs = route.replicator.settings.ackTimeoutMs;
  const admitStarted = performance.now();
  const tracker = await route.replicator.admitWriteWaiting(route.shard, route.epoch, Math.min(IN_SYNC_WAIT_MS, ackTimeoutMs / 2));
  const ackBudgetMs = Math.max(1, ackTimeoutMs - (performance.now() - admitStarted));
  // The trace context is remembered as the entry gets its LSN, before a follower's fetch can read
  // the entry: remembered after the commit, a fetch served in between would carry the entry unlinked.
  let appendedAt: number | undefined;
  const outcome = await route.store
    .write({
      ...write,
      epoch: route.epoch,
      precondition: parsePrecondition(request.headers),
      idempotencyKey,
      fingerprint: idempotencyKey ? fingerprintOf(request) : undefined,
      onAppend: (lsn) => {
        appendedAt = lsn;
        tracker.traces.remember(lsn, request.span);
      },
    })
    .catch((err: unknown) => {
      if (appendedAt !== undefined) tracker.traces.forget(appendedAt);
      throw err;
    });
  switch (outcome.kind) {
    case 'applied': {
      route.lsn = outcome.result.lsn;
      tracker.appended.notify();
      // A replayed write waits too: its first attempt may have timed out before its replicas confirmed it.
      const acked = await tracker.awaitReplicated(outcome.result.lsn, ackBudgetMs);
      if (!acked) {
        throw NodeErrors.create('SETGATE_NODE_REPLICATION_TIMEOUT', {
          detail: `shard ${route.shard}: lsn ${outcome.result.lsn} is not yet held by the in-sync replicas; the outcome is unknown, retry with the same idempotency key`,
          extensions: { shard: route.shard, epoch: outcome.result.epoch, lsn: outcome.result.lsn },
          headers: { 'retry-after': '1' },
        });
      }
      route.replicator.confirmLeaseForAck(route.shard, outcome.result.lsn);
      if (outcome.replayed) reply.header(Header.replayed, 'true');
      if (outcome.result.record) reply.header('etag', etagOf(outcome.result.record.version));
      return outcome;
    }
    case 'refused':
      route.lsn = outcome.position.lsn;
      return { kind: 'refused', reason: outcome.reason, detail: outcome.detail, current: outcome.current };
    case 'precondition-failed': {
      route.lsn = outcome.position.lsn;
      const currentVersion = outcome.current?.version ?? null;
      throw NodeErrors.create('SETGATE_NODE_PRECONDITION_FAILED', {
        detail:
          currentVersion === null
            ? `${write.key} does not exist`
            : `${write.key} is at version ${currentVersion}`,
        extensions: { currentVersion },
        headers: currentVersion === null ? {} : { etag: etagOf(currentVersion) },
      });
    }
    case 'stale-epoch':
      route.lsn = outcome.position.lsn;
      throw NodeErrors.create('SETGATE_NODE_STALE_EPOCH', {
        detail: `shard ${route.shard} has moved on to epoch ${outcome.position.epoch}`,
        extensions: { shard: route.shard, epoch: outcome.position.epoch },
      });
    case 'idempotency-conflict':
      route.lsn = outcome.position.lsn;
      throw NodeErrors.create('SETGATE_NODE_IDEMPOTENCY_CONFLICT', {
        detail: 'this idempotency key was first used for a different request',
      });
  }
}

/** Same method, path and body → same fingerprint; a reused key with anything else differs. */
function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('base64url');
}
