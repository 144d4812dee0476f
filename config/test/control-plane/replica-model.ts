import type { LoadedTopology } from '@setgate/config';
import type { FenceResponse, LogPosition, TopologyPutResponse } from '@setgate/contracts';
import { type NodeRef, TopologyView } from '@setgate/topology';
import type { ReplicationControl } from '../../src/control-plane/ops/replication-control.js';

interface Entry {
  readonly epoch: number;
  readonly value: string;
}

/**
 * An in-memory model of set-runtime nodes for one test: per node and shard a
 * log; followers pull from whoever their topology names leader every few ms;
 * a write is acknowledged after the leader's local append (async mode, the
 * case where skipping catch-up would lose acknowledged writes). It implements
 * the node side of ReplicationControl with the contract's semantics: a fenced
 * node refuses writes at the fenced epoch or older until it is given a newer one.
 */
export class ReplicaModel implements ReplicationControl {
  private readonly logs = new Map<string, Entry[]>();
  private readonly views = new Map<string, TopologyView>();
  private readonly fenced = new Map<string, number>();
  /** Nodes that stop pulling (a follower that cannot catch up). */
  readonly stalled = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(topology: LoadedTopology) {
    const view = new TopologyView(topology);
    for (const n of view.allNodes()) this.views.set(n.id, view);
    this.timer = setInterval(() => this.pull(), 2);
  }

  private log(node: string, shard: number): Entry[] {
    const k = `${node}/${shard}`;
    let l = this.logs.get(k);
    if (!l) {
      l = [];
      this.logs.set(k, l);
    }
    return l;
  }

  private pull(): void {
    for (const [node, view] of this.views) {
      if (this.stalled.has(node)) continue;
      for (const p of view.doc.placements) {
        const leader = view.writePoint(p.shard).id;
        if (leader === node || !view.replicaNodes(p.shard).some((n) => n.id === node)) continue;
        const from = this.log(leader, p.shard);
        const mine = this.log(node, p.shard);
        if (mine.length < from.length) mine.push(...from.slice(mine.length));
      }
    }
  }

  /** A client write to `node`; resolves true when acknowledged, false when the node refuses. */
  write(node: string, shard: number, value: string): boolean {
    const view = this.views.get(node);
    if (!view || view.writePoint(shard).id !== node) return false;
    const epoch = view.placement(shard).epoch;
    if ((this.fenced.get(`${node}/${shard}`) ?? 0) >= epoch) return false;
    this.log(node, shard).push({ epoch, value });
    return true;
  }

  /** Values a node holds for a shard. */
  values(node: string, shard: number): string[] {
    return this.log(node, shard).map((e) => e.value);
  }

  /** The topology version a node runs. */
  versionOf(node: string): number {
    return this.views.get(node)?.version ?? 0;
  }

  async fence(node: NodeRef, shard: number, epoch: number): Promise<FenceResponse> {
    this.fenced.set(`${node.id}/${shard}`, epoch);
    const l = this.log(node.id, shard);
    const position = { epoch: l.at(-1)?.epoch ?? 0, lsn: l.length };
    return { shard, fencedEpoch: epoch, position, highWatermark: l.length };
  }

  async position(node: NodeRef, shard: number): Promise<LogPosition> {
    const l = this.log(node.id, shard);
    return { epoch: l.at(-1)?.epoch ?? 0, lsn: l.length };
  }

  async installTopology(node: NodeRef, topology: LoadedTopology): Promise<TopologyPutResponse> {
    const had = this.views.get(node.id)?.version ?? 0;
    if (topology.version > had) this.views.set(node.id, new TopologyView(topology));
    return { version: Math.max(had, topology.version), swapped: topology.version > had };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * Writes to one shard without pause, routing each write by the newest config
 * (as a gateway would after its watch), retrying refused writes. Records every
 * acknowledged value and the longest gap between acknowledgements.
 */
export function writeLoad(model: ReplicaModel, shard: number, routeTo: () => string) {
  const acked: string[] = [];
  let refused = 0;
  let n = 0;
  let lastAck = performance.now();
  let longestGapMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const value = `w${n}`;
      if (model.write(routeTo(), shard, value)) {
        acked.push(value);
        n += 1;
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - lastAck);
        lastAck = now;
      } else {
        refused += 1;
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    acked,
    get refused() {
      return refused;
    },
    get longestGapMs() {
      return longestGapMs;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
