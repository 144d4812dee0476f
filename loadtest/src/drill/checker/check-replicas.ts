import type { FinalState } from './history.js';
import type { Violation } from './violation.js';

const cartText = (cart: Readonly<Record<string, number>>) =>
  JSON.stringify(Object.keys(cart).sort().map((k) => [k, cart[k]]));

/** Replicas of a shard must converge: equal state hashes, equal values per key, every replica readable. */
export function checkReplicas(final: FinalState, out: Violation[]): void {
  for (const u of final.unreadable) {
    out.push({ check: 'divergence', detail: `${u.node}: ${u.what} could not be read at the end: ${u.error}`, ops: [] });
  }
  const byShard = new Map<number, Map<string, string[]>>();
  for (const s of final.shards) {
    const hashes = byShard.get(s.shard) ?? new Map<string, string[]>();
    hashes.set(s.stateHash, [...(hashes.get(s.stateHash) ?? []), `${s.node} (${s.role}, ${s.epoch}:${s.lsn})`]);
    byShard.set(s.shard, hashes);
  }
  for (const [shard, hashes] of byShard) {
    if (hashes.size < 2) continue;
    const groups = [...hashes].map(([hash, nodes]) => `${hash.slice(0, 12)}… on ${nodes.join(', ')}`);
    out.push({ check: 'divergence', shard, detail: `shard ${shard}: replicas' state hashes differ: ${groups.join('; ')}`, ops: [] });
  }
  for (const [key, { shard, replicas }] of Object.entries(final.keys)) {
    const profiles = new Set(replicas.map((r) => JSON.stringify(r.profile)));
    const carts = new Set(replicas.map((r) => cartText(r.cart)));
    if (profiles.size > 1 || carts.size > 1) {
      const each = replicas.map((r) => `${r.node}: profile ${JSON.stringify(r.profile)}, ${Object.keys(r.cart).length} item(s)`);
      out.push({ check: 'divergence', key, shard, detail: `replicas of key ${key} hold different values: ${each.join('; ')}`, ops: [] });
    }
  }
}
