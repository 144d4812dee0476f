// @ts-check
import http from 'k6/http';
import { COMMANDS } from './commands.js';
import { metrics } from './metrics.js';

/**
 * @import { CommandId, ShopCommand } from './commands.js'
 * @import { UserPool } from './tokens.js'
 * @import { RefinedResponse, ResponseType } from 'k6/http'
 */

/** Cart lines kept below the node's limit of 100 distinct items by clearing first. */
const CLEAR_AT_LINES = 90;
/**
 * 503 codes that say the write was certainly not applied: shed before routing,
 * or the write-point never reached. Every other 5xx (a 502 outcome unknown, a
 * timeout, a node's "not enough replicas" or "lease lost" after its local
 * append) and no answer at all leave the outcome open.
 */
const NOT_APPLIED_503 = new Set(['SETGATE_GW_OVERLOADED', 'SETGATE_GW_WRITE_POINT_UNAVAILABLE']);

/**
 * True when a write may or may not have been applied: retried once with the same idempotency key.
 * @param {RefinedResponse<ResponseType | undefined>} res
 */
function outcomeUnknown(res) {
  if (res.status === 0) return true;
  if (res.status < 500) return false;
  return !(res.status === 503 && NOT_APPLIED_503.has(errorCode(res)));
}

/**
 * What one VU knows about one of its users.
 * @typedef {object} UserState
 * @property {number} index
 * @property {string} home entry point this user writes through
 * @property {string} session the last `setgate-session` token returned to this user ('' before any)
 * @property {string | undefined} profileAcked the display name of the last acknowledged profile write in this run
 * @property {Set<string>} profileUnknown display names of writes whose outcome stayed open: one of them may still land later
 * @property {boolean} cartKnown the cart was cleared in this run, so its content is known
 * @property {Set<string>} ackedSkus lines appended with an acknowledgement since the last clear
 * @property {number} lines lines appended (acknowledged or uncertain) since the last clear
 */

/**
 * Relative weights of the commands a step picks from.
 * @typedef {Partial<Record<CommandId, number>>} Mix
 */

/**
 * A shop client for one VU: drives its own users through the regional proxies,
 * echoes session tokens, makes appends idempotent, and checks what it can
 * check from its own history (read-your-writes, duplicate appends).
 */
export class Shopper {
  /**
   * @param {UserPool} pool
   * @param {{ indices: number[], exclusive: boolean }} mine this VU's users (see usersOfVu)
   * @param {string[]} entries regional proxy URLs
   * @param {string} runId distinguishes this run's idempotency keys from an earlier run's
   */
  constructor(pool, mine, entries, runId) {
    this.pool = pool;
    this.entries = entries;
    this.exclusive = mine.exclusive;
    this.runId = runId;
    this.seq = 0;
    /** @type {UserState[]} */
    this.users = mine.indices.map((index) => ({
      index,
      home: /** @type {string} */ (entries[index % entries.length]),
      session: '',
      profileAcked: undefined,
      profileUnknown: new Set(),
      cartKnown: false,
      ackedSkus: new Set(),
      lines: 0,
    }));
    /** Tags added to every request (failover.js sets `phase`). @type {Record<string, string>} */
    this.extraTags = {};
    /**
     * Called with every command's answer (failover.js measures recovery with it).
     * @type {((cmd: ShopCommand, res: RefinedResponse<ResponseType | undefined>) => void) | undefined}
     */
    this.onResponse = undefined;
  }

  /**
   * One command for one of this VU's users, picked by the mix.
   * @param {Mix} mix
   */
  step(mix) {
    const user = /** @type {UserState} */ (this.users[Math.floor(Math.random() * this.users.length)]);
    switch (pick(mix)) {
      case 'profileGet':
        return this.profileGet(user);
      case 'profilePut':
        return this.profilePut(user);
      case 'cartGet':
        return this.cartGet(user);
      case 'cartSummary':
        return this.call(COMMANDS.cartSummary, user, this.anyEntry());
      case 'cartAddItem':
        return this.cartAddItem(user);
      case 'cartClear':
        return this.cartClear(user);
    }
  }

  /** @param {UserState} user */
  profilePut(user) {
    const displayName = `k6 ${this.runId} ${__VU}-${++this.seq}`;
    const res = this.call(COMMANDS.profilePut, user, user.home, { displayName });
    if (isOk(res.status)) user.profileAcked = displayName;
    else if (outcomeUnknown(res)) user.profileUnknown.add(displayName);
    return res;
  }

  /**
   * Read through any region with the session token: it must show our last
   * acknowledged write, or a write of ours whose outcome stayed open.
   * @param {UserState} user
   */
  profileGet(user) {
    const res = this.call(COMMANDS.profileGet, user, this.anyEntry());
    if (this.exclusive && user.profileAcked !== undefined && (res.status === 200 || res.status === 404)) {
      const seen = res.status === 200 ? field(res, 'displayName') : undefined;
      if (seen !== user.profileAcked && !user.profileUnknown.has(seen)) metrics.rywViolations.add(1, { command: COMMANDS.profileGet.name });
    }
    return res;
  }

  /**
   * Appends a unique line with an idempotency key; an answer that leaves the
   * outcome open is retried once with the same key, as a careful client does.
   * @param {UserState} user
   */
  cartAddItem(user) {
    if (!user.cartKnown || user.lines >= CLEAR_AT_LINES) {
      this.cartClear(user);
      if (!user.cartKnown) return undefined;
    }
    const seq = ++this.seq;
    const item = { sku: `k${__VU}x${seq}`, qty: 1, priceCents: 100 + (seq % 900) };
    const key = `${this.runId}-${__VU}-${seq}`;
    user.lines++;
    let res = this.call(COMMANDS.cartAddItem, user, user.home, item, key);
    if (outcomeUnknown(res)) res = this.call(COMMANDS.cartAddItem, user, user.home, item, key);
    if (isOk(res.status)) user.ackedSkus.add(item.sku);
    return res;
  }

  /** The cart from the write-point (cart.get has maxStalenessMs 0): every acknowledged line, each once. @param {UserState} user */
  cartGet(user) {
    const res = this.call(COMMANDS.cartGet, user, this.anyEntry());
    if (this.exclusive && user.cartKnown && res.status === 200) {
      /** @type {Array<{ sku: string, qty: number }>} */
      const items = field(res, 'items') ?? [];
      const qty = new Map(items.map((i) => [i.sku, i.qty]));
      for (const sku of user.ackedSkus) if (!qty.has(sku)) metrics.rywViolations.add(1, { command: COMMANDS.cartGet.name });
      for (const i of items) if (i.sku.startsWith(`k${__VU}x`) && i.qty > 1) metrics.duplicates.add(1);
    }
    return res;
  }

  /** @param {UserState} user */
  cartClear(user) {
    const res = this.call(COMMANDS.cartClear, user, user.home);
    // After a failed clear the cart may hold anything: checks wait for the next clear.
    user.cartKnown = isOk(res.status);
    user.ackedSkus.clear();
    user.lines = 0;
    return res;
  }

  /** A random entry point: reads cross regions, so session tokens must carry read-your-writes there. */
  anyEntry() {
    return /** @type {string} */ (this.entries[Math.floor(Math.random() * this.entries.length)]);
  }

  /**
   * Sends one command and records it.
   * @param {ShopCommand} cmd
   * @param {UserState} user
   * @param {string} entry
   * @param {object} [body]
   * @param {string} [idempotencyKey]
   * @returns {RefinedResponse<ResponseType | undefined>}
   */
  call(cmd, user, entry, body, idempotencyKey) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${this.pool.at(user.index).token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (user.session) headers['setgate-session'] = user.session;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const tags = { command: cmd.name, priority: cmd.priority, kind: cmd.kind, ...this.extraTags };
    /** @type {import('k6/http').Params} */
    const params = { headers, tags, timeout: '10s' };
    // A profile nobody wrote yet is a correct answer, not a failed request.
    if (cmd === COMMANDS.profileGet) params.responseCallback = profileGetExpected;
    const res = http.request(cmd.method, `${entry}${cmd.path}`, body === undefined ? null : JSON.stringify(body), params);
    record(cmd, res, tags);
    const session = res.headers['Setgate-Session'];
    if (session) user.session = session;
    this.onResponse?.(cmd, res);
    return res;
  }
}

const profileGetExpected = http.expectedStatuses({ min: 200, max: 399 }, 404);

/** @param {number} status */
const isOk = (status) => status >= 200 && status < 300;

/**
 * @param {ShopCommand} cmd
 * @param {RefinedResponse<ResponseType | undefined>} res
 * @param {Record<string, string>} tags
 */
function record(cmd, res, tags) {
  const served = isOk(res.status) || (cmd === COMMANDS.profileGet && res.status === 404);
  metrics.ok.add(served, tags);
  metrics.rateLimited.add(res.status === 429, tags);
  metrics.shed.add(res.status === 503, tags);
  if (res.status === 429 || res.status === 503) metrics.retryAfter.add(res.headers['Retry-After'] !== undefined, tags);
  if (cmd.kind === 'write' && isOk(res.status)) metrics.ackedWrites.add(1, tags);
  if (res.headers['Idempotent-Replayed'] === 'true') metrics.replays.add(1, tags);
  if (!served) metrics.errors.add(1, { ...tags, status: String(res.status), code: errorCode(res) });
}

/**
 * The problem+json `code` of a refused request, or k6's error code when nothing answered.
 * @param {RefinedResponse<ResponseType | undefined>} res
 * @returns {string}
 */
function errorCode(res) {
  if (res.status === 0) return `k6:${res.error_code}`;
  const code = field(res, 'code');
  return typeof code === 'string' ? code : 'none';
}

/**
 * A top-level field of a JSON body, or undefined when the body is not JSON.
 * @param {RefinedResponse<ResponseType | undefined>} res
 * @param {string} name
 * @returns {any}
 */
function field(res, name) {
  if (typeof res.body !== 'string' || res.body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(res.body);
    return parsed !== null && typeof parsed === 'object' ? parsed[name] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A command id drawn by weight.
 * @param {Mix} mix
 * @returns {CommandId}
 */
function pick(mix) {
  const entries = /** @type {Array<[CommandId, number]>} */ (Object.entries(mix));
  let total = 0;
  for (const [, w] of entries) total += w;
  let r = Math.random() * total;
  for (const [id, w] of entries) {
    r -= w;
    if (r < 0) return id;
  }
  return /** @type {[CommandId, number]} */ (entries[entries.length - 1])[0];
}
