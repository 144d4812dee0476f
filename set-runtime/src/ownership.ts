import type { ShardOwner } from '@setgate/contracts';
import type { NodeRef, TopologyView } from '@setgate/topology';

/**
 * What this node holds under the current topology version: the shards whose
 * placement lists its set, and the ones it is the write-point of. A new
 * config version swaps the view whole; a request keeps the view it started with.
 */
export class Ownership {
  private current: TopologyView;
  private selfRef: NodeRef;

  constructor(
    view: TopologyView,
    readonly nodeId: string,
  ) {
    this.current = view;
    this.selfRef = Ownership.locate(view, nodeId);
  }

  /** The topology version in force. */
  get view(): TopologyView {
    return this.current;
  }

  /** This node as the topology describes it. */
  get self(): NodeRef {
    return this.selfRef;
  }

  /** Replaces the topology; refuses a version that no longer lists this node. */
  swap(view: TopologyView): void {
    this.selfRef = Ownership.locate(view, this.nodeId);
    this.current = view;
  }

  /** Shards this node holds a replica of, ascending. */
  heldShards(view = this.current): number[] {
    return view.shardsOfSet(Ownership.locate(view, this.nodeId).set).sort((a, b) => a - b);
  }

  holds(shard: number, view = this.current): boolean {
    return view.placement(shard).replicas.includes(Ownership.locate(view, this.nodeId).set);
  }

  isWritePoint(shard: number, view = this.current): boolean {
    return view.writePoint(shard).id === this.nodeId;
  }

  /** The shard's write-point with its epoch: what a 421 tells the caller to go to. */
  owner(shard: number, view = this.current): ShardOwner {
    const wp = view.writePoint(shard);
    return { shard, set: wp.set, node: wp.id, url: wp.url, epoch: view.placement(shard).epoch };
  }

  private static locate(view: TopologyView, nodeId: string): NodeRef {
    const ref = view.node(nodeId);
    if (!ref) throw new Error(`node "${nodeId}" is not in config version ${view.version}`);
    return ref;
  }
}
