import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateTopology } from '@setgate/config';
import { InternalPath } from '@setgate/contracts';
import { freePorts, Supervisor } from '@setgate/process-supervisor';
import type { NodeStatusReport } from '../../src/index.js';
import { tempDir } from './node.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** The three nodes of a drill, one set each, each set in its own region; `a` leads every shard at first. */
export const NODES = ['a', 'b', 'c'] as const;
export type NodeName = (typeof NODES)[number];

export interface ClusterOptions {
  readonly mode: 'sync' | 'async';
  readonly shardCount?: number;
  /** Overrides of the topology's `replication` section. */
  readonly replication?: Record<string, unknown>;
  /** Per node: keep its data in this Redis server instead of LMDB. */
  readonly redis?: Partial<Record<NodeName, string>>;
}

type Doc = ReturnType<typeof topologyDoc>;

/**
 * Three real set-runtime processes on loopback. Each node reads its own copy
 * of the topology file, so a test can cut one node off its config source.
 * Leadership moves by writing a new version (epoch + 1) to the files and
 * pushing it to the running nodes with `PUT /internal/topology`.
 */
export class Cluster {
  readonly supervisor = new Supervisor();
  private readonly tmp = tempDir();
  private constructor(
    private doc: Doc,
    readonly ports: Record<NodeName, { port: number; adminPort: number }>,
  ) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const p = await freePorts(6);
    const ports = {
      a: { port: p[0] as number, adminPort: p[1] as number },
      b: { port: p[2] as number, adminPort: p[3] as number },
      c: { port: p[4] as number, adminPort: p[5] as number },
    };
    const cluster = new Cluster(topologyDoc(opts, ports), ports);
    try {
      cluster.writeConfigs();
      await Promise.all(NODES.map((n) => cluster.startNode(n)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get shardCount(): number {
    return this.doc.shardCount;
  }

  url(n: NodeName): string {
    return `http://127.0.0.1:${this.ports[n].port}`;
  }

  adminUrl(n: NodeName): string {
    return `http://127.0.0.1:${this.ports[n].adminPort}`;
  }

  configPath(n: NodeName): string {
    return join(this.tmp.dir, `topology-${n}.json`);
  }

  leaderOf(shard: number): { node: NodeName; epoch: number } {
    const p = this.doc.placements[shard];
    if (!p) throw new Error(`no shard ${shard}`);
    return { node: p.leader.replace('set-', '') as NodeName, epoch: p.epoch };
  }

  startNode(n: NodeName): Promise<unknown> {
    return this.supervisor.start({
      name: n,
      entry: MAIN,
      args: ['--id', n, '--config', this.configPath(n), '--data', join(this.tmp.dir, 'data')],
      env: { SETGATE_LOG_LEVEL: process.env.SETGATE_DRILL_LOG_LEVEL ?? 'error' },
      readyTimeoutMs: 20000,
    });
  }

  running(n: NodeName): boolean {
    return this.supervisor.get(n)?.running ?? false;
  }

  async kill(n: NodeName): Promise<void> {
    const c = this.supervisor.get(n);
    c?.kill('SIGKILL');
    await c?.exited;
  }

  async restart(n: NodeName): Promise<void> {
    await this.kill(n);
    await this.startNode(n);
  }

  /** A new config version naming `leader` the write-point of `shards` at epoch + 1; written to every file and pushed to the running nodes. */
  async moveLeadership(shards: readonly number[], leader: NodeName): Promise<void> {
    const doc = structuredClone(this.doc);
    doc.version += 1;
    for (const shard of shards) {
      const p = doc.placements[shard];
      if (!p) throw new Error(`no shard ${shard}`);
      p.leader = `set-${leader}`;
      p.epoch += 1;
    }
    this.doc = doc;
    this.writeConfigs();
    await Promise.all(NODES.filter((n) => this.running(n)).map((n) => this.pushConfig(n)));
  }

  async pushConfig(n: NodeName): Promise<void> {
    const res = await fetch(`${this.adminUrl(n)}${InternalPath.topology}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.doc),
    });
    if (!res.ok) throw new Error(`PUT topology to ${n}: ${res.status} ${await res.text()}`);
  }

  /** Removes a node's config file: it can no longer renew its lease. */
  cutOff(n: NodeName): void {
    rmSync(this.configPath(n), { force: true });
  }

  /** Puts a node's config file back: its next read of it renews its lease. */
  reconnect(n: NodeName): void {
    writeFileSync(this.configPath(n), JSON.stringify(this.doc));
  }

  async status(n: NodeName): Promise<NodeStatusReport> {
    const res = await fetch(`${this.adminUrl(n)}/status`, { signal: AbortSignal.timeout(5000) });
    return (await res.json()) as NodeStatusReport;
  }

  async stop(): Promise<void> {
    await this.supervisor.stopAll(2000);
    this.tmp.remove();
  }

  private writeConfigs(): void {
    for (const n of NODES) writeFileSync(this.configPath(n), JSON.stringify(this.doc));
  }
}

/** Polls `check` until it returns a value, or throws after `timeoutMs` with the last reason. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function topologyDoc(opts: ClusterOptions, ports: Record<NodeName, { port: number; adminPort: number }>) {
  const shardCount = opts.shardCount ?? 2;
  const listener = (id: string, port: number) => ({ id, host: '127.0.0.1', port, adminPort: port + 1 });
  const regions = ['r-a', 'r-b', 'r-c'];
  const doc = {
    version: 1,
    shardCount,
    regions: regions.map((name, i) => ({
      name,
      // Never started: a region needs a proxy and a gateway on paper.
      proxies: [listener(`${name}-proxy`, 1000 + i * 10)],
      gateways: [listener(`${name}-gw`, 1002 + i * 10)],
    })),
    rtt: [
      { a: 'r-a', b: 'r-b', ms: 50 },
      { a: 'r-a', b: 'r-c', ms: 80 },
      { a: 'r-b', b: 'r-c', ms: 60 },
    ],
    sets: NODES.map((n, i) => ({
      name: `set-${n}`,
      region: regions[i] as string,
      nodes: [
        {
          id: n,
          host: '127.0.0.1',
          ...ports[n],
          store: opts.redis?.[n] ? { kind: 'redis' as const, url: opts.redis[n] as string } : { kind: 'lmdb' as const },
        },
      ],
    })),
    placements: Array.from({ length: shardCount }, (_, shard) => ({
      shard,
      leader: 'set-a',
      replicas: ['set-a', 'set-b', 'set-c'],
      epoch: 1,
      mode: opts.mode,
      minInsync: 1,
      insyncRule: 'other-region' as const,
    })),
    commands: [
      {
        name: 'kv.get',
        method: 'GET',
        path: '/v1/kv',
        kind: 'read',
        key: { from: 'subject' },
        priority: 'normal',
        upstream: { method: 'GET', path: '/state/{shard}/{key}' },
      },
    ],
    auth: {
      issuers: [
        { issuer: 'https://auth.test', audience: 'setgate', algorithms: ['HS256'], keys: [{ alg: 'HS256', secret: { env: 'SETGATE_TEST_JWT_SECRET' } }] },
      ],
    },
    replication: {
      fetchMaxWaitMs: 200,
      ackTimeoutMs: 1500,
      insyncLagMs: 3000,
      readWaitMs: 300,
      ...opts.replication,
    },
  };
  const checked = validateTopology(doc);
  if (!checked.ok) throw new Error(`drill topology refused: ${JSON.stringify(checked.problems)}`);
  return doc;
}
