import { type FetchSessionRequest, type FetchSessionResponse, type HopSecrets, InternalPath, type ShardSnapshot } from '@setgate/contracts';
import { createDispatcher } from '@setgate/http-client';

/** A non-2xx answer from a peer, with its problem body when it sent one. */
export class PeerError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`peer answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'PeerError';
  }
}

/**
 * The follower's side of the replication endpoints, over the process's one
 * undici dispatcher. Every call has a deadline; the stack's hop secret, when
 * set, goes in `authorization` (read per call: a rotated file takes effect at once).
 */
export class PeerClient {
  private readonly dispatcher: ReturnType<typeof createDispatcher>;

  /**
   * A follower keeps one session long-poll open to each leader it follows,
   * and snapshot restores run beside it, one per shard that needs one: a
   * leader origin needs a connection for each, or a restore (or a
   * one-shard fetch) would queue behind the long-poll for up to
   * `fetchMaxWaitMs`, and sync writes would wait that long for their
   * acknowledgement (measured with per-shard long-polls: 8 connections made
   * sync writes take 200–600 ms instead of a few ms).
   */
  constructor(
    private readonly secrets: HopSecrets | undefined,
    maxShardsPerLeader = 65536,
  ) {
    this.dispatcher = createDispatcher({ connections: maxShardsPerLeader + 1, connectTimeoutMs: 500 });
  }

  /** Every shard followed from one leader, in one long-poll (see InternalPath.fetchSession). */
  fetchSession(adminUrl: string, body: FetchSessionRequest, timeoutMs: number, signal?: AbortSignal): Promise<FetchSessionResponse> {
    return this.call<FetchSessionResponse>(adminUrl, 'POST', InternalPath.fetchSession, timeoutMs, signal, body);
  }

  snapshot(adminUrl: string, shard: number, epoch: number, timeoutMs: number, signal?: AbortSignal): Promise<ShardSnapshot> {
    const path = `${InternalPath.snapshot.replace(':shard', String(shard))}?epoch=${epoch}`;
    return this.call<ShardSnapshot>(adminUrl, 'GET', path, timeoutMs, signal);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async call<T>(origin: string, method: 'GET' | 'POST', path: string, timeoutMs: number, signal: AbortSignal | undefined, body?: unknown): Promise<T> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const res = await this.dispatcher.request({
      origin,
      path,
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.secrets ? { authorization: this.secrets.bearer } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const parsed = (await res.body.json().catch(() => null)) as unknown;
    if (res.statusCode < 200 || res.statusCode > 299) throw new PeerError(res.statusCode, parsed);
    return parsed as T;
  }
}
