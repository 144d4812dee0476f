import { setTimeout as sleep } from 'node:timers/promises';
import { writeOutcome } from './checker/outcome.js';
import type { Op, OpKind, Outcome } from './checker/history.js';
import type { Answer, DrillClient } from './client.js';
import type { Rng } from './rng.js';
import type { DrillUser } from './users.js';

/** The read commands' contract, from the route table: the checker holds reads to it. */
export interface ReadContract {
  readonly boundMs?: number;
  readonly staleFallback: boolean;
}

export interface LoadOptions {
  readonly client: DrillClient;
  readonly rng: Rng;
  /** Users active for the whole run. */
  readonly users: readonly DrillUser[];
  /** Users active only while `surge` is on (overload drills). */
  readonly surgeUsers?: readonly DrillUser[];
  readonly tokens: ReadonlyMap<string, string>;
  /** Per region, the regional proxies' entry URLs to try in order: its own first, then the nearest others. */
  readonly entries: ReadonlyMap<string, readonly string[]>;
  /** The region of each entry URL (a regional proxy's origin). */
  readonly entryRegions?: ReadonlyMap<string, string>;
  readonly thinkMs: number;
  readonly profileRead: ReadContract;
  readonly cartRead: ReadContract;
  /** Share of reads sent without the session token (held to the staleness bound only). */
  readonly readsWithoutSession?: number;
  /** ms since the run's start. */
  readonly now: () => number;
  readonly onOp: (op: Op) => void;
}

/** A cart holds at most 100 distinct lines; appends stop short of that. */
const MAX_APPENDS = 90;
/** An append whose outcome is unknown is retried with the same idempotency key this many times more. */
const APPEND_RETRIES = 2;

interface UserState {
  readonly user: DrillUser;
  readonly rng: Rng;
  session?: string;
  /** The region of the entry the last op went through. */
  via?: string;
  seq: number;
  appends: number;
}

/**
 * The drill's load: every user a sequential client (one op at a time, a
 * seeded think time between ops) with its own token and session token,
 * through its home region's proxy (the next region's when that one refuses
 * connections). Mixed profile puts and reads and cart appends and reads; each
 * written value and appended SKU unique; appends carry an idempotency key and
 * are retried with it when their outcome is unknown.
 */
export class Load {
  private stopped = false;
  private surge = false;
  private nextId = 0;
  private loops: Promise<void>[] = [];
  /** Regions users cannot reach at the moment (a region cut off from the world). */
  private readonly cutOff = new Set<string>();

  constructor(private readonly opts: LoadOptions) {}

  start(): void {
    const all = [...this.opts.users.map((u) => [u, false] as const), ...(this.opts.surgeUsers ?? []).map((u) => [u, true] as const)];
    this.loops = all.map(([user, surge]) => this.loop({ user, rng: this.opts.rng.fork(user.id), seq: 0, appends: 0 }, surge));
  }

  /** Turns the surge users on or off. */
  setSurge(on: boolean): void {
    this.surge = on;
  }

  /**
   * Starts a probe writer per user (one per affected shard, after a fault):
   * a profile put every `everyMs` after the previous one's answer, until the
   * load stops. Users write a shard only every think time or so; a probe
   * sees the moment it takes writes again. Its ops join the checked history.
   */
  probe(users: readonly DrillUser[], everyMs: number): void {
    for (const user of users) this.loops.push(this.probeLoop({ user, rng: this.opts.rng.fork(user.id), seq: 0, appends: 0 }, everyMs));
  }

  private async probeLoop(s: UserState, everyMs: number): Promise<void> {
    while (!this.stopped) {
      s.seq++;
      await this.put(s);
      await sleep(everyMs);
    }
  }

  /**
   * A region cut off from the world is cut off from its users too: while
   * `cut`, its proxies answer users as a refused connection would, so each
   * user goes to the next region's, as a GeoDNS or anycast entry would send
   * them. (The WAN relay cuts the links between regions; users reach
   * proxies directly, so the drill does this half.)
   */
  setRegionCutOff(region: string, cut: boolean): void {
    if (cut) this.cutOff.add(region);
    else this.cutOff.delete(region);
  }

  /** Stops issuing; resolves when every in-flight op has completed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(s: UserState, surge: boolean): Promise<void> {
    // Users start spread over one think time, not all at once.
    await sleep(s.rng.next() * this.opts.thinkMs);
    while (!this.stopped) {
      if (surge && !this.surge) {
        await sleep(100);
        continue;
      }
      await this.one(s);
      await sleep(this.opts.thinkMs * (0.5 + s.rng.next()));
    }
  }

  private async one(s: UserState): Promise<void> {
    const r = s.rng.next();
    let kind: OpKind = r < 0.3 ? 'profile.put' : r < 0.6 ? 'profile.get' : r < 0.85 ? 'cart.add' : 'cart.get';
    if (kind === 'cart.add' && s.appends >= MAX_APPENDS) kind = 'profile.put';
    s.seq++;
    if (kind === 'profile.put') await this.put(s);
    else if (kind === 'cart.add') await this.append(s);
    else await this.read(s, kind);
  }

  private headers(s: UserState, withSession: boolean): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${this.opts.tokens.get(s.user.id)}` };
    if (withSession && s.session) h['setgate-session'] = s.session;
    return h;
  }

  /** Sends through the home region's proxy, moving to the next region's only when a connection was refused. */
  private async send(s: UserState, method: 'GET' | 'PUT' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<{ answer: Answer; tries: number }> {
    const entries = this.opts.entries.get(s.user.homeRegion) ?? [];
    let answer: Answer = { code: 'NO_ENTRY', neverSent: true, served: {} };
    let tries = 0;
    for (const origin of entries) {
      tries++;
      const region = this.opts.entryRegions?.get(origin);
      s.via = region;
      if (region !== undefined && this.cutOff.has(region)) {
        answer = { code: 'REGION_CUT_OFF', neverSent: true, served: {} };
        continue;
      }
      answer = await this.opts.client.send(origin, method, path, headers, body, s.user.id);
      if (!answer.neverSent) break;
    }
    return { answer, tries };
  }

  private record(s: UserState, kind: OpKind, invokeMs: number, outcome: Outcome, answer: Answer, fields: Partial<Op>): void {
    if (answer.session && outcome === 'ok' && (kind === 'profile.put' || kind === 'cart.add')) s.session = answer.session;
    this.opts.onOp({
      id: ++this.nextId,
      kind,
      key: s.user.id,
      shard: s.user.shard,
      session: s.user.id,
      invokeMs,
      completeMs: this.opts.now(),
      outcome,
      status: answer.status,
      code: answer.code,
      attempts: 1,
      served: answer.served,
      ...(s.via !== undefined ? { via: s.via } : {}),
      ...fields,
    });
  }

  private async put(s: UserState): Promise<void> {
    const value = `${s.user.id}.${s.seq}`;
    const invokeMs = this.opts.now();
    const { answer, tries } = await this.send(s, 'PUT', '/v1/profile', this.headers(s, true), { displayName: value });
    this.record(s, 'profile.put', invokeMs, writeOutcome(answer.status, answer.code), answer, { value, attempts: tries });
  }

  private async append(s: UserState): Promise<void> {
    const item = `${s.user.id}-${s.seq}`;
    const idempotencyKey = `drill-${item}`;
    const invokeMs = this.opts.now();
    let outcomes: Outcome[] = [];
    let answer: Answer | undefined;
    let attempts = 0;
    for (let i = 0; i <= APPEND_RETRIES; i++) {
      if (i > 0) await sleep(250);
      const sent = await this.send(s, 'POST', '/v1/cart/items', { ...this.headers(s, true), 'idempotency-key': idempotencyKey }, { sku: item, qty: 1, priceCents: 100 });
      answer = sent.answer;
      attempts += sent.tries;
      const outcome = writeOutcome(answer.status, answer.code);
      outcomes = [...outcomes, outcome];
      if (outcome !== 'unknown' || this.stopped) break;
    }
    s.appends++;
    // Applied if any attempt was acknowledged; possibly applied if any attempt's outcome was unknown.
    const outcome: Outcome = outcomes.includes('ok') ? 'ok' : outcomes.includes('unknown') ? 'unknown' : 'fail';
    this.record(s, 'cart.add', invokeMs, outcome, answer as Answer, { item, idempotencyKey, attempts });
  }

  private async read(s: UserState, kind: 'profile.get' | 'cart.get'): Promise<void> {
    const withSession = s.session !== undefined && s.rng.next() >= (this.opts.readsWithoutSession ?? 0.25);
    const contract = kind === 'profile.get' ? this.opts.profileRead : this.opts.cartRead;
    const invokeMs = this.opts.now();
    const { answer, tries } = await this.send(s, 'GET', kind === 'profile.get' ? '/v1/profile' : '/v1/cart', this.headers(s, withSession));
    const base = { withSession, boundMs: contract.boundMs, staleFallbackAllowed: contract.staleFallback, attempts: tries };
    if (answer.status === undefined) return this.record(s, kind, invokeMs, 'unknown', answer, base);
    if (kind === 'profile.get') {
      if (answer.status === 404 && answer.code === 'SETGATE_NODE_KEY_NOT_FOUND') return this.record(s, kind, invokeMs, 'ok', answer, { ...base, value: null });
      const name = (answer.body as { displayName?: unknown } | undefined)?.displayName;
      if (answer.status === 200 && typeof name === 'string') return this.record(s, kind, invokeMs, 'ok', answer, { ...base, value: name });
      return this.record(s, kind, invokeMs, 'fail', answer, base);
    }
    const items = (answer.body as { items?: Array<{ sku?: unknown; qty?: unknown }> } | undefined)?.items;
    if (answer.status !== 200 || !Array.isArray(items)) return this.record(s, kind, invokeMs, 'fail', answer, base);
    const map: Record<string, number> = {};
    for (const i of items) if (typeof i.sku === 'string') map[i.sku] = (map[i.sku] ?? 0) + Number(i.qty ?? 0);
    this.record(s, kind, invokeMs, 'ok', answer, { ...base, items: map });
  }
}
