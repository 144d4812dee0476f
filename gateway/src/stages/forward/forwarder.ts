import { Header } from '@setgate/contracts';
import { type Dispatcher, discard, receive, type UpstreamAnswer, unsendable } from '@setgate/http-client';
import { shardOf } from '@setgate/topology';
import { injectContext, type Span } from '@setgate/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayErrors } from '../../errors.js';
import { type RequestContext, required } from '../request-context/request-context.js';
import { type Candidate, planRoute, type RoutePlan } from '../routing/route-plan.js';
import { mergePosition } from '../routing/session-token.js';
import type { ForwardOptions } from './options.js';
import { answeredAttempt, failedAttempt, startAttemptSpan } from './attempt-span.js';
import { readConflict } from './read-refusal.js';
import { misdirected, upstreamFailure, writeOutcomeUnknown } from './upstream-errors.js';
import { type RoutedRequest, upstreamHeaders } from './upstream-headers.js';
import { giveUp, startWalk, type Step, type Walk, walkFailed, walkRefused } from './walk.js';

/** The x-setgate-read value of a read served past its command's bound. */
export const STALE_FALLBACK = 'stale-fallback';

/**
 * Walks a request's route plan: the nearest fresh-enough replica, the next,
 * the write-point; a 409 read refusal moves on at no cost, a failure moves on
 * only within the retry budget (and is reported for outlier ejection); a 421
 * reloads the routing table and re-plans once. With the write-point
 * unreachable a read falls back to the other replicas (plan.fallback), still
 * asking each for the client's session position. A write is resent only when
 * that cannot apply it twice; one that may have reached the node answers
 * "outcome unknown", and "not applied" only when it certainly never did.
 */
export class Forwarder {
  constructor(private readonly opts: ForwardOptions) {}

  async forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ctx = request.setgate;
    this.opts.budget.deposit();
    const walk = startWalk(
      required(ctx.target, 'route target').plan,
      required(ctx.match, 'command match').command.def.kind === 'write',
      typeof request.headers[Header.idempotencyKey] === 'string',
    );
    for (let i = 0; i < walk.plan.candidates.length; i++) {
      if (walk.previousFailed && !this.opts.budget.tryWithdraw()) break;
      const step = await this.attempt(request, reply, walk, walk.plan.candidates[i] as Candidate, false);
      if (typeof step === 'object') return step.answer;
      if (step === 'again') i--;
      else if (step === 'restart') i = -1;
    }
    if (!walk.isWrite && walk.writePointDown) {
      const answer = await this.fallback(request, reply, walk);
      if (answer !== undefined) return answer;
    }
    throw giveUp(walk, request.setgate, this.timeoutOf(request.setgate));
  }

  /** One attempt on one candidate; `inFallback` attempts do not refresh the table on a 421. */
  private async attempt(request: FastifyRequest, reply: FastifyReply, walk: Walk, c: Candidate, inFallback: boolean): Promise<Step> {
    const { health } = this.opts;
    walk.attempts++;
    const def = required(request.setgate.match, 'command match').command.def;
    const span = startAttemptSpan(this.opts.tracer, request.span, def.name, def.upstream.method, c, walk.attempts);
    let response: UpstreamAnswer;
    const startedAt = performance.now();
    try {
      response = await receive(await this.send(request, c, span));
    } catch (err) {
      // undici could not build the request from what the client sent: no node saw it, none is charged, nothing is retried.
      if (unsendable(err)) {
        failedAttempt(span, err, false);
        throw GatewayErrors.create('SETGATE_GW_UNFORWARDABLE', { detail: (err as Error).message, cause: err });
      }
      const ejected = health.failure(c.node.id);
      failedAttempt(span, err, ejected);
      this.opts.attempts?.failed(c.node, startedAt, err, ejected);
      return walkFailed(walk, c, err, upstreamFailure(err, c.node, this.timeoutOf(request.setgate)));
    }
    health.success(c.node.id);
    walk.previousFailed = false;
    const step = await this.settle(request, reply, walk, c, inFallback, response);
    answeredAttempt(span, response, movedOnFrom(step, response.statusCode));
    this.opts.attempts?.answered(c.node, startedAt, response.statusCode, typeof step !== 'object');
    return step;
  }

  /** What the walk does with a node's answer. */
  private async settle(request: FastifyRequest, reply: FastifyReply, walk: Walk, c: Candidate, inFallback: boolean, response: UpstreamAnswer): Promise<Step> {
    const { budget } = this.opts;
    if (response.statusCode === 421) {
      if (inFallback) {
        discard(response);
        return 'next';
      }
      if (walk.refreshed || this.opts.refresh === undefined || !budget.tryWithdraw()) throw await misdirected(response, c.node, walk.plan.shard);
      discard(response);
      walk.refreshed = true;
      walk.plan = await this.replan(request);
      return 'restart';
    }
    // An earlier attempt of this write may have been applied: a refusal of the
    // resend (e.g. 503 "lease expired, nothing written") speaks only for the
    // resend, so the client is told the outcome is unknown, never "not applied".
    if (walk.isWrite && walk.maybeApplied !== undefined && (response.statusCode < 200 || response.statusCode >= 300)) {
      discard(response);
      throw writeOutcomeUnknown(walk.maybeApplied.err, walk.maybeApplied.node, walk.plan.shard, this.timeoutOf(request.setgate), walk.idempotent);
    }
    // A replica that does not state its staleness cannot be held to a bound nor
    // report it (a node predating the read-freshness contract): its answer is not used.
    const unstated = !c.leader && response.headers[Header.stalenessMs] === undefined;
    if (walk.isWrite || response.statusCode !== 409) {
      if (!unstated) return { answer: this.respond(request, reply, response, c) };
      discard(response);
      return 'next';
    }
    const conflict = await readConflict(response);
    if ('refusal' in conflict) return walkRefused(walk, c, conflict.refusal);
    return unstated ? 'next' : { answer: this.respond(request, reply, response, c, conflict.text) };
  }

  /** With the write-point unreachable, a read tries the replicas the plan allows as a fallback. */
  private async fallback(request: FastifyRequest, reply: FastifyReply, walk: Walk): Promise<FastifyReply | undefined> {
    for (const c of walk.plan.fallback(walk.skip)) {
      if (walk.previousFailed && !this.opts.budget.tryWithdraw()) return undefined;
      const step = await this.attempt(request, reply, walk, c, true);
      if (typeof step === 'object') return step.answer;
    }
    return undefined;
  }

  private send(request: FastifyRequest, c: Candidate, span: Span | undefined): Promise<Dispatcher.ResponseData> {
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
    // The node continues from this attempt's client span when there is one (upstreamHeaders wrote the server span's).
    if (span !== undefined) injectContext(span, headers);
    // The client's own authorization never goes on (upstreamHeaders drops it): this is the hop's.
    if (this.opts.hopSecrets !== undefined) headers.authorization = this.opts.hopSecrets.bearer;
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

  private respond(request: FastifyRequest, reply: FastifyReply, response: UpstreamAnswer, c: Candidate, text?: string): FastifyReply {
    const ctx = request.setgate;
    // A body already read (a 409 that was not a read refusal) goes out as that text.
    const body = text ?? response.body;
    ctx.upstream = { headers: response.headers, body, node: c.node, fromReplica: !c.leader, staleFallback: c.staleFallback };
    if (response.statusCode >= 200 && response.statusCode < 300 && ctx.match?.command.def.kind === 'write') {
      this.issueSession(ctx, response.headers);
    }
    // Served past the command's bound: the answer says so (x-setgate-staleness-ms, copied from the node, says by how much).
    if (c.staleFallback) reply.header(Header.readSource, STALE_FALLBACK);
    return reply.code(response.statusCode).send(body);
  }

  private issueSession(ctx: RequestContext, headers: UpstreamAnswer['headers']): void {
    const epoch = Number(headers[Header.epoch]);
    const lsn = Number(headers[Header.lsn]);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(lsn) || epoch < 0 || lsn < 0) return;
    const shard = required(ctx.target, 'route target').shard;
    // A fresh write's position is the shard's head; a replayed one answers an older position.
    const atHead = headers[Header.replayed] !== 'true';
    ctx.sessionToken = this.opts.sessionTokens.issue(mergePosition(ctx.session, shard, { epoch, lsn }, atHead));
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

/** Why the walk moved on from an answer it did not use (a 421 is its own outcome); undefined when it was used. */
function movedOnFrom(step: Step, status: number): 'read_refused' | 'unstated' | undefined {
  if (typeof step === 'object' || status === 421) return undefined;
  return status === 409 ? 'read_refused' : 'unstated';
}

function queryOf(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? '' : url.slice(i);
}
