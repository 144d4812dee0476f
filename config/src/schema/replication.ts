import { Type } from '@sinclair/typebox';

/** How set-runtime nodes store and replicate each shard's log (see DESIGN.md "State and replication"). */
export const Replication = Type.Object(
  {
    durability: Type.Union([Type.Literal('group'), Type.Literal('fsync')], {
      default: 'group',
      description:
        'group: concurrent writes share one synced commit (the default); fsync: every write is its own synced commit.',
    }),
    idempotencyWindowSec: Type.Integer({
      minimum: 1,
      default: 86400,
      description: 'How long an idempotency key is remembered; a retry within it returns the first result.',
    }),
    logRetentionEntries: Type.Integer({
      minimum: 1,
      default: 100000,
      description: "Log entries kept per shard; a follower behind the log's start gets a snapshot, then the tail.",
    }),
    fetchMaxWaitMs: Type.Integer({
      minimum: 1,
      default: 500,
      description: 'Long-poll: how long a follower fetch waits on the leader for new entries.',
    }),
    fetchMaxEntries: Type.Integer({ minimum: 1, default: 1000, description: 'Entries per fetch at most.' }),
    ackTimeoutMs: Type.Integer({
      minimum: 1,
      default: 2000,
      description: 'How long a sync write waits for its in-sync replicas before failing with 503.',
    }),
    insyncLagMs: Type.Integer({
      minimum: 1,
      default: 10000,
      description: 'A follower that has not fetched for this long leaves the in-sync set.',
    }),
    leaseMs: Type.Integer({
      minimum: 1,
      default: 2000,
      description:
        "The write-point's lease: it admits and acknowledges writes only until (send time of the control-plane watch request whose answer last confirmed its config) + leaseMs − leaseMarginMs, on its own monotonic clock; the failover controller promotes a replacement only after the lease it last granted has run out plus failover.clockDriftMs. Shorter: faster failover; longer: more tolerance of a slow control plane.",
    }),
    leaseMarginMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 100,
        description: 'Taken off every lease on the node side (clock-rate differences, the latency of the last check); at most a tenth of leaseMs is used.',
      }),
    ),
    readWaitMs: Type.Integer({
      minimum: 0,
      default: 500,
      description: 'How long a read waits for the replica to reach the session token position before 409.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Replication and durability of the per-shard log.' },
);
