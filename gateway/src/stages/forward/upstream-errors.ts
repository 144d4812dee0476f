import type { MisdirectedProblem, SetgateError, ShardOwner } from '@setgate/contracts';
import { bodyText, failureCode, failureKind, type UpstreamAnswer } from '@setgate/http-client';
import type { NodeRef } from '@setgate/topology';
import { GatewayErrors } from '../../errors.js';

/** Maps a failed upstream call to 503 (unreachable), 504 (too slow) or 502 (anything else). */
export function upstreamFailure(err: unknown, node: NodeRef, timeoutMs: number): SetgateError {
  const kind = failureKind(err);
  if (kind === 'timeout') {
    return GatewayErrors.create('SETGATE_GW_UPSTREAM_TIMEOUT', {
      detail: `node ${node.id} did not answer within ${timeoutMs} ms`,
      cause: err,
    });
  }
  if (kind === 'connection') {
    return GatewayErrors.create('SETGATE_GW_UPSTREAM_UNAVAILABLE', {
      detail: `node ${node.id} cannot be reached (${failureCode(err)})`,
      cause: err,
    });
  }
  return GatewayErrors.create('SETGATE_GW_UPSTREAM_ERROR', { detail: `node ${node.id} answered badly`, cause: err });
}

/**
 * A 421 from a node that does not hold the shard, as a 502 naming the owner
 * it reported: what the client gets when a refreshed topology still sends the
 * request to a node that does not hold the shard.
 */
export async function misdirected(response: UpstreamAnswer, node: NodeRef, shard: number): Promise<SetgateError> {
  let problem: Partial<MisdirectedProblem> | undefined;
  try {
    problem = JSON.parse(await bodyText(response)) as Partial<MisdirectedProblem>;
  } catch {
    // A 421 without a problem body still means "not here"; the owner is just unknown.
  }
  const owner = isOwner(problem?.owner) ? problem.owner : null;
  const where = owner
    ? `the owner is node ${owner.node} of set ${owner.set} at epoch ${owner.epoch}`
    : 'it named no owner';
  const version = typeof problem?.configVersion === 'number' ? problem.configVersion : undefined;
  return GatewayErrors.create('SETGATE_GW_MISDIRECTED', {
    detail: `node ${node.id} does not hold shard ${shard}; ${where}${version === undefined ? '' : ` (node config version ${version})`}`,
    extensions: {
      shard,
      // Internal addresses stay inside: the client gets names, not URLs.
      owner: owner ? { set: owner.set, node: owner.node, epoch: owner.epoch } : null,
      ...(version === undefined ? {} : { nodeConfigVersion: version }),
    },
  });
}

function isOwner(value: unknown): value is ShardOwner {
  const o = value as Partial<ShardOwner> | null | undefined;
  return typeof o?.node === 'string' && typeof o.set === 'string' && typeof o.epoch === 'number';
}

/**
 * A write whose request may have reached the node, then the connection was
 * reset or closed or no answer came: it may have been applied, and only the
 * client can make a resend safe. Not "unavailable": that promises "not applied".
 */
export function writeOutcomeUnknown(err: unknown, node: NodeRef, shard: number, timeoutMs: number, idempotencyKey: boolean): SetgateError {
  const what =
    failureKind(err) === 'timeout'
      ? `node ${node.id} received the write but did not answer within ${timeoutMs} ms`
      : `the connection to node ${node.id} failed after the write was sent (${failureCode(err) ?? 'malformed answer'})`;
  const retry = idempotencyKey
    ? 'Resend it with the same idempotency-key header: the write-point applies it at most once and answers the first outcome.'
    : 'It carried no idempotency-key, so a resend may apply it twice: read the current state first (or resend with If-Match), and send writes with an idempotency-key so a resend is always safe.';
  return GatewayErrors.create('SETGATE_GW_WRITE_OUTCOME_UNKNOWN', {
    detail: `The write to shard ${shard} may have been applied: ${what}. ${retry}`,
    extensions: { shard, node: node.id, mayHaveBeenApplied: true, idempotencyKey },
    cause: err,
  });
}
