import type { LoadedTopology } from '@setgate/config';
import type { FastifyRequest } from 'fastify';
import { addressGroup } from '../header-hygiene/client-address.js';
import type { RateLimitStageOptions } from './options.js';
import { RedisSync } from './redis-sync.js';
import { type CountResult, type LimiterMode, WindowCounters } from './window-counters.js';

/** A limit: requests per window. */
export interface Limit {
  /** The rate-limit class, or `anonymous`: a metric label from the config's bounded set. */
  readonly name: string;
  readonly max: number;
  readonly windowMs: number;
}

type Policy = LoadedTopology['gateway']['rateLimit'];

/** The limit of unauthenticated requests. */
const ANONYMOUS = 'anonymous';

/**
 * The region's rate limiter as one gateway runs it: which limit applies to a
 * request, who it is counted against, and the counters (shared through Redis
 * in batches, or local with the limit divided among the region's gateways).
 *
 * Accuracy bound (shared mode): a gateway learns the others' counts at most
 * one sync interval plus one Redis round trip late, so a key can go over its
 * limit by what the other gateways admit for it in that time:
 * overshoot ≤ Σ(other gateways' rate for the key) × (syncIntervalMs + RTT).
 * A gateway that has not synced a key's window yet (it has just seen the key)
 * counts from its own requests alone until its next sync, so a burst for a
 * key can take up to the whole limit on each gateway that sees it within one
 * sync interval: at worst N × limit in a window across N gateways, when every
 * gateway meets the same burst before syncing it. It is never under-counted.
 * Local mode is exact per gateway.
 */
export class RegionLimiter {
  readonly counters: WindowCounters;
  readonly sync: RedisSync | undefined;
  private readonly classes: ReadonlyMap<string, Limit>;
  private readonly anonymous: Limit;
  private readonly gateways: number;
  private readonly now: () => number;
  /** Requests refused, for status. */
  refused = 0;

  constructor(opts: RateLimitStageOptions, onModeChange?: (mode: LimiterMode, cause?: unknown) => void) {
    const policy: Policy = opts.policy;
    this.classes = new Map(policy.classes.map((c) => [c.name, { name: c.name, max: c.max, windowMs: c.windowMs }]));
    this.anonymous = { name: ANONYMOUS, max: policy.anonymous.max, windowMs: policy.anonymous.windowMs };
    this.gateways = Math.max(1, opts.gatewaysInRegion);
    this.now = opts.now ?? Date.now;
    // Without Redis a gateway starts local; with it, shared until the first batch fails.
    this.counters = new WindowCounters(opts.redis ? 'shared' : 'local');
    this.sync =
      opts.redis === undefined
        ? undefined
        : new RedisSync({
            counters: this.counters,
            redis: opts.redis,
            keyPrefix: `setgate:rl:${opts.region}:`,
            intervalMs: policy.syncIntervalMs,
            now: this.now,
            ...(onModeChange ? { onModeChange } : {}),
          });
  }

  /** Every limit's name: the configured classes and `anonymous`. */
  limitNames(): string[] {
    return [...this.classes.keys(), ANONYMOUS];
  }

  get mode(): LimiterMode {
    return this.counters.mode;
  }

  /**
   * The limit of a request: its command's class when authenticated, the
   * anonymous one otherwise; undefined when its class has no limit configured.
   */
  limitOf(request: FastifyRequest): Limit | undefined {
    const ctx = request.setgate;
    if (ctx.principal === undefined) return this.anonymous;
    const cls = ctx.match?.command.def.rateLimitClass;
    return cls === undefined ? undefined : this.classes.get(cls);
  }

  /** The limit this gateway enforces now: the whole limit when shared, its share when local. */
  effectiveMax(limit: Limit): number {
    return this.counters.mode === 'shared' ? limit.max : Math.max(1, Math.floor(limit.max / this.gateways));
  }

  /**
   * Who a request counts against: tenant, else issuer and subject, per class;
   * anonymous requests by address (IPv6 by /64). Never a client-chosen header.
   */
  keyOf(request: FastifyRequest): string {
    const ctx = request.setgate;
    const p = ctx.principal;
    if (p === undefined) return `anon|${addressGroup(ctx.clientAddress)}`;
    const cls = ctx.match?.command.def.rateLimitClass ?? '';
    return p.tenant !== undefined ? `${cls}|t|${p.tenant}` : `${cls}|s|${p.issuer}|${p.subject}`;
  }

  /** Counts one request; `windowMs` comes from its limit. */
  incr(key: string, windowMs: number): CountResult {
    return this.counters.incr(key, windowMs, this.now());
  }

  start(): void {
    this.sync?.start();
  }

  stop(): void {
    this.sync?.stop();
  }

  /** Mode, live windows and sync counts for /status. */
  status(): Record<string, unknown> {
    return { mode: this.mode, windows: this.counters.size, refused: this.refused, sync: this.sync?.stats ?? null };
  }
}
