import type { ConfigProblem } from './problems.js';

/**
 * Bounds on a topology document, checked before anything walks it
 * recursively (defaults, schema check, diff): a deeply nested document would
 * otherwise overflow the stack, and a huge one would cost seconds of CPU on
 * every dry run a viewer may ask for. The real schema is 7 levels deep; the
 * largest real document (65,536 placements, 8 MB of JSON) has about 656,000
 * values and validates in about 0.1-0.2 s.
 */
export const DOCUMENT_LIMITS = {
  /** Nesting of objects and arrays. */
  maxDepth: 24,
  /** Objects, arrays and scalars, all counted. */
  maxValues: 1_000_000,
  /** Elements of one array (placements: one per shard, at most 65,536). */
  maxArrayItems: 70_000,
  /** Keys of one object. */
  maxObjectKeys: 256,
  /** Characters of one string (a PEM key is a few KiB). */
  maxStringChars: 16_384,
} as const;

/**
 * The first limit `doc` breaks, as a problem, or undefined. Iterative (an
 * explicit stack), so no document can overflow it, and it stops at the first
 * breach, so its cost is bounded by the limits themselves.
 */
export function documentLimitProblem(doc: unknown, limits = DOCUMENT_LIMITS): ConfigProblem | undefined {
  // Paths are built only for the one problem reported: each entry points at its parent.
  const stack: Entry[] = [{ value: doc, depth: 0, key: '', parent: undefined }];
  let values = 0;
  while (stack.length > 0) {
    const e = stack.pop() as Entry;
    const { value, depth } = e;
    if (++values > limits.maxValues) return { path: '', message: `the document has more than ${limits.maxValues} values` };
    if (typeof value === 'string') {
      if (value.length > limits.maxStringChars) return { path: pathOf(e), message: `string longer than ${limits.maxStringChars} characters` };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limits.maxDepth) return { path: pathOf(e), message: `nested deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayItems) return { path: pathOf(e), message: `array of more than ${limits.maxArrayItems} items` };
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, key: i, parent: e });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxObjectKeys) return { path: pathOf(e), message: `object with more than ${limits.maxObjectKeys} keys` };
    for (const k of keys) stack.push({ value: (value as Record<string, unknown>)[k], depth: depth + 1, key: k, parent: e });
  }
  return undefined;
}

interface Entry {
  readonly value: unknown;
  readonly depth: number;
  readonly key: string | number;
  readonly parent: Entry | undefined;
}

function pathOf(e: Entry): string {
  const parts: Array<string | number> = [];
  for (let at: Entry | undefined = e; at?.parent !== undefined; at = at.parent) parts.push(at.key);
  return parts.length === 0 ? '' : `/${parts.reverse().join('/')}`;
}
