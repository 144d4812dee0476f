import type { Change } from '@setgate/config';
import { SECRET_KEYS } from './redact.js';

/**
 * Fields only an admin may change: who can authenticate and with which
 * secrets (auth, the session-token keys, any secret reference), whom the components trust (trusted
 * proxies and edges), what the network may reach (network.allowedHosts),
 * the control plane itself, and the limits that protect the fleet (listener
 * limits, rate limits, per-client fairness caps). An operator runs the fleet (placements, drains,
 * commands, timings) but cannot open it up.
 */
export const ADMIN_FIELDS: readonly string[] = [
  '/auth',
  '/controlPlane',
  '/network',
  '/limits',
  '/gateway/trustedProxies',
  '/gateway/sessionTokenSecret',
  '/gateway/previousSessionTokenSecret',
  '/gateway/rateLimit',
  '/gateway/fairness',
  '/regionalProxy/trustedEdges',
  '/regionalProxy/fairness',
];

/** A command's path and anonymous flag: serving callers without credentials is an admin decision too. */
const COMMAND = /^\/commands\/([^/]+)(\/anonymous)?$/;

const isAnonymous = (v: unknown) => typeof v === 'object' && v !== null && (v as { anonymous?: unknown }).anonymous === true;

/** Whether `v` (part of a validated document, so shallow) holds a secret reference. */
function holdsSecret(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  return Object.entries(v).some(([k, e]) => SECRET_KEYS.has(k) || holdsSecret(e));
}

/** A secret reference anywhere else (a node's or the store's Redis password): changed, added or removed with what holds it. */
const touchesSecret = (c: Change) => c.path.split('/').some((s) => SECRET_KEYS.has(s)) || holdsSecret(c.before) || holdsSecret(c.after);

/** The admin-only fields a diff touches, sorted, each named by the path of its change. */
export function adminFieldsTouched(changes: readonly Change[]): string[] {
  const fields = new Set<string>();
  for (const c of changes) {
    if (c.path === '') continue;
    // An admin field itself, inside one, or (a type change) an object that holds one.
    const field = ADMIN_FIELDS.find((f) => c.path === f || c.path.startsWith(`${f}/`) || f.startsWith(`${c.path}/`));
    if (field !== undefined) {
      fields.add(c.path);
      continue;
    }
    const m = COMMAND.exec(c.path);
    if (m && (m[2] !== undefined || isAnonymous(c.before) || isAnonymous(c.after))) fields.add(`/commands/${m[1]}/anonymous`);
    else if (touchesSecret(c)) fields.add(c.path);
  }
  return [...fields].sort();
}
