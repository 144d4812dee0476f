import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TopologyError, validateTopology } from '@setgate/config';
import { type EtcdCluster, freePorts, startEtcdCluster } from '@setgate/process-supervisor';
import { parse } from 'yaml';
import type { ControlPlaneReplica } from './control-plane-replicas.js';

/** `npm start -- --control-plane etcd`: the control plane on a local etcd cluster, with several replicas. */
export interface EtcdMode {
  readonly cluster: EtcdCluster;
  /** The topology file the stack runs: the original with `controlPlane.store` on the cluster. */
  readonly configPath: string;
  /** Replicas beside the topology's own control plane (startStack's controlPlaneReplicas). */
  readonly replicas: readonly ControlPlaneReplica[];
  /** Kills every etcd member by PID and removes the cluster's temp data. */
  stop(): Promise<void>;
}

export interface EtcdModeOptions {
  /** The topology to run; its controlPlane section is required. */
  readonly configPath: string;
  /** Where the derived topology file is written. */
  readonly outPath: string;
  /** The etcd members' output goes to `<logDir>/etcd.log` when given. */
  readonly logDir?: string;
  /** etcd members (default 3: one may die without stopping anything). */
  readonly members?: 1 | 3;
  /** Control-plane replicas in all (default 2). */
  readonly replicas?: number;
  /** A cluster the caller started (tests start it before picking the topology's ports); stop() then stops it too. */
  readonly cluster?: EtcdCluster;
}

/** Reads `--control-plane <file|etcd>` from the arguments (default file). */
export function controlPlaneMode(argv: readonly string[]): 'file' | 'etcd' {
  const i = argv.indexOf('--control-plane');
  const v = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--control-plane='))?.split('=')[1];
  if (v === undefined || v === 'file') return 'file';
  if (v === 'etcd') return 'etcd';
  throw new Error(`--control-plane must be file or etcd, not ${v}`);
}

/**
 * Starts a local etcd cluster on free ports (data in a temp dir) and writes a
 * copy of the topology whose control plane stores its versions there, plus
 * the ids and free ports of the further control-plane replicas. The caller
 * starts the stack on `configPath` with `replicas`, and stops both.
 */
export async function prepareEtcdMode(opts: EtcdModeOptions): Promise<EtcdMode> {
  const doc = parse(readFileSync(opts.configPath, 'utf8')) as { controlPlane?: Record<string, unknown> & { id?: string } };
  if (!doc.controlPlane) throw new Error(`${opts.configPath} has no controlPlane section; etcd mode needs one`);
  const cluster = opts.cluster ?? (await startCluster(opts));
  try {
    doc.controlPlane.store = { kind: 'etcd', endpoints: [...cluster.endpoints], prefix: 'setgate/config' };
    const result = validateTopology(doc);
    if (!result.ok) throw new TopologyError(result.problems, opts.outPath);
    // JSON is valid YAML: every component's loader reads it.
    writeFileSync(opts.outPath, JSON.stringify(doc, null, 2));
    const id = result.topology.controlPlane?.id ?? 'control-plane';
    const count = Math.max(1, opts.replicas ?? 2) - 1;
    const ports = await freePorts(count * 2);
    const replicas = Array.from({ length: count }, (_, i) => ({ id: `${id}-${i + 2}`, port: ports[2 * i] as number, adminPort: ports[2 * i + 1] as number }));
    return { cluster, configPath: opts.outPath, replicas, stop: () => cluster.stop() };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

async function startCluster(opts: EtcdModeOptions): Promise<EtcdCluster> {
  if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });
  const logFd = opts.logDir ? openSync(join(opts.logDir, 'etcd.log'), 'a') : undefined;
  try {
    return await startEtcdCluster({ size: opts.members ?? 3, ...(logFd === undefined ? {} : { logFd }) });
  } finally {
    // The members hold their own copies of the descriptor.
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** What `npm start` prints about etcd mode after the banner. */
export function etcdModeBanner(mode: EtcdMode, controlPlaneUrls: readonly string[]): string {
  return [
    `etcd ${mode.cluster.members.map((m) => `${m.name}=${m.clientUrl} (pid ${m.pid})`).join(' ')}`,
    ...controlPlaneUrls.map((u, i) => `control-plane-replica ${i + 1} ${u}`),
    '# control plane on etcd: every replica serves the API and the watch; one elected replica runs the failover controller;',
    '# components follow any replica, so one dead control-plane process or etcd member stops no write.',
    '',
  ].join('\n');
}
