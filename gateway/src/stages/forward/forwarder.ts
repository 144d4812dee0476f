import { Header, type SetgateError } from '@setgate/contracts';
import { type Dispatcher, discard, neverSent, receive, type UpstreamAnswer } from '@setgate/http-client';
import { shardOf } from '@setgate/topology';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayErrors } from '../../errors.js';
import { type RequestContext, required } from '../request-context/request-context.js';
import { type Candidate, planRoute, type RoutePlan } from '../routing/route-plan.js';
import { mergePosition } from '../routing/session-token.js';
import type { ForwardOptions } from './options.js';
import { readConflict } from './read-refusal.js';
import { misdirected, upstreamFailure } from './upstream-errors.js';
import { type RoutedRequest, upstreamHeaders } from './upstream-headers.js';

/** What a request's walk along its plan has learned so far. */
interface Walk {
  plan: RoutePlan;
  readonly isWrite: boolean;
  /** A write is resent only when that cannot apply it twice: never sent, or deduplicated by its idempotency key. */
  readonly idempotent: boolean;
  refreshed: boolean;
  /** The previous attempt failed (the next one costs retry budget); a refusal costs nothing. */
  previousFailed: boolean;
  failure: SetgateError | undefined;
  writePointDown: boolean;
  writeRetried: boolean;
}

/** What one attempt tells the walk to do next. */
type Step = { readonly answer: FastifyReply } | 'next' | 'again' | 'restart';

/**
 * Walks a request's route plan: the nearest fresh-enough replica, the next,
 * the write-point; a 409 read refusal moves on at no cost, a failure moves on
 * only within the retry budget (and is reported for outlier ejection); a 421
 * reloads the routing table and re-plans once; a stale-tolerant read falls
 * back to any replica when the write-point is unreachable; a write whose
 * write-point is unreachable is a 503.
 */
export class Forwarder {
  constructor(private readonly opts: ForwardOptions) {}

  async forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ctx = request.setgate;
    this.opts.budget.deposit();
    const walk: Walk = {
      plan: required(ctx.target, 'route target').plan,
      isWrite: required(ctx.match, 'command match').command.def.kind === 'write',
      idempotent: typeof request.headers[Header.idempotencyKey] === 'string',
      refreshed: false,
      previousFailed: false,
      failure: undefined,
      writePointDown: false,
      writeRetried: false,
    };
    for (let i = 0; i < walk.plan.candidates.length; i++) {
      if (walk.previousFailed && !this.opts.budget.tryWithdraw()) break;
      const step = await this.attempt(request, reply, walk, walk.plan.candidates[i] as Candidate);
      if (typeof step === 'object') return step.answer;
      if (step === 'again') i--;
      else if (step === 'restart') i = -1;
    }
    if (!walk.isWrite && walk.writePointDown) {
      const answer = await this.staleFallback(request, reply, walk);
      if (answer !== undefined) return answer;
    }
    throw this.giveUp(walk);
  }

  /** One attempt on one candidate. */
  private async attempt(request: FastifyRequest, reply: FastifyReply, walk: Walk, c: Candidate): Promise<Step> {
    const { health, budget } = this.opts;
    let response: UpstreamAnswer;
    try {
      response = await receive(await this.send(request, c));
    } catch (err) {
      health.failure(c.node.id);
      walk.failure = upstreamFailure(err, c.node, this.timeoutOf(request.setgate));
      walk.previousFailed = true;
      if (c.leader) walk.writePointDown = true;
      if (walk.isWrite && !walk.writeRetried && (walk.idempotent || neverSent(err))) {
        walk.writeRetried = true;
        return 'again';
      }
      return 'next';
    }
    health.success(c.node.id);
    walk.previousFailed = false;
    if (response.statusCode === 421) {
      if (walk.refreshed || this.opts.refresh === undefined || !budget.tryWithdraw()) throw await misdirected(response, c.node, walk.plan.shard);
      discard(response);
      walk.refreshed = true;
      walk.plan = await this.replan(request);
      return 'restart';
    }
    if (c.leader) return { answer: this.respond(request, reply, response, c, false) };
    // A replica that does not state its staleness cannot be held to a bound (a node
    // predating the read-freshness contract): its answer is not used.
    if (c.maxStalenessMs !== undefined && response.headers[Header.stalenessMs] === undefined) {
      discard(response);
      return 'next';
    }
    if (response.statusCode !== 409) return { answer: this.respond(request, reply, response, c, false) };
    const conflict = await readConflict(response);
    return 'refusal' in conflict ? 'next' : { answer: this.respond(request, reply, response, c, false, conflict.text) };
  }

  /** With the write-point unreachable, a `staleFallback` read is served by any replica, marked stale. */
  private async staleFallback(request: FastifyRequest, reply: FastifyReply, walk: Walk): Promise<FastifyReply | undefined> {
    const { budget, health } = this.opts;
    for (const c of walk.plan.staleFallback()) {
      if (!budget.tryWithdraw()) return undefined;
      try {
        const response = await receive(await this.send(request, c));
        health.success(c.node.id);
        return this.respond(request, reply, response, c, true);
      } catch (err) {
        health.failure(c.node.id);
        walk.failure = upstreamFailure(err, c.node, this.timeoutOf(request.setgate));
      }
    }
    return undefined;
  }

  private giveUp(walk: Walk): SetgateError {
    // A write that timed out may have been applied: that stays a 504, not "unavailable".
    if (walk.isWrite && walk.writePointDown && walk.failure?.code !== 'SETGATE_GW_UPSTREAM_TIMEOUT') {
      return GatewayErrors.create('SETGATE_GW_WRITE_POINT_UNAVAILABLE', {
        detail: `The write-point of shard ${walk.plan.shard} cannot be reached; the write was not applied. ${walk.failure?.message ?? ''}`.trim(),
        headers: { 'retry-after': '1' },
        cause: walk.failure,
      });
    }
    return (
      walk.failure ??
      GatewayErrors.create('SETGATE_GW_UPSTREAM_UNAVAILABLE', { detail: `no node of shard ${walk.plan.shard} could serve the read` })
    );
  }

  private send(request: FastifyRequest, c: Candidate): Promise<Dispatcher.ResponseData> {
    const ctx = request.setgate;
    const routed: RoutedRequest = {
      ctx,
      table: required(ctx.table, 'routing table'),
      match: required(ctx.match, 'command match'),
      principal: ctx.principal,
      target: required(ctx.target, 'route target'),
    };
    const { command, params } = routed.match;
    const { upstream, timeoutMs } = command.def;
    const headers = upstreamHeaders(request, routed);
    if (c.minPosition !== undefined) headers[Header.minPosition] = `${c.minPosition.epoch}:${c.minPosition.lsn}`;
    if (c.maxStalenessMs !== undefined) headers[Header.maxStalenessMs] = String(c.maxStalenessMs);
    return this.opts.dispatcher.request({
      origin: c.node.url,
      method: upstream.method,
      path: command.upstreamPath(routed.target.key, params) + queryOf(request.url),
      headers,
      body: upstream.method === 'GET' || upstream.method === 'HEAD' ? undefined : (request.body as Buffer | undefined),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  private respond(
    request: FastifyRequest,
    reply: FastifyReply,
    response: UpstreamAnswer,
    c: Candidate,
    staleFallback: boolean,
    text?: string,
  ): FastifyReply {
    const ctx = request.setgate;
    // A body already read (a 409 that was not a read refusal) goes out as that text.
    const body = text ?? response.body;
    ctx.upstream = { headers: response.headers, body, node: c.node, fromReplica: !c.leader, staleFallback };
    if (response.statusCode >= 200 && response.statusCode < 300 && ctx.match?.command.def.kind === 'write') {
      this.issueSession(ctx, response.headers);
    }
    return reply.code(response.statusCode).send(body);
  }

  private issueSession(ctx: RequestContext, headers: UpstreamAnswer['headers']): void {
    const epoch = Number(headers[Header.epoch]);
    const lsn = Number(headers[Header.lsn]);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(lsn) || epoch < 0 || lsn < 0) return;
    const shard = required(ctx.target, 'route target').shard;
    ctx.sessionToken = this.opts.sessionTokens.issue(mergePosition(ctx.session, shard, { epoch, lsn }));
  }

  /** Reloads the routing table and plans the request again on the new version. */
  private async replan(request: FastifyRequest): Promise<RoutePlan> {
    await (this.opts.refresh as () => Promise<void>)();
    const ctx = request.setgate;
    const table = this.opts.routes.current;
    const match = table.match(request.method, request.url);
    if (match === null) throw GatewayErrors.create('SETGATE_GW_ROUTE_NOT_FOUND', { detail: 'the command is gone from the refreshed table' });
    const key = required(ctx.target, 'route target').key;
    const shard = shardOf(key, table.view.shardCount);
    const plan = planRoute(table.view, match.command, shard, this.opts.region, ctx.session, this.opts.health);
    ctx.table = table;
    ctx.match = match;
    ctx.target = { key, shard, epoch: plan.epoch, node: (plan.candidates[0] as Candidate).node, plan };
    return plan;
  }

  private timeoutOf(ctx: RequestContext): number {
    return required(ctx.match, 'command match').command.def.timeoutMs;
  }
}

function queryOf(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? '' : url.slice(i);
}
