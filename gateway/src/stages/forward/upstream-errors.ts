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
