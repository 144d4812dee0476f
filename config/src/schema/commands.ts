import { Type } from '@sinclair/typebox';
import { Name, Priority } from './common.js';

export const KeySource = Type.Union(
  [
    Type.Object({ from: Type.Literal('subject') }, { additionalProperties: false }),
    Type.Object({ from: Type.Literal('param'), name: Type.String() }, { additionalProperties: false }),
    Type.Object({ from: Type.Literal('header'), name: Type.String() }, { additionalProperties: false }),
    Type.Object({ from: Type.Literal('query'), name: Type.String() }, { additionalProperties: false }),
  ],
  {
    description:
      "Where the shard key comes from: the authenticated subject (the token's sub), a path parameter, a header or a query parameter.",
  },
);

export const Method = Type.Union(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)),
  { description: 'HTTP method.' },
);

export const Command = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9.-]{0,62}$', description: 'Command name, e.g. cart.add-item.' }),
    method: Method,
    path: Type.String({
      pattern: '^/',
      description:
        'Public path: /-separated segments, each literal text or a whole-segment :param (letters, digits, _), e.g. /v1/cart/items/:itemId. No wildcards, regex or optional params, no ? or #.',
    }),
    kind: Type.Union([Type.Literal('read'), Type.Literal('write')], {
      description: "read: may be served by a replica; write: goes to the shard's write-point.",
    }),
    key: KeySource,
    priority: Priority,
    maxStalenessMs: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Reads: how stale a replica may be; 0 means the leader serves it.',
    }),
    staleFallback: Type.Boolean({
      default: false,
      description:
        'Reads: with the write-point unreachable and no replica within maxStalenessMs, serve from a replica past the bound; the answer says x-setgate-read: stale-fallback and its real x-setgate-staleness-ms. The session token is still honoured (409 SETGATE_GW_READ_BEHIND_SESSION rather than an older value). false: such a read is 503 SETGATE_GW_NO_FRESH_REPLICA.',
    }),
    rateLimitClass: Type.String({ default: 'default', description: 'Rate-limit class this command counts against.' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 2000, description: 'Upstream timeout for this command.' }),
    scopes: Type.Array(Type.String(), { default: [], description: 'Scopes the caller must hold.' }),
    anonymous: Type.Boolean({
      default: false,
      description:
        'Callable without credentials: such calls are rate-limited per client address (IPv6 by /64) with gateway.rateLimit.anonymous. A caller that sends credentials is still authenticated, and bad ones are still refused. Needs a key not taken from the subject and no scopes.',
    }),
    residency: Type.Optional(
      Type.Array(Name, {
        minItems: 1,
        description: 'Regions this command may be served in; its requests never leave them.',
      }),
    ),
    upstream: Type.Object(
      {
        method: Method,
        path: Type.String({
          pattern: '^/',
          description: 'Path on the set-runtime node; {key} is replaced by the shard key, :param by path parameters.',
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'A route-table entry.' },
);

export const CommandName = Name;
