import { formatPosition, Header, type ReadRefusedProblem, type SetgateError } from '@setgate/contracts';
import { neverSent } from '@setgate/http-client';
import type { NodeRef } from '@setgate/topology';
import type { FastifyReply } from 'fastify';
import { GatewayErrors } from '../../errors.js';
import { type RequestContext, required } from '../request-context/request-context.js';
import type { Candidate, RoutePlan } from '../routing/route-plan.js';
import { writeOutcomeUnknown } from './upstream-errors.js';

/** What a request's walk along its plan has learned so far. */
export interface Walk {
  plan: RoutePlan;
  readonly isWrite: boolean;
  /** A write is resent only when that cannot apply it twice: never sent, or deduplicated by its idempotency key. */
  readonly idempotent: boolean;
  refreshed: boolean;
  /** Attempts made so far (numbers each attempt's client span). */
  attempts: number;
  /** The previous attempt failed (the next one costs retry budget); a refusal costs nothing. */
  previousFailed: boolean;
  failure: SetgateError | undefined;
  writePointDown: boolean;
  writeRetried: boolean;
  /** The failure of a write attempt whose request may have reached the node: the write may have been applied. */
  maybeApplied: { readonly err: unknown; readonly node: NodeRef } | undefined;
  /** Nodes a fallback must not try again: they failed, or refused as behind the session position. */
  readonly skip: Set<string>;
  /** A node refused the read as behind the client's session position. */
  behindSession: ReadRefusedProblem | undefined;
  /** A replica refused the read as staler than the command's bound. */
  tooStale: boolean;
}

/** What one attempt tells the walk to do next. */
export type Step = { readonly answer: FastifyReply } | 'next' | 'again' | 'restart';

export function startWalk(plan: RoutePlan, isWrite: boolean, idempotent: boolean): Walk {
  return {
    plan,
    isWrite,
    idempotent,
    refreshed: false,
    attempts: 0,
    previousFailed: false,
    failure: undefined,
    writePointDown: false,
    writeRetried: false,
    maybeApplied: undefined,
    skip: new Set(),
    behindSession: undefined,
    tooStale: false,
  };
}

/**
 * Records an attempt that failed without an answer. A write is tried again
 * (once) only when that cannot apply it twice: the request certainly never
 * left (neverSent), or the client's idempotency key deduplicates it.
 */
export function walkFailed(walk: Walk, c: Candidate, err: unknown, failure: SetgateError): 'next' | 'again' {
  walk.skip.add(c.node.id);
  walk.failure = failure;
  walk.previousFailed = true;
  if (c.leader) walk.writePointDown = true;
  if (!walk.isWrite) return 'next';
  const unsent = neverSent(err);
  if (!unsent) walk.maybeApplied = { err, node: c.node };
  if (walk.writeRetried || !(walk.idempotent || unsent)) return 'next';
  walk.writeRetried = true;
  return 'again';
}

/** Records a node's read refusal (the freshness contract): the walk moves on at no cost. */
export function walkRefused(walk: Walk, c: Candidate, refusal: ReadRefusedProblem): 'next' {
  if (refusal.code === 'SETGATE_NODE_BEHIND_POSITION') {
    walk.behindSession ??= refusal;
    // It already waited readWaitMs for the position: a fallback does not ask it again.
    walk.skip.add(c.node.id);
  } else {
    walk.tooStale = true;
  }
  return 'next';
}

/**
 * The error for a walk that found no answer. Writes: "outcome unknown" when
 * any attempt may have reached the node, "not applied" only when none did.
 * Reads: 409 when a node was reachable but behind the client's session
 * position (never an older value instead), 503 SETGATE_GW_NO_FRESH_REPLICA
 * when replicas were too stale and the command does not allow stale fallback,
 * else the last failure.
 */
export function giveUp(walk: Walk, ctx: RequestContext, timeoutMs: number): SetgateError {
  const shard = walk.plan.shard;
  if (walk.isWrite) {
    if (walk.maybeApplied !== undefined) {
      return writeOutcomeUnknown(walk.maybeApplied.err, walk.maybeApplied.node, shard, timeoutMs, walk.idempotent);
    }
    if (walk.writePointDown) {
      return GatewayErrors.create('SETGATE_GW_WRITE_POINT_UNAVAILABLE', {
        detail: `The write-point of shard ${shard} cannot be reached; the write was not applied. ${walk.failure?.message ?? ''}`.trim(),
        headers: { 'retry-after': '1' },
        cause: walk.failure,
      });
    }
  } else if (walk.behindSession !== undefined) {
    const needed = ctx.session?.get(shard);
    const at = needed === undefined ? '' : ` ${formatPosition(needed)}`;
    return GatewayErrors.create('SETGATE_GW_READ_BEHIND_SESSION', {
      detail: `No reachable node of shard ${shard} reached your session position${at} in time: your latest write is not readable here yet. Retry later with the same ${Header.session} token.`,
      extensions: { shard, ...(needed === undefined ? {} : { sessionPosition: formatPosition(needed) }) },
      headers: { 'retry-after': '1' },
      cause: walk.failure,
    });
  } else if (walk.writePointDown && walk.tooStale) {
    const def = required(ctx.match, 'command match').command.def;
    if (!def.staleFallback) {
      return GatewayErrors.create('SETGATE_GW_NO_FRESH_REPLICA', {
        detail: `The write-point of shard ${shard} cannot be reached and no replica is within the ${def.maxStalenessMs} ms bound of ${def.name}, which does not allow stale fallback.`,
        extensions: { shard, maxStalenessMs: def.maxStalenessMs },
        headers: { 'retry-after': '1' },
        cause: walk.failure,
      });
    }
  }
  return walk.failure ?? GatewayErrors.create('SETGATE_GW_UPSTREAM_UNAVAILABLE', { detail: `no node of shard ${shard} could serve the request` });
}
