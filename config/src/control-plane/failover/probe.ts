import { INTERNAL_TOKEN_ENV, NodePath, type NodeStatus, type ShardReplicationStatus } from '@setgate/contracts';
import type { NodeRef } from '@setgate/topology';
import type { Dispatcher } from 'undici';
import { request } from 'undici';

/** A node's `/status` as the failover controller reads it: per shard its role, position and (leader) followers. */
export interface ProbedStatus extends Pick<NodeStatus, 'node' | 'configVersion'> {
  readonly shards: ReadonlyArray<Pick<ShardReplicationStatus, 'shard' | 'role' | 'epoch' | 'lsn' | 'highWatermark' | 'followers' | 'lagEntries'>>;
}

/**
 * How the controller asks a node where it stands. An interface because the
 * decision tests drive the controller against scripted nodes.
 */
export interface NodeProbe {
  /** The node's status; rejects when it does not answer 2xx within `timeoutMs`. */
  status(node: NodeRef, timeoutMs: number): Promise<ProbedStatus>;
}

/** `GET /status` on the node's admin listener, with the stack's internal token when one is set. */
export class HttpNodeProbe implements NodeProbe {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly token = process.env[INTERNAL_TOKEN_ENV],
  ) {}

  async status(node: NodeRef, timeoutMs: number): Promise<ProbedStatus> {
    const res = await request(`${node.adminUrl}${NodePath.status}`, {
      dispatcher: this.dispatcher,
      // The signal bounds the connect too: a host that drops packets must fail the probe, not hang it.
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`/status answered ${res.statusCode}`);
    const body = JSON.parse(text) as ProbedStatus;
    if (!Array.isArray(body.shards)) throw new Error('/status has no shards');
    return body;
  }
}
