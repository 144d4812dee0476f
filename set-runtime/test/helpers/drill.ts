import { InternalPath, type ShardSnapshot } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import { type Cluster, NODES, type NodeName, waitFor } from './cluster.js';

/** What the client knows about one write. `failed`: certainly not written; `unknown`: the answer was lost. */
export interface WriteRecord {
  readonly key: string;
  readonly shard: number;
  readonly value: string;
  outcome: 'acked' | 'failed' | 'unknown';
  detail?: string;
}

/** Answers that prove nothing was appended. */
const REFUSED = new Set(['SETGATE_NODE_NOT_ENOUGH_REPLICAS', 'SETGATE_NODE_LEASE_EXPIRED', 'SETGATE_NODE_FENCED', 'SETGATE_NODE_NOT_WRITE_POINT', 'SETGATE_NODE_STALE_EPOCH']);

/** A deterministic PRNG (mulberry32), so a seeded drill replays the same choices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A client that writes continuously, every value unique (one key per write),
 * always to the write-point the current config names, never retrying a
 * value: each value's outcome stays what the client saw.
 */
export class DrillWriter {
  readonly records: WriteRecord[] = [];
  private next = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly tag: string,
  ) {}

  /** Every key this writer uses starts with this. */
  get keyPrefix(): string {
    return `w-${this.tag}-`;
  }

  start(concurrency: number): void {
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  count(outcome: WriteRecord['outcome']): number {
    return this.records.filter((r) => r.outcome === outcome).length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const n = this.next++;
      const key = `w-${this.tag}-${n}`;
      const shard = shardOf(key, this.cluster.shardCount);
      const record: WriteRecord = { key, shard, value: `v-${this.tag}-${n}`, outcome: 'unknown' };
      this.records.push(record);
      const leader = this.cluster.leaderOf(shard).node;
      try {
        const res = await fetch(`${this.cluster.url(leader)}/state/${shard}/${key}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(record.value),
          signal: AbortSignal.timeout(4000),
        });
        const body = (await res.json().catch(() => ({}))) as { code?: string };
        if (res.ok) record.outcome = 'acked';
        else if (body.code && REFUSED.has(body.code)) record.outcome = 'failed';
        record.detail = body.code ?? String(res.status);
      } catch (err) {
        // Refused before a byte was sent: certainly not written. Anything else may have been.
        const code = (err as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED') record.outcome = 'failed';
        record.detail = code ?? (err as Error).name;
      }
      if (record.outcome !== 'acked') await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Waits until every node holds every shard at the same LSN with the same state hash; returns the leaders' snapshots. */
export async function converge(cluster: Cluster, timeoutMs = 20000): Promise<ShardSnapshot[]> {
  await waitFor(
    'replicas to converge',
    async () => {
      const statuses = await Promise.all(NODES.map((n) => cluster.status(n)));
      for (let shard = 0; shard < cluster.shardCount; shard++) {
        const views = statuses.map((s) => s.shards.find((x) => x.shard === shard));
        const first = views[0];
        if (!first || views.some((v) => !v || v.lsn !== first.lsn || v.stateHash !== first.stateHash)) return undefined;
      }
      return true;
    },
    timeoutMs,
  );
  return Promise.all(
    Array.from({ length: cluster.shardCount }, async (_, shard) => {
      const { node, epoch } = cluster.leaderOf(shard);
      const path = InternalPath.snapshot.replace(':shard', String(shard));
      const res = await fetch(`${cluster.adminUrl(node)}${path}?epoch=${epoch}`);
      if (!res.ok) throw new Error(`snapshot of shard ${shard}: ${res.status}`);
      return (await res.json()) as ShardSnapshot;
    }),
  );
}

/** Which acknowledged writes are missing from the converged state, and which stored values the client never had acknowledged or pending. */
export function audit(records: readonly WriteRecord[], snapshots: readonly ShardSnapshot[], keyPrefix: string) {
  const stored = new Map<string, unknown>();
  for (const s of snapshots) for (const r of s.records) if (r.collection === 'kv' && r.key.startsWith(keyPrefix)) stored.set(r.key, r.value);
  const byKey = new Map(records.map((r) => [r.key, r]));
  const lost = records.filter((r) => r.outcome === 'acked' && stored.get(r.key) !== r.value);
  const phantom = [...stored].filter(([key, value]) => {
    const r = byKey.get(key);
    return !r || r.value !== value || r.outcome === 'failed';
  });
  return { lost, phantom, stored };
}

/** Reads every acknowledged write from one node's local replica; returns the keys that did not read back. */
export async function unreadable(cluster: Cluster, node: NodeName, records: readonly WriteRecord[]): Promise<string[]> {
  const acked = records.filter((r) => r.outcome === 'acked');
  const missing: string[] = [];
  for (let i = 0; i < acked.length; i += 32) {
    await Promise.all(
      acked.slice(i, i + 32).map(async (r) => {
        const res = await fetch(`${cluster.url(node)}/state/${r.shard}/${r.key}`);
        const body = (await res.json()) as { value?: unknown };
        if (res.status !== 200 || body.value !== r.value) missing.push(r.key);
      }),
    );
  }
  return missing;
}

/** The surviving replica with the highest LSN of `shard`: the one the config promotes. */
export async function mostCaughtUp(cluster: Cluster, shard: number, among: readonly NodeName[]): Promise<NodeName> {
  const lsns = await Promise.all(among.map(async (n) => (await cluster.status(n)).shards.find((s) => s.shard === shard)?.lsn ?? -1));
  let best = 0;
  lsns.forEach((l, i) => {
    if (l > (lsns[best] ?? -1)) best = i;
  });
  return among[best] as NodeName;
}
