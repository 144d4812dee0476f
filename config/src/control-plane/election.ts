import { performance } from 'node:perf_hooks';
import type { Etcd3, Lease } from 'etcd3';
import type { AppendFence } from './store/etcd-store.js';

/** Who runs the failover controller: this replica, another one, or nobody known. */
export interface ElectionStatus {
  /** This replica's id. */
  readonly id: string;
  /** True while this replica holds the election and its lease is provably unexpired. */
  readonly active: boolean;
  /** The id of the replica holding the election, as last read from etcd; undefined when none or unknown. */
  readonly leader?: string;
  /** ISO time this replica last became active. */
  readonly activeSince?: string;
  readonly lastError?: string;
}

/** What the failover controller asks of the election. */
export interface ActiveGate {
  /** True while this replica may run the failover controller. */
  isActive(): boolean;
}

export interface ControlPlaneElectionOptions {
  readonly client: Etcd3;
  /** Key prefix of the campaign keys, ending with '/'. */
  readonly prefix: string;
  /** This replica's id, the value of its campaign key. */
  readonly id: string;
  readonly ttlSeconds: number;
  /** Kept from the lease's proven end: the replica steps down this much earlier (default 300 ms). */
  readonly marginMs?: number;
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Called on every change of `active`. */
  readonly onChange?: (active: boolean) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Leader election of the control-plane replicas on etcd, as etcd's own
 * concurrency.Election does it: each replica puts `<prefix><leaseId>` under
 * an etcd lease; the key with the lowest create revision is the leader, and
 * the others wait for the key just before theirs to be deleted (its lease
 * expired or it resigned).
 *
 * Being elected is not enough to act: the replica is active only while it
 * can prove on its own monotonic clock that its lease has not expired: the
 * lease ends at the *send* time of the last answered keepalive plus the TTL
 * etcd granted (minus a margin). A replica that is paused or cut off from
 * etcd therefore stops on its own, before etcd lets another one take over;
 * and every controller publish is also fenced by the campaign key (see
 * EtcdConfigStore.fenced), so a late one cannot land either.
 */
export class ControlPlaneElection implements ActiveGate {
  private lease: Lease | undefined;
  private campaignKey: string | undefined;
  private createRevision: string | undefined;
  private elected = false;
  /** performance.now() until which the lease is proven alive. */
  private validUntil = 0;
  private readonly fired: number[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private wasActive = false;
  private activeSince: number | undefined;
  private leader: string | undefined;
  private lastError: string | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private wakeLost: (() => void) | undefined;

  constructor(private readonly opts: ControlPlaneElectionOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.campaignLoop();
    // Notices expiry on the clock alone (no event comes when keepalives silently stop).
    this.checkTimer = setInterval(() => this.noteActive(), 100);
  }

  /** Resigns (deletes the key by revoking the lease) so another replica takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.checkTimer);
    this.wakeLost?.();
    await this.loop;
    this.noteActive();
  }

  isActive(): boolean {
    return this.running && this.elected && performance.now() < this.validUntil;
  }

  /** The campaign key, while active: what the controller's appends are fenced by. */
  fence(): AppendFence | undefined {
    if (!this.isActive() || !this.campaignKey || !this.createRevision) return undefined;
    return { key: this.campaignKey, createRevision: this.createRevision };
  }

  /** Reads the current leader from etcd (for status); keeps the last value when etcd cannot be read. */
  async status(): Promise<ElectionStatus> {
    try {
      const res = await this.opts.client.getAll().prefix(this.opts.prefix).sort('Create', 'Ascend').limit(1).strings();
      this.leader = Object.values(res)[0];
    } catch (err) {
      this.lastError = (err as Error).message;
    }
    return {
      id: this.opts.id,
      active: this.isActive(),
      ...(this.leader === undefined ? {} : { leader: this.leader }),
      ...(this.activeSince === undefined ? {} : { activeSince: new Date(this.activeSince).toISOString() }),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private noteActive(): void {
    const active = this.isActive();
    if (active === this.wasActive) return;
    this.wasActive = active;
    this.activeSince = active ? Date.now() : undefined;
    this.opts.logger[active ? 'info' : 'warn']({ id: this.opts.id, key: this.campaignKey }, active ? 'election: this replica is the active control plane' : 'election: this replica is standby');
    this.opts.onChange?.(active);
  }

  private async campaignLoop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.campaignOnce();
        failures = 0;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.opts.logger.warn({ err: this.lastError }, 'election: campaign failed; retrying');
        failures++;
      }
      await this.resign();
      if (this.running) await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 4)));
    }
  }

  /** One campaign: grant a lease, put the key, wait to lead, then hold until the lease is lost. */
  private async campaignOnce(): Promise<void> {
    const { client, prefix, ttlSeconds } = this.opts;
    const lease = client.lease(ttlSeconds);
    this.lease = lease;
    this.fired.length = 0;
    let lost: Error | undefined;
    const lostSignal = new Promise<void>((resolve) => {
      this.wakeLost = resolve;
      lease.on('lost', (err) => {
        lost = err;
        this.validUntil = 0;
        resolve();
      });
    });
    lease.on('keepaliveFired', () => this.fired.push(performance.now()));
    lease.on('keepaliveFailed', () => {
      this.fired.length = 0;
    });
    lease.on('keepaliveSucceeded', (res) => {
      const sentAt = this.fired.shift();
      if (sentAt === undefined) return;
      this.prove(sentAt, Number(res.TTL));
    });
    const grantSent = performance.now();
    const leaseId = await lease.grant();
    this.prove(grantSent, ttlSeconds);
    const key = `${prefix}${leaseId}`;
    const put = await client.if(key, 'Create', '==', 0).then(client.put(key).value(this.opts.id).lease(leaseId)).commit();
    if (!put.succeeded) throw new Error(`campaign key ${key} already exists`);
    this.campaignKey = key;
    this.createRevision = String(put.header.revision);
    await this.waitForPredecessors(BigInt(this.createRevision), lostSignal);
    if (!this.running || lost) {
      if (lost) throw lost;
      return;
    }
    this.elected = true;
    this.noteActive();
    await lostSignal;
    if (lost) throw lost;
  }

  private prove(sentAt: number, ttlSeconds: number): void {
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) return;
    this.validUntil = Math.max(this.validUntil, sentAt + ttlSeconds * 1000 - (this.opts.marginMs ?? 300));
  }

  /** Returns once no campaign key older than ours exists. */
  private async waitForPredecessors(ourRevision: bigint, lostSignal: Promise<void>): Promise<void> {
    const { client, prefix } = this.opts;
    let lost = false;
    void lostSignal.then(() => {
      lost = true;
    });
    while (this.running && !lost) {
      const res = await client
        .getAll()
        .prefix(prefix)
        .maxCreateRevision(String(ourRevision - 1n))
        .sort('Create', 'Descend')
        .limit(1)
        .exec();
      const prev = res.kvs[0];
      if (!prev) return;
      const watcher = await client.watch().key(prev.key).only('delete').startRevision(String(BigInt(res.header.revision) + 1n)).create();
      try {
        const deleted = new Promise<void>((resolve, reject) => {
          watcher.once('delete', () => resolve());
          watcher.once('error', reject);
        });
        await Promise.race([deleted, lostSignal]);
      } finally {
        await watcher.cancel().catch(() => undefined);
      }
    }
  }

  private async resign(): Promise<void> {
    this.elected = false;
    this.validUntil = 0;
    this.noteActive();
    const lease = this.lease;
    this.lease = undefined;
    this.campaignKey = undefined;
    this.createRevision = undefined;
    // Revoking deletes the key at once, so a successor need not wait for the TTL.
    await lease?.revoke().catch(() => undefined);
  }
}
