import { Kind, type TSchema } from '@sinclair/typebox';
import { frozenCopy, own } from './frozen-copy.js';

type Json = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Values a fill met that its schema does not place: keys a closed object
 * does not declare, objects in a union that no variant claims. Counted for
 * the shape check (shape-check.ts), which can then skip TypeBox's own
 * search for undeclared keys when there are none.
 */
class Strays {
  count = 0;
}

/** Fills defaults into one value of one schema; returns a deeply frozen copy (or the primitive itself). */
type Fill = (value: Json, strays: Strays) => Json;

/** One Fill per schema, compiled on first use: the walk of a 10,000-command document then reads no schema. */
const fills = new WeakMap<TSchema, Fill>();

function fillOf(schema: TSchema): Fill {
  let fill = fills.get(schema);
  if (fill === undefined) {
    fill = withDefault(schema, compileFill(schema));
    fills.set(schema, fill);
  }
  return fill;
}

/** `fill`, with a missing value replaced by the schema's default first. */
function withDefault(schema: TSchema, fill: Fill): Fill {
  const fallback: unknown = schema.default;
  if (fallback === undefined) return (value, strays) => (value === undefined ? undefined : fill(value, strays));
  // `fill` copies whatever it returns, so the schema's own default is never handed out.
  return (value, strays) => fill(value === undefined ? fallback : value, strays);
}

function compileFill(schema: TSchema): Fill {
  switch (schema[Kind]) {
    case 'Object':
      return objectFill(schema);
    case 'Array': {
      const items = fillOf(schema.items as TSchema);
      return (value, strays) => {
        if (!Array.isArray(value)) return frozenCopy(value);
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          out[i] = v !== undefined && (typeof v !== 'object' || v === null) ? v : items(v, strays);
        }
        return Object.freeze(out);
      };
    }
    case 'Union':
      return unionFill(schema);
    default:
      return frozenCopy;
  }
}

/**
 * An object's properties filled by their schemas (others copied as they
 * are, for the checker to report), in the input's key order, then the
 * missing ones that have a default. A defined primitive is its own fill
 * whatever the schema, so only objects, arrays and missing values look
 * their schema up.
 */
function objectFill(schema: TSchema): Fill {
  const entries = Object.entries((schema.properties ?? {}) as Record<string, TSchema>);
  // A Map, not the properties object: an input key like "constructor" must not find Object.prototype's.
  const props = new Map(entries.map(([k, p]) => [k, fillOf(p)] as const));
  const closed = schema.additionalProperties === false;
  const defaulted = entries.filter(([, p]) => p.default !== undefined);
  const defaultKeys = defaulted.map(([k]) => k);
  const defaultFills = defaulted.map(([, p]) => fillOf(p));
  // The declared keys in the order the values seen so far list them, with their fills: the objects of
  // one list are written alike, so a key usually matches (by identity: keys are interned) the one at
  // its position, which spares the lookup.
  const seenKeys: string[] = [];
  const seenFills: Fill[] = [];
  /** The fill of key `k`, at position `n` in its object; undefined for a key the schema does not declare. */
  const fillAt = (k: string, n: number): Fill | undefined => {
    if (k === seenKeys[n]) return seenFills[n];
    const fill = props.get(k);
    if (fill !== undefined && n === seenKeys.length) {
      seenKeys.push(k);
      seenFills.push(fill);
    }
    return fill;
  };
  return (value, strays) => {
    if (!isObj(value)) return frozenCopy(value);
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const k in value) {
      const fill = fillAt(k, n++);
      if (fill === undefined && closed) strays.count++;
      const v = value[k];
      const filled = v !== undefined && (typeof v !== 'object' || v === null) ? v : fill === undefined ? frozenCopy(v) : fill(v, strays);
      if (k === '__proto__') own(out, k, filled);
      else out[k] = filled;
    }
    for (let i = 0; i < defaultKeys.length; i++) {
      const k = defaultKeys[i] as string;
      // A fresh copy each time, not one shared: a document that held the same object twice would
      // serialise differently (YAML writes a repeated object as an alias).
      if (out[k] === undefined) out[k] = (defaultFills[i] as Fill)(undefined, strays);
    }
    return Object.freeze(out);
  };
}

/**
 * A discriminated union: the object variant whose literal properties all
 * match the value fills it. Does what TypeBox's Value.Default does for this
 * schema's shapes, without checking every branch against every element
 * (which costs seconds on a topology of thousands of shards). An object no
 * variant claims is copied as it is, for the checker to report.
 */
function unionFill(schema: TSchema): Fill {
  const variants: { literals: (readonly [string, unknown])[]; fill: Fill }[] = [];
  for (const variant of (schema.anyOf ?? []) as TSchema[]) {
    if (variant[Kind] !== 'Object') continue;
    const literals = Object.entries((variant.properties ?? {}) as Record<string, TSchema>)
      .filter(([, p]) => p.const !== undefined)
      .map(([k, p]) => [k, p.const] as const);
    if (literals.length > 0) variants.push({ literals, fill: fillOf(variant) });
  }
  return (value, strays) => {
    if (!isObj(value)) return frozenCopy(value);
    for (const { literals, fill } of variants) if (hasLiterals(value, literals)) return fill(value, strays);
    strays.count++;
    return frozenCopy(value);
  };
}

function hasLiterals(value: Record<string, unknown>, literals: readonly (readonly [string, unknown])[]): boolean {
  for (const [k, c] of literals) if (value[k] !== c) return false;
  return true;
}

/**
 * A deeply frozen copy of `value` with every schema default filled in where
 * the field is missing, walking objects, arrays and discriminated unions,
 * and how many values in it the schema does not place (see Strays). Values
 * the schema does not describe are copied as they are, for the checker to
 * report. Frozen while copied: a loaded topology is immutable, and freezing
 * each object as it is made spares a second walk.
 */
export function fillDefaults(schema: TSchema, value: Json): { readonly value: Json; readonly strays: number } {
  const strays = new Strays();
  return { value: fillOf(schema)(value, strays), strays: strays.count };
}

/** fillDefaults' copy alone. */
export function withDefaults(schema: TSchema, value: Json): Json {
  return fillDefaults(schema, value).value;
}
