import { Kind, type TSchema } from '@sinclair/typebox';

type Json = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A deep copy of `v`. Plain JSON values (what YAML and JSON parsing produce)
 * are copied by hand, which is many times cheaper than structuredClone on the
 * small objects and arrays a topology is made of; anything else (a Date, a
 * Map, a class instance) goes through structuredClone as before.
 */
function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}

interface ObjectPlan {
  readonly props: Readonly<Record<string, TSchema>>;
  readonly defaults: ReadonlyArray<readonly [string, TSchema]>;
}
const plans = new WeakMap<TSchema, ObjectPlan>();

/** Per object schema, computed once: its properties and the ones with a default. */
function planOf(schema: TSchema): ObjectPlan {
  let plan = plans.get(schema);
  if (!plan) {
    const props = (schema.properties ?? {}) as Record<string, TSchema>;
    plan = { props, defaults: Object.entries(props).filter(([, p]) => p.default !== undefined) };
    plans.set(schema, plan);
  }
  return plan;
}

/** Per union schema, computed once: its object variants with their literal (discriminating) properties. */
type UnionPlan = ReadonlyArray<{ readonly variant: TSchema; readonly literals: ReadonlyArray<readonly [string, unknown]> }>;
const unionPlans = new WeakMap<TSchema, UnionPlan>();

function unionPlanOf(schema: TSchema): UnionPlan {
  let plan = unionPlans.get(schema);
  if (!plan) {
    const out: { variant: TSchema; literals: (readonly [string, unknown])[] }[] = [];
    for (const v of (schema.anyOf ?? []) as TSchema[]) {
      if (v[Kind] !== 'Object') continue;
      const props = (v.properties ?? {}) as Record<string, TSchema>;
      const literals = Object.entries(props)
        .filter(([, p]) => p.const !== undefined)
        .map(([k, p]) => [k, p.const] as const);
      if (literals.length > 0) out.push({ variant: v, literals });
    }
    plan = out;
    unionPlans.set(schema, plan);
  }
  return plan;
}

/** The object variant of a union whose literal properties all match `value`, if one does. */
function variantOf(schema: TSchema, value: Record<string, unknown>): TSchema | undefined {
  for (const { variant, literals } of unionPlanOf(schema)) {
    let all = true;
    for (const [k, c] of literals) {
      if (value[k] !== c) {
        all = false;
        break;
      }
    }
    if (all) return variant;
  }
  return undefined;
}

/**
 * A copy of `value` with every schema default filled in where the field is
 * missing, walking objects, arrays and discriminated unions. Does what
 * TypeBox's Value.Default does for this schema's shapes, without checking
 * every union branch against every element (which costs seconds on a
 * topology of thousands of shards). Values the schema does not describe are
 * copied as they are, for the checker to report.
 */
export function withDefaults(schema: TSchema, value: Json): Json {
  if (value === undefined) return schema.default !== undefined ? withDefaults(schema, copy(schema.default)) : undefined;
  switch (schema[Kind]) {
    case 'Object': {
      if (!isObj(value)) return value;
      const { props, defaults } = planOf(schema);
      const out: Record<string, unknown> = {};
      for (const k in value) {
        const p = props[k];
        out[k] = p ? withDefaults(p, value[k]) : copy(value[k]);
      }
      for (const [k, p] of defaults) if (out[k] === undefined) out[k] = withDefaults(p, copy(p.default));
      return out;
    }
    case 'Array': {
      if (!Array.isArray(value)) return value;
      const items = schema.items as TSchema;
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = withDefaults(items, value[i]);
      return out;
    }
    case 'Union': {
      const variant = isObj(value) ? variantOf(schema, value) : undefined;
      return variant ? withDefaults(variant, value) : copy(value);
    }
    default:
      return copy(value);
  }
}
