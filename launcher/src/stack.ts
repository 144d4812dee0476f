import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devSecretEnv, type LoadedTopology, loadTopologyFile } from '@setgate/config';
import { INTERNAL_TOKEN_ENV } from '@setgate/contracts';
import { type ComponentSpec, Supervisor, type SupervisorObserver } from '@setgate/process-supervisor';
import { type InstanceRef, TopologyView } from '@setgate/topology';
import { devAdminTokens } from './admin-tokens.js';
import { type ControlPlaneReplica, controlPlaneReplicaSpec, controlPlaneReplicaUrls } from './control-plane-replicas.js';
import { defaultReadyTimeoutMs, readyTimeoutFromEnv } from './ready-timeout.js';
import { controlPlaneRegion, startWanLink, type WanLink, type WanOptions, wanPlan } from './wan.js';

export interface StackOptions {
  /** Topology file every component reads. */
  readonly configPath: string;
  /** Root of the nodes' data directories. */
  readonly dataDir: string;
  /** Where each component's output goes (`<id>.log`); omitted: only kept for error reports. */
  readonly logDir?: string;
  /** Start only the instances this accepts (benchmarks and drills start part of a topology). */
  readonly only?: (instance: InstanceRef) => boolean;
  /** Extra environment for every component. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How long each process may take to report ready; default: SETGATE_READY_TIMEOUT_MS, else
   * `defaultReadyTimeoutMs` of the number of processes started.
   */
  readonly readyTimeoutMs?: number;
  /** Told as each process is spawned and reports ready (progress lines). */
  readonly progress?: SupervisorObserver;
  /** Start the topology's control plane first (default: when the topology has a controlPlane section). */
  readonly controlPlane?: boolean;
  /**
   * Further control-plane replicas started after the first (etcd store only:
   * they share its store); every component then watches all of them.
   */
  readonly controlPlaneReplicas?: readonly ControlPlaneReplica[];
  /**
   * WAN emulation: a relay process carries every cross-region connection with the RTT
   * matrix's delay and takes partitions at run time (`stack.wan.admin()`, `setgate wan`).
   */
  readonly wan?: boolean | WanOptions;
}

/** A running topology: every component a process of its own. */
export interface Stack {
  readonly configPath: string;
  readonly topology: LoadedTopology;
  readonly view: TopologyView;
  readonly supervisor: Supervisor;
  /** The control plane API URL, when one was started. */
  readonly controlPlaneUrl?: string;
  /** With further replicas: every replica's API URL, the first one's first. */
  readonly controlPlaneUrls?: readonly string[];
  /** Traffic URL of an instance, e.g. the entry of a region's proxy. */
  url(id: string): string;
  /**
   * Starts a stopped, killed or paused component again with the same spec (a node reopens its
   * data directory, so it rejoins with its log), waiting until it reports ready.
   */
  restart(id: string): Promise<void>;
  /** The secret of the nodes' internal endpoints in this stack (drills read replicas directly with it). */
  readonly internalToken: string;
  /** The WAN relay, when `wan` was asked for. */
  readonly wan?: WanLink;
  stop(): Promise<void>;
}

const ENTRY: Record<InstanceRef['kind'], string> = {
  'set-runtime': '@setgate/set-runtime/main',
  gateway: '@setgate/gateway/main',
  'regional-proxy': '@setgate/regional-proxy/main',
};

/** Starts in dependency order so every hop finds its upstream answering. */
const WAVES: ReadonlyArray<InstanceRef['kind']> = ['set-runtime', 'gateway', 'regional-proxy'];

/** The process spec of one topology instance. */
export function componentSpec(instance: InstanceRef, opts: StackOptions): ComponentSpec {
  return {
    name: instance.id,
    entry: fileURLToPath(import.meta.resolve(ENTRY[instance.kind])),
    args: ['--id', instance.id, '--config', opts.configPath, '--data', opts.dataDir],
    env: opts.env,
    logFile: opts.logDir ? join(opts.logDir, `${instance.id}.log`) : undefined,
    readyTimeoutMs: opts.readyTimeoutMs,
  };
}

/** The control plane's process spec: it seeds its store from the same file. */
export function controlPlaneSpec(id: string, opts: StackOptions): ComponentSpec {
  return {
    name: id,
    entry: fileURLToPath(import.meta.resolve('@setgate/config/control-plane-main')),
    args: ['--config', opts.configPath, '--data', opts.dataDir],
    env: opts.env,
    logFile: opts.logDir ? join(opts.logDir, `${id}.log`) : undefined,
    readyTimeoutMs: opts.readyTimeoutMs,
  };
}

/** How many processes `startStack` starts with these options (the default ready deadline grows with it). */
export function stackProcessCount(topology: LoadedTopology, opts: StackOptions): number {
  const components = new TopologyView(topology).allInstances().filter((i) => opts.only?.(i) ?? true).length;
  const controlPlanes = topology.controlPlane !== undefined && (opts.controlPlane ?? true) ? 1 + (opts.controlPlaneReplicas?.length ?? 0) : 0;
  return components + controlPlanes + (opts.wan ? 1 : 0);
}

/**
 * Starts the topology: the control plane, then nodes, then gateways, then regional proxies, each wave
 * concurrently. If any process fails to start, all are stopped and the error
 * names the process and its reason.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const topology = loadTopologyFile(options.configPath);
  const view = new TopologyView(topology);
  // Each process's ready deadline: the caller's, else SETGATE_READY_TIMEOUT_MS, else one that grows with the stack.
  const readyTimeoutMs = options.readyTimeoutMs ?? readyTimeoutFromEnv() ?? defaultReadyTimeoutMs(stackProcessCount(topology, options));
  const opts: StackOptions = { ...options, readyTimeoutMs };
  const supervisor = new Supervisor(opts.progress);
  const selected = view.allInstances().filter((i) => opts.only?.(i) ?? true);
  const cp = topology.controlPlane;
  const withControlPlane = cp !== undefined && (opts.controlPlane ?? true);
  // Components watch the control plane with a viewer token: the development one when the
  // topology accepts it, else whatever SETGATE_CONTROL_PLANE_TOKEN the caller's environment holds.
  const viewer = withControlPlane ? devAdminTokens(topology).find((t) => t.role === 'viewer')?.token : undefined;
  // Nodes' internal endpoints (replication, fences) and the control plane's calls to them share one
  // secret: the caller's SETGATE_INTERNAL_TOKEN, else a fresh one for this stack, so no process
  // outside it can fetch a shard's log or fence a leader.
  const internal = {
    [INTERNAL_TOKEN_ENV]: opts.env?.[INTERNAL_TOKEN_ENV] ?? process.env[INTERNAL_TOKEN_ENV] ?? randomBytes(24).toString('base64url'),
    ...devSecrets(topology, opts),
  };
  const controlPlaneOpts: StackOptions = { ...opts, env: { ...opts.env, ...internal } };
  const replicas = withControlPlane ? (opts.controlPlaneReplicas ?? []) : [];
  const replicaUrls: Record<string, string> = replicas.length > 0 ? { SETGATE_CONTROL_PLANE_URL: controlPlaneReplicaUrls(topology, replicas).join(',') } : {};
  const componentOpts: StackOptions = viewer
    ? { ...opts, env: { SETGATE_CONTROL_PLANE_TOKEN: viewer, ...replicaUrls, ...opts.env, ...internal } }
    : replicas.length > 0
      ? { ...controlPlaneOpts, env: { ...replicaUrls, ...controlPlaneOpts.env } }
      : controlPlaneOpts;
  const wanOpts: WanOptions | undefined = opts.wan === true ? {} : opts.wan || undefined;
  let wan: WanLink | undefined;
  // With WAN emulation each process gets the relay routes of its own region.
  const inRegion = (o: StackOptions, region: string): StackOptions => (wan ? { ...o, env: { ...o.env, ...wan.envFor(region) } } : o);
  const cpRegion = wanOpts ? controlPlaneRegion(topology, wanOpts) : '';
  try {
    if (wanOpts) {
      const plan = wanPlan(topology, wanOpts, replicas.flatMap((r) => [r.port, r.adminPort]));
      wan = await startWanLink(supervisor, plan, { ...opts, env: controlPlaneOpts.env ?? {}, internalToken: internal[INTERNAL_TOKEN_ENV], controlPlaneRegion: cpRegion });
    }
    // Components watch the control plane, so it answers before any of them starts.
    if (withControlPlane) await supervisor.start(controlPlaneSpec(cp.id, inRegion(controlPlaneOpts, cpRegion)));
    for (const r of replicas) await supervisor.start(controlPlaneReplicaSpec(r, controlPlaneSpec(r.id, inRegion(controlPlaneOpts, cpRegion))));
    for (const kind of WAVES) {
      await supervisor.startAll(selected.filter((i) => i.kind === kind).map((i) => componentSpec(i, inRegion(componentOpts, i.region))));
    }
  } catch (err) {
    await supervisor.stopAll();
    throw err;
  }
  return {
    configPath: opts.configPath,
    topology,
    view,
    supervisor,
    controlPlaneUrl: withControlPlane ? supervisor.ready.get(cp.id)?.url : undefined,
    ...(replicas.length > 0 ? { controlPlaneUrls: [cp?.id ?? '', ...replicas.map((r) => r.id)].map((id) => supervisor.ready.get(id)?.url ?? '') } : {}),
    url(id) {
      const ready = supervisor.ready.get(id);
      if (!ready) throw new Error(`${id} is not running`);
      return ready.url;
    },
    async restart(id) {
      // A SIGSTOPped process cannot act on SIGTERM until it runs again.
      supervisor.get(id)?.kill('SIGCONT');
      await supervisor.restart(id);
    },
    internalToken: internal[INTERNAL_TOKEN_ENV],
    ...(wan ? { wan } : {}),
    stop: () => supervisor.stopAll(),
  };
}

/**
 * The topology's `{ env: NAME }` secrets the caller's environment does not
 * set, generated once per data directory (config/src/dev-secrets.ts), for
 * every component. They are also set in this process, so `signDevToken`
 * (the banner's token, tests' tokens) signs with the key the gateways check.
 */
function devSecrets(topology: LoadedTopology, opts: StackOptions): Record<string, string> {
  const generated = devSecretEnv(topology, opts.dataDir, { create: true, env: { ...process.env, ...opts.env } });
  for (const [name, value] of Object.entries(generated)) process.env[name] ??= value;
  return generated;
}
