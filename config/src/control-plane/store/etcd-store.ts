import type { Etcd3, Watcher } from 'etcd3';
import { type AppendResult, type ConfigStore, summarize, type VersionRecord, type VersionSummary } from './config-store.js';
import { createEtcdClient } from './etcd-client.js';
import { VersionListeners } from './version-listeners.js';

const pad = (v: number) => String(v).padStart(10, '0');

/**
 * A key that must still exist, created at `createRevision`, for an append to
 * be stored: the failover controller's election key. A controller that lost
 * its election (its lease expired) can then never publish, even if its
 * request reaches etcd late.
 */
export interface AppendFence {
  readonly key: string;
  readonly createRevision: string;
}

/** Thrown by a fenced append when the fence key is gone or not this campaign's. */
export class FenceLostError extends Error {
  constructor(key: string) {
    super(`not the elected failover controller any more (${key} is gone)`);
    this.name = 'FenceLostError';
  }
}

/**
 * etcd-backed store: `<prefix>/latest` holds the newest version and
 * `<prefix>/v/<n, 10 digits>` each record. An append is one transaction: if
 * `latest` still equals the base version (or does not exist for version 1),
 * put the record and the new `latest`; otherwise nothing is written. Every
 * handle watches `latest`; after a watch reconnect it catches up from a read.
 * Reads are linearizable (etcd's default), so a version reported by any
 * control-plane replica is one a quorum of etcd members holds.
 */
export class EtcdConfigStore implements ConfigStore {
  private readonly listeners = new VersionListeners();
  private watcher: Watcher | undefined;
  private closed = false;

  private constructor(
    /** The client, shared with the election of the same control-plane replica. */
    readonly client: Etcd3,
    readonly prefix: string,
    private readonly ownClient: boolean,
  ) {}

  /**
   * Opens a store on `endpoints` (or on a client of the caller's) and starts
   * watching it. Fails if no member answers a read.
   */
  static async open(opts: { endpoints?: readonly string[]; client?: Etcd3; prefix?: string }): Promise<EtcdConfigStore> {
    if (!opts.client && !opts.endpoints?.length) throw new Error('etcd store: endpoints or a client are required');
    const client = opts.client ?? createEtcdClient({ endpoints: opts.endpoints ?? [] });
    const store = new EtcdConfigStore(client, (opts.prefix ?? 'setgate/config').replace(/\/+$/, ''), !opts.client);
    try {
      await store.latestVersion();
      store.watcher = await client.watch().key(store.key('latest')).create();
    } catch (err) {
      if (store.ownClient) client.close();
      throw err;
    }
    store.watcher.on('put', (kv) => store.listeners.notify(Number(kv.value.toString())));
    // Puts made while the stream was down are replayed by etcd from the last revision, but read anyway: cheap and sure.
    store.watcher.on('connected', () => void store.latestVersion().then((v) => store.listeners.notify(v), () => undefined));
    store.watcher.on('error', () => undefined);
    return store;
  }

  private key(suffix: string): string {
    return `${this.prefix}/${suffix}`;
  }

  async latestVersion(): Promise<number> {
    return (await this.client.get(this.key('latest')).number()) ?? 0;
  }

  async get(version: number): Promise<VersionRecord | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    const json = await this.client.get(this.key(`v/${pad(version)}`)).string();
    return json === null ? undefined : (JSON.parse(json) as VersionRecord);
  }

  async history(limit: number, before?: number): Promise<VersionSummary[]> {
    if (limit < 1) return [];
    const start = this.key('v/');
    // Keys sort as their zero-padded numbers do; the range end is exclusive.
    const end = before !== undefined ? this.key(`v/${pad(Math.max(0, before))}`) : this.key('v0');
    const jsons = await this.client.getAll().inRange({ start, end }).sort('Key', 'Descend').limit(limit).strings();
    return Object.values(jsons).map((j) => summarize(JSON.parse(j) as VersionRecord)).sort((a, b) => b.version - a.version);
  }

  async append(record: VersionRecord, fence?: AppendFence): Promise<AppendResult> {
    const base = record.version - 1;
    const latest = this.key('latest');
    let txn = base === 0 ? this.client.if(latest, 'Create', '==', 0) : this.client.if(latest, 'Value', '==', String(base));
    if (fence) txn = txn.and(fence.key, 'Create', '==', fence.createRevision);
    const result = await txn
      .then(this.client.put(this.key(`v/${pad(record.version)}`)).value(JSON.stringify(record)), this.client.put(latest).value(String(record.version)))
      .commit();
    if (!result.succeeded) {
      if (fence && !(await this.fenceHolds(fence))) throw new FenceLostError(fence.key);
      return { ok: false, current: await this.latestVersion() };
    }
    this.listeners.notify(record.version);
    return { ok: true, version: record.version };
  }

  private async fenceHolds(fence: AppendFence): Promise<boolean> {
    const res = await this.client.get(fence.key).exec();
    return res.kvs[0]?.create_revision === fence.createRevision;
  }

  /**
   * A view of this store whose appends also require `fence()` to hold (see
   * AppendFence); with no fence (not elected) every append is refused with
   * FenceLostError. Reads and subscriptions are this store's.
   */
  fenced(fence: () => AppendFence | undefined): ConfigStore {
    return {
      latestVersion: () => this.latestVersion(),
      get: (v) => this.get(v),
      history: (limit, before) => this.history(limit, before),
      append: async (record) => {
        const f = fence();
        if (!f) throw new FenceLostError('(no election key held)');
        return this.append(record, f);
      },
      subscribe: (listener) => this.subscribe(listener),
      // The view owns nothing: the store is closed by its opener.
      close: async () => undefined,
    };
  }

  subscribe(listener: (version: number) => void): () => void {
    return this.listeners.add(listener);
  }


  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.watcher?.cancel().catch(() => undefined);
    if (this.ownClient) this.client.close();
  }
}
