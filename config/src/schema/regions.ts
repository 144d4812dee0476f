import { Type } from '@sinclair/typebox';
import { Listener, Name } from './common.js';
import { EntryTls } from './tls.js';

export const ProxyInstance = Type.Object(
  { id: Name, ...Listener, tls: Type.Optional(EntryTls) },
  { additionalProperties: false, description: 'One regional-proxy process.' },
);

export const GatewayInstance = Type.Object(
  { id: Name, ...Listener, tls: Type.Optional(EntryTls) },
  { additionalProperties: false, description: 'One gateway process.' },
);

export const Region = Type.Object(
  {
    name: Name,
    proxies: Type.Array(ProxyInstance, { minItems: 1, description: 'Regional proxies: the entry points users reach.' }),
    gateways: Type.Array(GatewayInstance, { minItems: 1, description: 'Business gateways behind the regional proxies.' }),
    rateLimitRedisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        description:
          "Redis shared by this region's gateways for rate limits (one per region keeps counting local to the region); overrides gateway.rateLimit.redisUrl. Read when a gateway starts.",
      }),
    ),
    drained: Type.Boolean({
      default: false,
      description:
        'Drained: holds no shard leader, and regional proxies send its users to the next nearest region. Set by `setgate drain region`.',
    }),
  },
  { additionalProperties: false, description: 'A geographic site with its proxies and gateways.' },
);

export const RttLink = Type.Object(
  {
    a: Name,
    b: Name,
    ms: Type.Number({ minimum: 0, description: 'Round-trip time between the two regions in milliseconds.' }),
  },
  {
    additionalProperties: false,
    description: 'Symmetric RTT between two distinct regions; every pair of regions appears exactly once.',
  },
);
