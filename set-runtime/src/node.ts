import type { ServiceLimits } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import type { TopologyView } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { createNodeApp } from './app.js';
import { Ownership } from './ownership.js';
import { type NodeStatusReport, nodeStatus } from './status.js';
import type { NodeStore } from './store/types.js';

/** How often expired idempotency keys are pruned by default. */
export const IDEMPOTENCY_PRUNE_INTERVAL_MS = 10 * 60 * 1000;

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
}

/** One set-runtime node, assembled but not listening. */
export interface SetNode {
  readonly app: FastifyInstance;
  readonly ownership: Ownership;
  readonly store: NodeStore;
  status(): NodeStatusReport;
  /** Closes the traffic listener (if still open), stops timers, then closes the store. */
  close(): Promise<void>;
}

/** Builds a node in-process: the entry point, tests and benchmarks all start here. */
export function buildNode(opts: NodeOptions): SetNode {
  const ownership = new Ownership(opts.view, opts.nodeId);
  const { store } = opts;
  const app = createNodeApp({
    ownership,
    store,
    telemetry: opts.telemetry,
    limits: opts.limits ?? opts.view.doc.limits,
  });

  const interval = opts.idempotencyPruneIntervalMs ?? IDEMPOTENCY_PRUNE_INTERVAL_MS;
  const pruner =
    interval > 0
      ? setInterval(() => {
          for (const shard of ownership.heldShards()) {
            store
              .shard(shard)
              .pruneIdempotency()
              .catch((err: unknown) => opts.telemetry.logger.warn({ err, shard }, 'idempotency prune failed'));
          }
        }, interval)
      : undefined;
  pruner?.unref();

  let closed: Promise<void> | undefined;
  return {
    app,
    ownership,
    store,
    status: () => nodeStatus(ownership, store),
    close() {
      closed ??= (async () => {
        clearInterval(pruner);
        await app.close();
        await store.close();
      })();
      return closed;
    },
  };
}
