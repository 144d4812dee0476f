import { type HopSecrets, NodePath, type NodeStatus, processHopSecrets, type ShardReplicationStatus } from '@setgate/contracts';
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
  /**
   * A cheap liveness check (optional): resolves when the node answers, rejects otherwise.
   * With it the controller checks every round and reads the full status only every STATUS_EVERY_MS.
   */
  alive?(node: NodeRef, timeoutMs: number): Promise<void>;
}

/** How a failed check failed: refused (nothing listens: a dead process) or timeout/error (maybe merely slow). */
export function failureKind(err: unknown): 'refused' | 'timeout' | 'error' {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return 'refused';
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || /timeout/i.test(e?.message ?? '') || /timeout/i.test(e?.code ?? '')) return 'timeout';
  return 'error';
}

/** `GET /status` on the node's admin listener, with the stack's internal token when one is set. */
export class HttpNodeProbe implements NodeProbe {
  constructor(
    private readonly dispatcher: Dispatcher,
    // The stack's hop secrets, read per call: a rotated secrets file takes effect at once.
    private readonly secrets: HopSecrets | undefined = processHopSecrets(),
  ) {}

  async status(node: NodeRef, timeoutMs: number): Promise<ProbedStatus> {
    const res = await request(`${node.adminUrl}${NodePath.status}`, {
      dispatcher: this.dispatcher,
      // The signal bounds the connect too: a host that drops packets must fail the probe, not hang it.
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: this.secrets ? { authorization: this.secrets.bearer } : {},
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`/status answered ${res.statusCode}`);
    const body = JSON.parse(text) as ProbedStatus;
    if (!Array.isArray(body.shards)) throw new Error('/status has no shards');
    return body;
  }

  /** `GET /_setgate/health` on the admin listener: no store access, cheap enough for every round. */
  async alive(node: NodeRef, timeoutMs: number): Promise<void> {
    const res = await request(`${node.adminUrl}/_setgate/health`, {
      dispatcher: this.dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`/_setgate/health answered ${res.statusCode}`);
  }
}
