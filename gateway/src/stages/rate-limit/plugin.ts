import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { type Limit, RegionLimiter } from './limiter.js';
import { refusalCounter } from './refusal-counter.js';
import type { RateLimitStageOptions } from './options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The region's rate limiter as this gateway runs it; `status()` shows its mode. */
    regionLimiter: RegionLimiter;
  }
}

// The limit found by keyGenerator, read back by max and timeWindow for the same request.
const LIMIT = Symbol('setgate.rateLimit');
type Limited = { [LIMIT]?: Limit };

/**
 * Stage 7: per-tenant (or per-subject) limits by command class, with
 * @fastify/rate-limit in front of a store that counts locally and syncs to
 * Redis in batches (see RegionLimiter for the accuracy bound). A decision never
 * waits on Redis; while it is unreachable each gateway enforces its share of
 * the limit. Answers carry the standard RateLimit-* headers; a refusal is a
 * 429 problem with Retry-After.
 */
export const rateLimitStage = fp<RateLimitStageOptions>(
  async (app, opts) => {
    const log = app.log.child({ stage: 'rate-limit' });
    const limiter = new RegionLimiter(opts, (mode, cause) => {
      if (mode === 'local') log.warn({ err: cause }, 'rate limits are local: Redis is unreachable');
      else log.info('rate limits are shared again through Redis');
    });
    app.decorate('regionLimiter', limiter);
    const refused = opts.meter ? refusalCounter(opts.meter, limiter.limitNames()) : undefined;
    opts.meter
      ?.createObservableGauge('setgate.gateway.rate_limit.shared', {
        description: '1 while rate limits are shared through Redis, 0 while each gateway counts alone.',
      })
      .addCallback((r) => r.observe(limiter.mode === 'shared' ? 1 : 0, { 'setgate.region': opts.region }));

    // One store object: @fastify/rate-limit builds its store with `new`, so the class hands back ours.
    const store: FastifyRateLimitStore = {
      incr(key, callback, windowMs?: number) {
        callback(null, limiter.incr(key, windowMs as number));
      },
      child() {
        return store;
      },
    };
    await app.register(rateLimit, {
      global: false,
      enableDraftSpec: true,
      store: function BoundStore() {
        return store;
      } as unknown as NonNullable<Parameters<typeof rateLimit>[1]['store']>,
    });
    const hook = app.rateLimit({
      keyGenerator: (request) => limiter.keyOf(request),
      // An unlimited class is let through before anything is counted.
      allowList: (request) => {
        const limit = limiter.limitOf(request);
        (request as unknown as Limited)[LIMIT] = limit;
        return limit === undefined;
      },
      max: (request) => limiter.effectiveMax((request as unknown as Limited)[LIMIT] as Limit),
      timeWindow: (request) => ((request as unknown as Limited)[LIMIT] as Limit).windowMs,
      errorResponseBuilder: (request, ctx) => {
        limiter.refused++;
        refused?.add(((request as unknown as Limited)[LIMIT] as Limit).name, limiter.mode);
        return GatewayErrors.create('SETGATE_GW_RATE_LIMITED', {
          detail: `At most ${ctx.max} requests per window for this command class; retry in ${ctx.after}.`,
          extensions: { limit: ctx.max, mode: limiter.mode, requestKey: request.setgate.principal?.tenant ?? undefined },
        });
      },
    });
    app.addHook('onRequest', hook);
    limiter.start();
    app.addHook('onClose', async () => limiter.stop());
  },
  { name: 'setgate-rate-limit', fastify: '5.x', dependencies: ['setgate-auth'] },
);
