import type { MisdirectedProblem, SetgateError, ShardOwner } from '@setgate/contracts';
import type { Dispatcher } from '@setgate/http-client';
import type { NodeRef } from '@setgate/topology';
import { GatewayErrors } from '../../errors.js';

/** The node cannot be reached or dropped the connection: nothing it said can be used. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** The node accepted the request but did not answer within the command's timeout. */
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
}

/** True when the request never reached the node (refused connection): resending cannot apply it twice. */
export function neverSent(err: unknown): boolean {
  return codeOf(err) === 'ECONNREFUSED';
}

/** Maps a failed upstream call to 503 (unreachable), 504 (too slow) or 502 (anything else). */
export function upstreamFailure(err: unknown, node: NodeRef, timeoutMs: number): SetgateError {
  const code = codeOf(err);
  if (code !== undefined && TIMED_OUT.has(code)) {
    return GatewayErrors.create('SETGATE_GW_UPSTREAM_TIMEOUT', {
      detail: `node ${node.id} did not answer within ${timeoutMs} ms`,
      cause: err,
    });
  }
  if (code !== undefined && UNAVAILABLE.has(code)) {
    return GatewayErrors.create('SETGATE_GW_UPSTREAM_UNAVAILABLE', {
      detail: `node ${node.id} cannot be reached (${code})`,
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
export async function misdirected(response: Dispatcher.ResponseData, node: NodeRef, shard: number): Promise<SetgateError> {
  let problem: Partial<MisdirectedProblem> | undefined;
  try {
    problem = (await response.body.json()) as Partial<MisdirectedProblem>;
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
