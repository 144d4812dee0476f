import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeRef } from '@setgate/topology';
import { request } from 'undici';
import type { FinalState, ReplicaShard, ReplicaValue } from './checker/history.js';

interface ShardStatus {
  readonly shard: number;
  readonly role: string;
  readonly epoch: number;
  readonly lsn: number;
  readonly stateHash: string;
}

/** GET with a few tries: a node busy catching up (or a loaded machine) is slow, not unreadable. */
async function getJson(url: string, token: string, tries = 4): Promise<{ status: number; body: unknown }> {
  for (let i = 1; ; i++) {
    try {
      return await getOnce(url, token);
    } catch (err) {
      if (i >= tries) throw err;
      await sleep(500 * i);
    }
  }
}

async function getOnce(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { headers: { authorization: `Bearer ${token}` }, headersTimeout: 20000, bodyTimeout: 20000 });
  const text = await res.body.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.statusCode, body };
}

/** Every node's shard summary from its admin `/status`; unreachable nodes are listed apart. */
async function shardStatuses(nodes: readonly NodeRef[], token: string): Promise<{ shards: ReplicaShard[]; failed: Map<string, string> }> {
  const shards: ReplicaShard[] = [];
  const failed = new Map<string, string>();
  await Promise.all(
    nodes.map(async (n) => {
      try {
        const { status, body } = await getJson(`${n.adminUrl}/status`, token);
        if (status !== 200) throw new Error(`status ${status}`);
        for (const s of (body as { shards: ShardStatus[] }).shards) {
          shards.push({ node: n.id, shard: s.shard, role: s.role, epoch: s.epoch, lsn: s.lsn, stateHash: s.stateHash });
        }
      } catch (err) {
        failed.set(n.id, (err as Error).message);
      }
    }),
  );
  return { shards, failed };
}

/** True when every shard's replicas report one LSN and one state hash, and every node answered. */
function converged(shards: readonly ReplicaShard[], failed: ReadonlyMap<string, string>): boolean {
  if (failed.size > 0) return false;
  const by = new Map<number, Set<string>>();
  for (const s of shards) by.set(s.shard, (by.get(s.shard) ?? new Set()).add(`${s.lsn}/${s.stateHash}`));
  return [...by.values()].every((v) => v.size === 1);
}

/** Waits (up to `deadlineMs`) for the replicas of every shard to converge; reports how long it took. */
export async function awaitConvergence(nodes: readonly NodeRef[], token: string, deadlineMs: number): Promise<{ converged: boolean; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    const { shards, failed } = await shardStatuses(nodes, token);
    if (converged(shards, failed)) return { converged: true, waitedMs: Date.now() - start };
    if (Date.now() - start > deadlineMs) return { converged: false, waitedMs: Date.now() - start };
    await sleep(500);
  }
}

async function readDoc(node: NodeRef, shard: number, key: string, collection: string, token: string): Promise<unknown | null> {
  const { status, body } = await getJson(`${node.url}/state/${shard}/${encodeURIComponent(key)}?collection=${collection}`, token);
  if (status === 404) return null;
  if (status !== 200) throw new Error(`GET ${collection} ${key}: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  return (body as { value: unknown }).value;
}

function cartOf(doc: unknown): Record<string, number> {
  const items = (doc as { items?: Array<{ sku?: unknown; qty?: unknown }> } | null)?.items;
  const out: Record<string, number> = {};
  for (const i of Array.isArray(items) ? items : []) if (typeof i.sku === 'string') out[i.sku] = (out[i.sku] ?? 0) + Number(i.qty ?? 0);
  return out;
}

/**
 * Reads every key on every replica of its shard directly from the nodes (the
 * raw state API on each node's own listener, so no routing picks a replica),
 * and every shard's state hash from every node's `/status`.
 */
export async function readFinalState(nodes: readonly NodeRef[], keys: ReadonlyArray<{ key: string; shard: number }>, token: string): Promise<FinalState> {
  const { shards, failed } = await shardStatuses(nodes, token);
  const unreadable: Array<{ node: string; what: string; error: string }> = [...failed].map(([node, error]) => ({ node, what: 'status', error }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const holders = new Map<number, NodeRef[]>();
  for (const s of shards) holders.set(s.shard, [...(holders.get(s.shard) ?? []), byId.get(s.node) as NodeRef]);
  const out: Record<string, { shard: number; replicas: ReplicaValue[] }> = {};
  const jobs = keys.flatMap(({ key, shard }) => {
    out[key] = { shard, replicas: [] };
    return (holders.get(shard) ?? []).map((node) => ({ key, shard, node }));
  });
  // A bounded number in flight: thousands of reads at once would only queue in the nodes.
  let next = 0;
  const worker = async () => {
    for (let job = jobs[next++]; job; job = jobs[next++]) {
      try {
        const profile = await readDoc(job.node, job.shard, job.key, 'profile', token);
        const cart = await readDoc(job.node, job.shard, job.key, 'cart', token);
        const name = (profile as { displayName?: unknown } | null)?.displayName;
        out[job.key]?.replicas.push({ node: job.node.id, profile: typeof name === 'string' ? name : profile === null ? null : JSON.stringify(profile), cart: cartOf(cart) });
      } catch (err) {
        unreadable.push({ node: job.node.id, what: `key ${job.key}`, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { keys: out, shards, unreadable };
}
