import { HopSecrets, processHopSecrets } from '@setgate/contracts';
import type { ServiceLimits } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import type { TopologyView } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { createNodeApp } from './app.js';
import { registerInternalRoutes } from './http/internal-routes.js';
import { Ownership } from './ownership.js';
import { registerReplicationMetrics } from './replication/metrics.js';
import { PeerClient } from './replication/peer-client.js';
import { Replicator } from './replication/replicator.js';
import { type NodeStatusReport, nodeStatus } from './status.js';
import type { NodeStore } from './store/types.js';
import { TopologyUpdates } from './topology-updates.js';

/** How often expired idempotency keys are pruned by default. */
export const IDEMPOTENCY_PRUNE_INTERVAL_MS = 10 * 60 * 1000;
/** How often each held shard's log is trimmed to `replication.logRetentionEntries` by default. */
export const LOG_TRIM_INTERVAL_MS = 1000;

export interface NodeOptions {
  readonly view: TopologyView;
  /** This node's id in the topology. */
  readonly nodeId: string;
  /** The node's own durable store; the node closes it. */
  readonly store: NodeStore;
  readonly telemetry: Telemetry;
  /** Listener limits; default to the topology's `limits`. */
  readonly limits?: Partial<ServiceLimits>;
  /** 0 disables the periodic prune (tests prune by hand). */
  readonly idempotencyPruneIntervalMs?: number;
  /** 0 disables the periodic log trim (tests trim by hand). */
  readonly logTrimIntervalMs?: number;
  /**
   * The stack's hop secret: every request to the node's traffic listener and to its internal
   * endpoints must carry it, and replication fetches send it. Defaults to the process's
   * (SETGATE_INTERNAL_TOKEN, _PREVIOUS or _FILE); unset there too: both are open (development).
   */
  readonly internalToken?: string | HopSecrets;
  /** Clock of lag and ages; tests pass their own. */
  readonly now?: () => number;
  /** Monotonic clock of the leader lease (performance.now by default). */
  readonly leaseClock?: () => number;
  /**
   * true (default, in-process nodes of tests and benchmarks): the lease counts as renewed at start.
   * The node process passes false: it earns its first lease from an answered control-plane watch
   * (or its first read of the config file), so a restarted old leader never writes on a stale file's word.
   */
  readonly leaseGrantedAtStart?: boolean;
}

/** One set-runtime node, assembled but not listening. */
export interface SetNode {
  readonly app: FastifyInstance;
  readonly ownership: Ownership;
  readonly store: NodeStore;
  readonly replicator: Replicator;
  /** Takes new topology versions in (internal endpoint, SIGHUP, file poll). */
  readonly updates: TopologyUpdates;
  /** Adds the internal endpoints (replication, fence, topology) to the node's admin listener. */
  registerInternal(admin: FastifyInstance): void;
  status(): Promise<NodeStatusReport>;
  /** Stops replication, closes the traffic listener (if still open), stops timers, then closes the store. */
  close(): Promise<void>;
}

/** Builds a node in-process: the entry point, tests and benchmarks all start here. Replication starts at once. */
export function buildNode(opts: NodeOptions): SetNode {
  const ownership = new Ownership(opts.view, opts.nodeId);
  const { store, telemetry } = opts;
  const secrets = typeof opts.internalToken === 'string' ? new HopSecrets(opts.internalToken) : (opts.internalToken ?? processHopSecrets());
  const replicator = new Replicator({ ownership, store, peer: new PeerClient(secrets, opts.view.shardCount), logger: telemetry.logger, tracer: telemetry.tracer, now: opts.now, leaseClock: opts.leaseClock, leaseGrantedAtStart: opts.leaseGrantedAtStart });
  const updates = new TopologyUpdates(ownership, replicator);
  const app = createNodeApp({ ownership, store, replicator, telemetry, limits: opts.limits ?? opts.view.doc.limits, hopSecrets: secrets });
  registerReplicationMetrics(telemetry.meter, replicator);
  void replicator.reconcile();

  const every = (ms: number, what: string, task: () => Promise<unknown>) => {
    if (ms <= 0) return undefined;
    const timer = setInterval(() => {
      task().catch((err: unknown) => telemetry.logger.warn({ err }, `${what} failed`));
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(opts.idempotencyPruneIntervalMs ?? IDEMPOTENCY_PRUNE_INTERVAL_MS, 'idempotency prune', () =>
      Promise.all(ownership.heldShards().map((shard) => store.shard(shard).pruneIdempotency())),
    ),
    every(opts.logTrimIntervalMs ?? LOG_TRIM_INTERVAL_MS, 'log trim', () => replicator.trimLogs()),
  ];

  let closed: Promise<void> | undefined;
  return {
    app,
    ownership,
    store,
    replicator,
    updates,
    registerInternal: (admin) => registerInternalRoutes(admin, { replicator, updates, secrets }),
    status: () => nodeStatus(ownership, store, replicator),
    close() {
      closed ??= (async () => {
        for (const t of timers) clearInterval(t);
        await replicator.close();
        await app.close();
        await store.close();
      })();
      return closed;
    },
  };
}
