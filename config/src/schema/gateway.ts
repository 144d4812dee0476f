import { Type } from '@sinclair/typebox';
import { GatewayFairness } from './fairness.js';
import { secretRef } from './secret.js';

export const Cidr = Type.String({
  pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$',
  description: 'An IPv4 or IPv6 network in CIDR notation.',
});

export const RateLimitClass = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "A command's rateLimitClass." }),
    max: Type.Integer({ minimum: 1, description: 'Requests allowed per window per tenant/subject.' }),
    windowMs: Type.Integer({ minimum: 100, default: 1000, description: 'Window length.' }),
  },
  { additionalProperties: false },
);

export const GatewayPolicy = Type.Object(
  {
    trustedProxies: Type.Array(Cidr, {
      default: [],
      description:
        "Further peers whose X-Forwarded-For is trusted. The topology's regional proxies (their hosts, when IP literals) are always trusted; a proxy named by a host name must be listed here by its network. From anyone else the header is ignored and the socket peer is the client.",
    }),
    sessionTokenSecret: Type.Optional(
      secretRef('HMAC key of session tokens (at least 32 characters); the same in every gateway so any region can check a token.'),
    ),
    previousSessionTokenSecret: Type.Optional(
      secretRef(
        'The session-token key being rotated out: still accepted, never used to sign. Rotation: point this at the old key and sessionTokenSecret at the new one, then drop it once old tokens no longer matter.',
      ),
    ),
    rateLimit: Type.Object(
      {
        redisUrl: Type.Optional(
          Type.String({ pattern: '^rediss?://', description: "Redis shared by the region's gateways; omitted: local only." }),
        ),
        redisPassword: Type.Optional(
          secretRef('AUTH password of the rate-limit Redis servers (redisUrl and regions[].rateLimitRedisUrl), read by the gateways.'),
        ),
        classes: Type.Array(RateLimitClass, { default: [], description: 'Limits per rate-limit class.' }),
        anonymous: Type.Object(
          {
            max: Type.Integer({ minimum: 1, default: 60 }),
            windowMs: Type.Integer({ minimum: 100, default: 60000 }),
          },
          { additionalProperties: false, default: {}, description: 'Limit for unauthenticated traffic, per IP (IPv6 per /64).' },
        ),
        redisTimeoutMs: Type.Integer({
          minimum: 10,
          maximum: 250,
          default: 200,
          description: 'Connect and command deadline of the Redis client; a request never waits on Redis (counts sync in the background).',
        }),
        syncIntervalMs: Type.Integer({
          minimum: 1,
          default: 100,
          description: 'Local counts are pushed to Redis at this interval; this bounds how far over a limit a burst can go.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    admission: Type.Object(
      {
        maxInFlight: Type.Integer({ minimum: 1, default: 256, description: 'In-flight requests at which shedding starts.' }),
        maxEventLoopDelayMs: Type.Integer({
          minimum: 1,
          default: 100,
          description: 'Event-loop delay at which shedding starts.',
        }),
        criticalHardCap: Type.Integer({
          minimum: 1,
          default: 1024,
          description: 'In-flight requests past which even critical traffic is refused.',
        }),
        retryAfterSec: Type.Integer({ minimum: 1, default: 1, description: 'Retry-After on a shed request.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    fairness: GatewayFairness,
    upstream: Type.Object(
      {
        retryBudgetRatio: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.2,
          description: 'Retries allowed as a fraction of requests.',
        }),
        ejectAfterFailures: Type.Integer({
          minimum: 1,
          default: 5,
          description: 'Consecutive failures that eject a node from selection.',
        }),
        baseEjectionMs: Type.Integer({ minimum: 1, default: 1000, description: 'First ejection; doubles each time.' }),
        maxEjectionMs: Type.Integer({ minimum: 1, default: 30000, description: 'Longest ejection.' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Business gateway policy: trust, limits, admission.' },
);
