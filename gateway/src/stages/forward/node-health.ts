import type { LoadedTopology } from '@setgate/config';

interface NodeState {
  consecutiveFailures: number;
  /** Ejections of this node since the gateway started, for status. */
  ejectionsTotal: number;
  /** Ejections in a row without a success in between: the backoff's exponent. */
  ejections: number;
  ejectedUntilMs: number;
}

/**
 * Passive outlier ejection per node: `ejectAfterFailures` consecutive
 * failures take a node out of replica selection for `baseEjectionMs`, doubling
 * with each ejection in a row up to `maxEjectionMs`. A success resets it. Never
 * all nodes: an ejection that would leave no node of the topology selectable
 * is not made, and a shard's write-point is tried even while ejected (there is
 * no other place for its writes).
 */
export class NodeHealth {
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly policy: LoadedTopology['gateway']['upstream'],
    /** How many nodes the topology has; bounds how many may be out at once. */
    private nodeCount: number,
    private readonly now: () => number = Date.now,
    /** Told of every ejection (logs and metrics). */
    private readonly onEject: (nodeId: string, backoffMs: number) => void = () => undefined,
  ) {}

  /** After a topology swap. */
  setNodeCount(count: number): void {
    this.nodeCount = count;
  }

  isEjected(nodeId: string): boolean {
    const s = this.nodes.get(nodeId);
    return s !== undefined && s.ejectedUntilMs > this.now();
  }

  success(nodeId: string): void {
    const s = this.nodes.get(nodeId);
    if (s === undefined) return;
    s.consecutiveFailures = 0;
    if (s.ejectedUntilMs <= this.now()) s.ejections = 0;
  }

  /** Counts a failure; returns true when it ejected the node. */
  failure(nodeId: string): boolean {
    let s = this.nodes.get(nodeId);
    if (s === undefined) {
      s = { consecutiveFailures: 0, ejectionsTotal: 0, ejections: 0, ejectedUntilMs: 0 };
      this.nodes.set(nodeId, s);
    }
    s.consecutiveFailures++;
    const now = this.now();
    if (s.consecutiveFailures < this.policy.ejectAfterFailures || s.ejectedUntilMs > now) return false;
    if (this.ejectedCount(now) + 1 >= this.nodeCount) return false;
    const backoff = Math.min(this.policy.baseEjectionMs * 2 ** s.ejections, this.policy.maxEjectionMs);
    s.ejections++;
    s.ejectionsTotal++;
    s.consecutiveFailures = 0;
    s.ejectedUntilMs = now + backoff;
    this.onEject(nodeId, backoff);
    return true;
  }

  /** Node ids ejected now, for status. */
  ejected(): string[] {
    const now = this.now();
    return [...this.nodes].filter(([, s]) => s.ejectedUntilMs > now).map(([id]) => id);
  }

  /** Every node that has failed since start: whether it is out now and for how long, its failures in a row, its ejections. */
  status(): Array<{ node: string; ejected: boolean; ejectedForMs: number; consecutiveFailures: number; ejections: number }> {
    const now = this.now();
    return [...this.nodes].map(([node, s]) => ({
      node,
      ejected: s.ejectedUntilMs > now,
      ejectedForMs: Math.max(0, s.ejectedUntilMs - now),
      consecutiveFailures: s.consecutiveFailures,
      ejections: s.ejectionsTotal,
    }));
  }

  private ejectedCount(now: number): number {
    let n = 0;
    for (const s of this.nodes.values()) if (s.ejectedUntilMs > now) n++;
    return n;
  }
}
