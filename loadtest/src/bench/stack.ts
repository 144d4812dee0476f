import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTopologyPath } from '@setgate/config';
import { INTERNAL_TOKEN_ENV } from '@setgate/contracts';
import { type EtcdMode, prepareEtcdMode, rebindTopology, type Stack, startStack } from '@setgate/launcher';
import type { EtcdCluster } from '@setgate/process-supervisor';
import type { InstanceRef } from '@setgate/topology';

/** Which part of a topology a benchmark starts. */
export interface BenchStackOptions {
  /** Topology to copy; default: the one `npm start` uses (SETGATE_CONFIG or config/topology.yaml). */
  readonly sourcePath?: string;
  /** Changes to the copied document before it is validated (ports are already free ones). */
  readonly edit?: (doc: Record<string, unknown>) => void;
  /** The instances to start; the rest of the topology exists only on paper. */
  readonly only: (instance: InstanceRef) => boolean;
  /** How long each process may take to report ready (a busy machine starts slowly); default: the supervisor's. */
  readonly readyTimeoutMs?: number;
  /** WAN emulation (`--wan`). */
  readonly wan?: boolean;
  /** The control plane on a local 3-member etcd cluster with two replicas (`--control-plane etcd`). */
  readonly etcd?: boolean;
  /**
   * false: the stack runs without a hop secret, so no hop is authenticated (the side-by-side
   * row that prices hop authentication). Default true, as `npm start` runs.
   */
  readonly hopAuth?: boolean;
  /** More environment for every process of the stack (e.g. OTEL_SDK_DISABLED, an OTLP endpoint). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A partial topology running on free ports in a scratch directory. */
export interface BenchStack {
  readonly stack: Stack;
  /** Scratch directory holding the topology copy, node data and logs; removed by `stop`. */
  readonly workDir: string;
  /** The control plane's etcd cluster, with `etcd: true`. */
  readonly etcd?: EtcdCluster;
  /** What a caller of a node's listeners sends (the hop secret); empty when hops are unauthenticated. */
  readonly nodeAuth: Readonly<Record<string, string>>;
  /** PID of a running instance; throws if it is not running. */
  pidOf(id: string): number;
  stop(): Promise<void>;
}

/** Starts on fresh ports after a lost port race, at most this many times in all. */
const START_ATTEMPTS = 3;

/**
 * Copies the topology with every port rebound to a free one (so a bench runs
 * beside `npm start`), starts only the selected instances, and returns a
 * handle whose `stop` ends the processes and removes the scratch directory.
 * If starting fails, nothing is left behind.
 *
 * A port found free can be taken before the component binds it (by another
 * process's outgoing connection, which draws from the same ephemeral range):
 * the start then fails with EADDRINUSE and is tried again on new ports.
 */
export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !/EADDRINUSE|address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(opts: BenchStackOptions): Promise<BenchStack> {
  const workDir = mkdtempSync(join(tmpdir(), 'setgate-bench-'));
  const cleanup = () => rmSync(workDir, { recursive: true, force: true });
  let stack: Stack;
  let etcd: EtcdMode | undefined;
  try {
    const configPath = join(workDir, 'topology.json');
    const logDir = join(workDir, 'logs');
    await rebindTopology(opts.sourcePath ?? defaultTopologyPath(), configPath, opts.edit);
    if (opts.etcd) etcd = await prepareEtcdMode({ configPath, outPath: join(workDir, 'topology.etcd.json'), logDir });
    stack = await startStack({
      configPath: etcd?.configPath ?? configPath,
      dataDir: join(workDir, 'data'),
      logDir,
      only: opts.only,
      readyTimeoutMs: opts.readyTimeoutMs,
      ...(opts.wan ? { wan: true } : {}),
      ...(etcd ? { controlPlaneReplicas: etcd.replicas } : {}),
      // An empty SETGATE_INTERNAL_TOKEN is "no secret" to every component: its hops are open.
      env: { ...opts.env, ...(opts.hopAuth === false ? { [INTERNAL_TOKEN_ENV]: '' } : {}) },
    });
  } catch (err) {
    await etcd?.stop();
    cleanup();
    throw err;
  }
  return {
    stack,
    workDir,
    nodeAuth: stack.internalToken ? { authorization: `Bearer ${stack.internalToken}` } : {},
    ...(etcd ? { etcd: etcd.cluster } : {}),
    pidOf(id) {
      const c = stack.supervisor.get(id);
      if (!c?.running) throw new Error(`${id} is not running`);
      return c.pid;
    },
    async stop() {
      try {
        await stack.stop();
      } finally {
        await etcd?.stop();
        cleanup();
      }
    },
  };
}
