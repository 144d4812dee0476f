// @ts-check
import http from 'k6/http';
import { sleep } from 'k6';
import { env } from './env.js';

/**
 * Faults failover.js can inject at a set time, and how each is healed.
 *
 * - `drain-region` / `drain-set` (FAULT_TARGET = the name): the control plane
 *   moves the leaders away and routes users elsewhere; healed by undrain.
 * - `shard-move` (FAULT_SHARD, FAULT_TO = a set): a planned switchover; nothing to heal.
 * - `failover-pause`: pauses the failover controller; healed by resume.
 * - `http`: any endpoint, e.g. the WAN emulation's partition or a drill
 *   endpoint: FAULT_METHOD (POST), FAULT_URL, FAULT_BODY (JSON text),
 *   FAULT_TOKEN; heal with HEAL_METHOD, HEAL_URL, HEAL_BODY (optional).
 *
 * The control plane is SETGATE_ADMIN_URL with the operator token SETGATE_ADMIN_TOKEN.
 * @typedef {'drain-region' | 'drain-set' | 'shard-move' | 'failover-pause' | 'http'} FaultKind
 */

const FAULTS = ['drain-region', 'drain-set', 'shard-move', 'failover-pause', 'http'];

/**
 * @typedef {object} ActionResult
 * @property {boolean} ok
 * @property {number} status
 * @property {string} detail what was done, or why it failed (never a token)
 */

/** @returns {FaultKind} */
export function faultKind() {
  const kind = env('FAULT', 'drain-region');
  if (!FAULTS.includes(kind)) throw new Error(`FAULT must be one of ${FAULTS.join(', ')}, got "${kind}"`);
  return /** @type {FaultKind} */ (kind);
}

const adminUrl = () => env('SETGATE_ADMIN_URL', 'http://127.0.0.1:7000').replace(/\/+$/, '');
const reason = () => env('FAULT_REASON', 'k6 failover.js drill');

/**
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} url
 * @param {unknown} body
 * @param {string} token
 */
function send(method, url, body, token) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return http.request(method, url, body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
    headers,
    timeout: '60s',
    tags: { command: 'admin' },
    responseCallback: http.expectedStatuses({ min: 200, max: 299 }),
  });
}

/**
 * A control-plane call; a long operation (drain, shard move) is followed until it ends.
 * @param {string} path
 * @param {unknown} body
 * @returns {ActionResult}
 */
function operate(path, body) {
  const token = env('SETGATE_ADMIN_TOKEN', '');
  let res = send('POST', `${adminUrl()}${path}`, body, token);
  if (res.status < 200 || res.status >= 300) return { ok: false, status: res.status, detail: `POST ${path}: ${problemOf(res.body)}` };
  /** @type {{ id?: string, state?: string, error?: { detail?: string } }} */
  let op = JSON.parse(/** @type {string} */ (res.body));
  const deadline = Date.now() + 120000;
  while (op.id !== undefined && op.state === 'running' && Date.now() < deadline) {
    sleep(0.2);
    res = send('GET', `${adminUrl()}/v1/ops/operations/${op.id}`, undefined, token);
    if (res.status !== 200) return { ok: false, status: res.status, detail: `operation ${op.id}: ${problemOf(res.body)}` };
    op = JSON.parse(/** @type {string} */ (res.body));
  }
  if (op.state === 'running') return { ok: false, status: res.status, detail: `operation ${op.id} still running after 120 s` };
  if (op.state === 'failed') return { ok: false, status: res.status, detail: `operation ${op.id} failed: ${op.error?.detail ?? ''}` };
  return { ok: true, status: res.status, detail: `POST ${path} done` };
}

/**
 * @param {string} prefix FAULT or HEAL
 * @returns {ActionResult}
 */
function custom(prefix) {
  const url = env(`${prefix}_URL`, '');
  if (!url) return prefix === 'HEAL' ? { ok: true, status: 0, detail: 'no heal configured' } : { ok: false, status: 0, detail: 'FAULT=http needs FAULT_URL' };
  const method = /** @type {'GET' | 'POST' | 'PUT' | 'DELETE'} */ (env(`${prefix}_METHOD`, 'POST').toUpperCase());
  const body = env(`${prefix}_BODY`, '');
  const res = send(method, url, body === '' ? undefined : body, env(`${prefix}_TOKEN`, env('FAULT_TOKEN', '')));
  const ok = res.status >= 200 && res.status < 300;
  return { ok, status: res.status, detail: `${method} ${url}: ${ok ? 'done' : problemOf(res.body)}` };
}

/**
 * Injects the configured fault.
 * @param {FaultKind} kind
 * @returns {ActionResult}
 */
export function injectFault(kind) {
  switch (kind) {
    case 'drain-region':
      return operate('/v1/ops/drain', { target: 'region', name: env('FAULT_TARGET', 'eu-west'), reason: reason() });
    case 'drain-set':
      return operate('/v1/ops/drain', { target: 'set', name: env('FAULT_TARGET', 'eu-west-a'), reason: reason() });
    case 'shard-move':
      return operate(`/v1/ops/shards/${Number(env('FAULT_SHARD', '0'))}/move`, { to: env('FAULT_TO', 'eu-west-a'), reason: reason() });
    case 'failover-pause':
      return operate('/v1/ops/failover/pause', { reason: reason() });
    case 'http':
      return custom('FAULT');
  }
}

/**
 * Heals what injectFault did (a shard move has nothing to heal).
 * @param {FaultKind} kind
 * @returns {ActionResult}
 */
export function healFault(kind) {
  switch (kind) {
    case 'drain-region':
      return operate('/v1/ops/undrain', { target: 'region', name: env('FAULT_TARGET', 'eu-west'), reason: reason() });
    case 'drain-set':
      return operate('/v1/ops/undrain', { target: 'set', name: env('FAULT_TARGET', 'eu-west-a'), reason: reason() });
    case 'shard-move':
      return { ok: true, status: 0, detail: 'a shard move needs no heal' };
    case 'failover-pause':
      return operate('/v1/ops/failover/resume', { reason: reason() });
    case 'http':
      return custom('HEAL');
  }
}

/**
 * The code and detail of a problem+json answer; never echoes anything else the body holds.
 * @param {unknown} body
 */
function problemOf(body) {
  if (typeof body !== 'string') return 'no answer';
  try {
    const p = JSON.parse(body);
    return `${p.code ?? ''} ${p.detail ?? p.title ?? ''}`.trim() || 'refused';
  } catch {
    return 'refused';
  }
}
