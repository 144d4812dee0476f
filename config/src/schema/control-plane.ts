import { Type } from '@sinclair/typebox';
import { Listener } from './common.js';
import { secretRef } from './secret.js';

export const FileConfigStore = Type.Object(
  {
    kind: Type.Literal('file', {
      description: 'Embedded, no server: one JSON file per version under <data>/control-plane, written atomically.',
    }),
  },
  { additionalProperties: false },
);

export const RedisConfigStore = Type.Object(
  {
    kind: Type.Literal('redis', {
      description: 'Versions kept in Redis; compare-and-set on the version, changes announced by pub/sub.',
    }),
    url: Type.String({ pattern: '^rediss?://', description: 'redis:// URL of the server that holds the versions, without credentials.' }),
    password: Type.Optional(secretRef('AUTH password of that Redis server, read by the control plane.')),
    prefix: Type.String({
      minLength: 1,
      default: 'setgate:config',
      description: 'Key prefix; every key and the pub/sub channel start with it.',
    }),
  },
  { additionalProperties: false },
);

export const EtcdConfigStore = Type.Object(
  {
    kind: Type.Literal('etcd', {
      description:
        'Versions kept in an etcd cluster (consensus): appended by transaction (compare-and-set on the base version), followed by etcd watch; several control-plane replicas may share it, one of them elected to run the failover controller.',
    }),
    endpoints: Type.Array(Type.String({ pattern: '^https?://' }), {
      minItems: 1,
      description: 'Client URLs of the etcd members (http://host:port); the client moves to another member when one fails.',
    }),
    prefix: Type.String({
      minLength: 1,
      default: 'setgate/config',
      description: 'Key prefix: <prefix>/latest, <prefix>/v/<version>, and the election under <prefix>/election/.',
    }),
    electionTtlSeconds: Type.Integer({
      minimum: 1,
      maximum: 60,
      default: 2,
      description:
        "TTL of the etcd lease behind a replica's election key. When the active replica dies, another takes over after about this long; etcd raises a TTL below its minimum (1.5 election timeouts) to that minimum.",
    }),
  },
  { additionalProperties: false },
);

export const AdminRole = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
  description:
    'viewer: read config (secrets are references, never values), history, status, watch, dry runs; operator: also apply, rollback, shard moves, drains, failover pause; admin: also changes to auth, controlPlane, network, limits, gateway.trustedProxies, gateway.rateLimit, the session-token secret references, regionalProxy.trustedEdges and any command\'s anonymous flag (config/src/control-plane/http/admin-fields.ts).',
});

export const AdminToken = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'Who holds the token; recorded as the author of every change made with it.' }),
    role: AdminRole,
    sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: 'Hex SHA-256 of the bearer token. The token itself never sits in the config.',
    }),
  },
  { additionalProperties: false, description: 'One bearer token accepted by the control plane admin API.' },
);

/**
 * The control plane's own settings. Static: read when the control plane starts
 * (a change applied through it takes effect at its next restart).
 */
export const ControlPlane = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', default: 'control-plane', description: 'Instance id.' }),
    ...Listener,
    store: Type.Union([FileConfigStore, RedisConfigStore, EtcdConfigStore], {
      default: { kind: 'file' },
      description: 'Where the versions and their history live.',
    }),
    tokens: Type.Array(AdminToken, {
      minItems: 1,
      description: 'Bearer tokens of the admin API (port): operators, scripts and components watching for changes.',
    }),
    watchTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 120000,
      default: 25000,
      description: 'Longest a watch request is held open before it answers "no change" (204).',
    }),
    switchoverCatchUpMs: Type.Integer({
      minimum: 100,
      maximum: 600000,
      default: 10000,
      description:
        'How long a planned leader change (shard move, drain, apply or rollback that moves a leader) waits for each node involved to say where its log stands, and for the new leader to catch up with the fenced one, before it is refused with nothing changed.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'The control plane: admin API and watch endpoint on port, metrics/status on adminPort. Started first by npm start.',
  },
);

/**
 * The failover controller (config/src/control-plane/failover): whether it may
 * act on its own, and how it decides that a write-point is down. Hot: read on
 * every probe round. The timings are optional in the type (documents written
 * in code may leave them out); loading fills their defaults.
 */
export const Failover = Type.Object(
  {
    paused: Type.Boolean({
      default: false,
      description: 'true: the failover controller only observes; leadership changes only by operator action.',
    }),
    probeIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 50,
        maximum: 60000,
        default: 250,
        description:
          "How often the failover controller checks every node of every set that leads a shard (/_setgate/health on the node's admin listener; its full /status at most every 2 s). A check unanswered within max(1000, probeIntervalMs) ms has failed.",
      }),
    ),
    downAfterMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600000,
        default: 1000,
        description:
          'A write-point is down once a quorum of witnesses (see witnessQuorum) has found it unreachable for this long, refusing connections, and the controller failed at least 3 checks in a row. Then, after its lease has surely run out (replication.leaseMs + clockDriftMs after the control plane last granted it), its shards are promoted to their most caught-up eligible replicas.',
      }),
    ),
    slowDownAfterMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600000,
        default: 5000,
        description:
          'Like downAfterMs, when some witness saw the node time out rather than refuse: a node that is only slow (a busy machine, a long pause) gets this long before it is declared down.',
      }),
    ),
    clockDriftMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60000,
        default: 250,
        description:
          "Added to the lease before a promotion: the controller waits replication.leaseMs + clockDriftMs after it last answered the old leader's watch, covering the difference in rate of the two monotonic clocks.",
      }),
    ),
    witnessQuorum: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 2,
        description:
          "Witnesses that must find a write-point unreachable before it is down: the controller's own check is one, every gateway (probing the node from its region when asked) another. A witness that cannot be asked or that is itself starved casts no vote; a majority of the votes cast must also say down.",
      }),
    ),
    witnessRegions: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 2,
        description: "Distinct regions the 'down' votes must come from (the control plane counts as a vantage point of its own).",
      }),
    ),
    startupGraceMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 600000,
        default: 3000,
        description:
          'After the control plane starts, no failover until every probed node has answered once and the controller has watched for this long (nodes never seen keep it waiting at most ten times this long, and are never failed over themselves).',
      }),
    ),
    holdDownMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 3600000,
        default: 30000,
        description: 'After a shard changed leader (by failover or by an operator), it is not failed over again for this long.',
      }),
    ),
    maxFailoversPerMinute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        default: 6,
        description: 'Fleet-wide cap: write-points failed over in any 60 s window; beyond it the controller waits and says why.',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Automated failover: the switch and the down detection of the failover controller.' },
);
