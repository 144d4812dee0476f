/** One difference between two documents, at a readable path. */
export interface Change {
  readonly op: 'add' | 'remove' | 'change';
  /**
   * JSON-pointer-like path; elements of named lists are addressed by their key
   * (`/sets/eu-west-a/drained`, `/placements/5/leader`), others by index.
   */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Fields that identify an element of a list, tried in order. */
const KEY_FIELDS = ['name', 'id', 'shard'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key field shared by every element, when each element has a distinct one. */
function keyFieldOf(a: readonly unknown[], b: readonly unknown[]): string | undefined {
  const all = [...a, ...b];
  if (all.length === 0 || !all.every(isObj)) return undefined;
  for (const field of KEY_FIELDS) {
    if (!all.every((e) => typeof e[field] === 'string' || typeof e[field] === 'number')) continue;
    const distinct = (list: readonly unknown[]) => new Set(list.map((e) => (e as Obj)[field])).size === list.length;
    if (distinct(a) && distinct(b)) return field;
  }
  if (all.every((e) => typeof e.a === 'string' && typeof e.b === 'string')) return 'a~b';
  return undefined;
}

const keyOf = (e: unknown, field: string): string =>
  field === 'a~b' ? [(e as Obj).a, (e as Obj).b].sort().join('~') : String((e as Obj)[field]);

const escapeKey = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Lists what changed from `before` to `after`, deepest paths first within a
 * section. Named lists are matched by key, so a reordering is not a change.
 */
export function diffDocuments(before: unknown, after: unknown, path = '', out: Change[] = []): Change[] {
  if (Object.is(before, after)) return out;
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path, out);
  if (isObj(before) && isObj(after)) {
    for (const k of Object.keys(before)) {
      if (!(k in after)) out.push({ op: 'remove', path: `${path}/${escapeKey(k)}`, before: before[k] });
      else diffDocuments(before[k], after[k], `${path}/${escapeKey(k)}`, out);
    }
    for (const k of Object.keys(after)) if (!(k in before)) out.push({ op: 'add', path: `${path}/${escapeKey(k)}`, after: after[k] });
    return out;
  }
  out.push({ op: 'change', path, before, after });
  return out;
}

const isScalar = (e: unknown) => !isObj(e) && !Array.isArray(e);

function diffArrays(before: unknown[], after: unknown[], path: string, out: Change[]): Change[] {
  const field = keyFieldOf(before, after);
  if (field) {
    const left = new Map(before.map((e) => [keyOf(e, field), e]));
    const right = new Map(after.map((e) => [keyOf(e, field), e]));
    for (const [k, v] of left) {
      if (!right.has(k)) out.push({ op: 'remove', path: `${path}/${escapeKey(k)}`, before: v });
      else diffDocuments(v, right.get(k), `${path}/${escapeKey(k)}`, out);
    }
    for (const [k, v] of right) if (!left.has(k)) out.push({ op: 'add', path: `${path}/${escapeKey(k)}`, after: v });
    return out;
  }
  if (before.every(isScalar) && after.every(isScalar)) {
    // Lists of scalars (replicas, scopes) read best whole.
    if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ op: 'change', path, before, after });
    return out;
  }
  const n = Math.max(before.length, after.length);
  for (let i = 0; i < n; i++) {
    if (i >= after.length) out.push({ op: 'remove', path: `${path}/${i}`, before: before[i] });
    else if (i >= before.length) out.push({ op: 'add', path: `${path}/${i}`, after: after[i] });
    else diffDocuments(before[i], after[i], `${path}/${i}`, out);
  }
  return out;
}
