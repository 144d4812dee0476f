import { type FenceRequest, type FenceResponse, type HopSecrets, InternalPath, type LogPosition, processHopSecrets, type TopologyPutResponse } from '@setgate/contracts';
import type { LoadedTopology } from '@setgate/config';
import type { NodeRef } from '@setgate/topology';
import type { Dispatcher } from 'undici';
import { request } from 'undici';

/**
 * The node calls a planned switchover is made of (the set-runtime's internal
 * contract, `packages/contracts/src/replication-api.ts`). An interface because
 * tests drive the orchestration against an in-memory replica model.
 */
export interface ReplicationControl {
  /** Stops `node` acknowledging writes for `shard` at `epoch` or older; returns where its log ends. */
  fence(node: NodeRef, shard: number, epoch: number): Promise<FenceResponse>;
  /** Where `node`'s replica of `shard` durably stands. */
  position(node: NodeRef, shard: number): Promise<LogPosition>;
  /** Hands `node` a new topology version (it swaps at once instead of waiting for its watch). */
  installTopology(node: NodeRef, topology: LoadedTopology): Promise<TopologyPutResponse>;
  /** Leader `node`'s view of its followers of `shard`: the LSN each durably holds (what it last fetched from). */
  followerAcks?(node: NodeRef, shard: number): Promise<ReadonlyMap<string, number>>;
}

interface ShardStatusLike {
  shard: number;
  epoch: number;
  lsn: number;
  followers?: Array<{ node: string; ackLsn: number }>;
}

/** The real thing: HTTP calls to each node's admin listener, with the internal token when one is set. */
export class HttpReplicationControl implements ReplicationControl {
  constructor(
    private readonly dispatcher: Dispatcher,
    // The stack's hop secrets, read per call: a rotated secrets file takes effect at once.
    private readonly secrets: HopSecrets | undefined = processHopSecrets(),
    private readonly timeoutMs = 5000,
  ) {}

  private async call<T>(node: NodeRef, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const res = await request(`${node.adminUrl}${path}`, {
      method,
      dispatcher: this.dispatcher,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.secrets ? { authorization: this.secrets.bearer } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${node.id} ${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  fence(node: NodeRef, shard: number, epoch: number): Promise<FenceResponse> {
    const body: FenceRequest = { epoch };
    return this.call(node, 'POST', InternalPath.fence.replace(':shard', String(shard)), body);
  }

  async position(node: NodeRef, shard: number): Promise<LogPosition> {
    const status = await this.call<{ shards?: ShardStatusLike[] }>(node, 'GET', '/status');
    const s = status.shards?.find((x) => x.shard === shard);
    if (!s) throw new Error(`${node.id} does not report shard ${shard} in its /status`);
    return { epoch: s.epoch, lsn: s.lsn };
  }

  installTopology(node: NodeRef, topology: LoadedTopology): Promise<TopologyPutResponse> {
    return this.call(node, 'PUT', InternalPath.topology, topology);
  }

  async followerAcks(node: NodeRef, shard: number): Promise<ReadonlyMap<string, number>> {
    const status = await this.call<{ shards?: ShardStatusLike[] }>(node, 'GET', '/status');
    const s = status.shards?.find((x) => x.shard === shard);
    return new Map((s?.followers ?? []).map((f) => [f.node, f.ackLsn]));
  }
}
