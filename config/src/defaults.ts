import { Kind, type TSchema } from '@sinclair/typebox';

type Json = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const copy = (v: unknown) => (typeof v === 'object' && v !== null ? structuredClone(v) : v);

/** The object variant of a union whose literal properties all match `value`, if one does. */
function variantOf(schema: TSchema, value: Record<string, unknown>): TSchema | undefined {
  for (const v of (schema.anyOf ?? []) as TSchema[]) {
    if (v[Kind] !== 'Object') continue;
    const props = (v.properties ?? {}) as Record<string, TSchema>;
    const literals = Object.entries(props).filter(([, p]) => p.const !== undefined);
    if (literals.length > 0 && literals.every(([k, p]) => value[k] === p.const)) return v;
  }
  return undefined;
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
    case 'Array':
      return Array.isArray(value) ? value.map((v) => withDefaults(schema.items as TSchema, v)) : value;
    case 'Union': {
      const variant = isObj(value) ? variantOf(schema, value) : undefined;
      return variant ? withDefaults(variant, value) : copy(value);
    }
    default:
      return copy(value);
  }
}
