import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

/** The control plane answered, with an error status. */
class CallRefused extends Error {}

/** A leadership the failover controller moved, as its `/v1/status` lists it. */
export interface FailoverEvent {
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  readonly epoch: number;
  /** ISO time the controller published it. */
  readonly at: string;
  readonly inSync?: boolean;
  /** Async shards: entries the old leader had that the promoted replica lacked (the system's own loss estimate). */
  readonly behindLastSeen?: number;
  readonly unreachableMs?: number;
}

/** Where a shard is led and how it replicates, from `/v1/status`. */
export interface ShardView {
  readonly shard: number;
  readonly leader: string;
  readonly writePoint: string;
  readonly epoch: number;
  readonly mode: string;
  readonly replicas: readonly string[];
}

interface StatusAnswer {
  readonly version: number;
  readonly shards: readonly ShardView[];
  readonly failoverController?: { readonly recent?: readonly FailoverEvent[]; readonly nodes?: ReadonlyArray<{ node: string; state: string; lastError?: string }> };
}

/**
 * The few admin API calls a drill makes (status, shard move, drain, config),
 * with one role's token. With several control-plane replicas (etcd mode) a
 * call that cannot reach one replica goes to the next: a scenario may have
 * killed the first.
 */
export class ControlPlaneClient {
  private next = 0;

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly token: string,
  ) {
    if (baseUrls.length === 0) throw new Error('ControlPlaneClient: no control-plane URL');
  }

  /** Nodes the failover controller does not see up (unknown, suspect or down). */
  async nodesNotUp(): Promise<string[]> {
    const s = await this.status();
    return (s.failoverController?.nodes ?? []).filter((n) => n.state !== 'up').map((n) => `${n.node} (${n.state}${n.lastError ? `: ${n.lastError}` : ''})`);
  }

  status(): Promise<StatusAnswer> {
    return this.call('GET', '/v1/status');
  }

  /** Moves a shard's leadership to `toSet` and waits for the operation to finish. */
  async moveShard(shard: number, toSet: string, reason: string): Promise<unknown> {
    const op = await this.call<{ id: string }>('POST', `/v1/ops/shards/${shard}/move`, { to: toSet, reason });
    return this.waitOperation(op.id);
  }

  async drainRegion(name: string, reason: string): Promise<unknown> {
    const op = await this.call<{ id: string }>('POST', '/v1/ops/drain', { target: 'region', name, reason });
    return this.waitOperation(op.id);
  }

  undrainRegion(name: string, reason: string): Promise<unknown> {
    return this.call('POST', '/v1/ops/undrain', { target: 'region', name, reason });
  }

  /** The current version and its document. */
  config(): Promise<{ version: number; document: Record<string, unknown> }> {
    return this.call('GET', '/v1/config');
  }

  /** Publishes `document` as the version after `baseVersion` (refused when another change came first). */
  apply(document: unknown, baseVersion: number, reason: string): Promise<{ version: number }> {
    return this.call('POST', '/v1/config/apply', { document, baseVersion, reason });
  }

  private async waitOperation(id: string, deadlineMs = 120000): Promise<unknown> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      const op = await this.call<{ state: string; error?: { detail?: string } }>('GET', `/v1/ops/operations/${id}`);
      if (op.state === 'succeeded') return op;
      if (op.state === 'failed') throw new Error(`operation ${id} failed: ${op.error?.detail ?? 'no detail'}`);
      await sleep(250);
    }
    throw new Error(`operation ${id} still running after ${deadlineMs} ms`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    for (let tried = 1; ; tried++) {
      const base = this.baseUrls[this.next % this.baseUrls.length] as string;
      try {
        return await this.callOne<T>(base, method, path, body);
      } catch (err) {
        // Only an unreachable replica moves the client on; an answer (even a refusal) is the answer.
        if (err instanceof CallRefused || tried >= this.baseUrls.length) throw err;
        this.next++;
      }
    }
  }

  private async callOne<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await request(`${base}${path}`, {
      method,
      headersTimeout: 10000,
      bodyTimeout: 10000,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new CallRefused(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/**
 * Collects the failover controller's recent list by polling `/v1/status` (the list lives in the
 * control plane's memory and is short, so it is read all along, through control-plane restarts).
 */
export class FailoverLog {
  private readonly seen = new Map<string, FailoverEvent>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly cp: ControlPlaneClient) {}

  start(everyMs = 1000): void {
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, everyMs);
  }

  async poll(): Promise<void> {
    try {
      const s = await this.cp.status();
      for (const e of s.failoverController?.recent ?? []) this.seen.set(`${e.shard}:${e.epoch}:${e.toNode}`, e);
    } catch {
      // The control plane may be down on purpose; the next poll catches up.
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
  }

  events(): FailoverEvent[] {
    return [...this.seen.values()].sort((a, b) => a.at.localeCompare(b.at));
  }
}
