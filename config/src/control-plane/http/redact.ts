import type { Change } from '@setgate/config';
import type { VersionRecord, VersionSummary } from '../store/config-store.js';

/** Keys whose value is a secret (or, today, a reference to one): config/src/secrets.ts lists where they sit. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['secret', 'sessionTokenSecret', 'previousSessionTokenSecret', 'password', 'redisPassword']);

/** What a viewer sees in place of a secret value. */
export const REDACTED = '[redacted]';

/**
 * `v` with every string held by a secret key replaced by REDACTED;
 * references (`{ env }`, `{ file }`) are kept, they are not secrets. The
 * schema refuses inline secrets, so this only ever changes a version stored
 * before secrets became references: a second line of defence that keeps such
 * a value out of every answer. Returns `v` itself when nothing is replaced.
 */
export function redactSecrets<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = v.map(redactSecrets);
    return (out.some((e, i) => e !== v[i]) ? out : v) as T;
  }
  if (typeof v !== 'object' || v === null) return v;
  let copy: Record<string, unknown> | undefined;
  for (const [k, e] of Object.entries(v)) {
    const r = SECRET_KEYS.has(k) && typeof e === 'string' ? REDACTED : redactSecrets(e);
    if (r !== e) {
      copy ??= { ...(v as Record<string, unknown>) };
      copy[k] = r;
    }
  }
  return (copy ?? v) as T;
}

/** A change with secret values redacted, its path included when the change is the secret itself. */
function redactChange(c: Change): Change {
  const isSecret = SECRET_KEYS.has(c.path.slice(c.path.lastIndexOf('/') + 1));
  const hide = (v: unknown) => (isSecret && typeof v === 'string' ? REDACTED : redactSecrets(v));
  const before = hide(c.before);
  const after = hide(c.after);
  return before === c.before && after === c.after ? c : { ...c, ...(c.before === undefined ? {} : { before }), ...(c.after === undefined ? {} : { after }) };
}

/** A history line as viewers may see it. */
export function redactSummary<T extends VersionSummary>(s: T): T {
  const changes = s.changes.map(redactChange);
  return changes.some((c, i) => c !== s.changes[i]) ? { ...s, changes } : s;
}

/**
 * A stored version as viewers may see it. Only the places a secret can sit
 * (auth, gateway) are walked, so a large document costs nothing extra.
 */
export function redactRecord(r: VersionRecord): VersionRecord {
  const doc = r.document as unknown as Record<string, unknown>;
  const auth = redactSecrets(doc.auth);
  const gateway = redactSecrets(doc.gateway);
  const summary = redactSummary(r);
  if (auth === doc.auth && gateway === doc.gateway && summary === r) return r;
  return { ...summary, document: { ...doc, auth, gateway } as unknown as VersionRecord['document'] };
}
