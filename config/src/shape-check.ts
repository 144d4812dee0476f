import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ConfigProblem } from './problems.js';
import { TopologySchema } from './schema/topology.js';

/**
 * The schema check of a filled document. TypeBox's compiled check refuses a
 * key a closed object (additionalProperties: false) does not declare by
 * listing every object's keys and searching the declared ones for each:
 * on 14,000 objects that is most of its time, and megabytes of garbage per
 * reload. fillDefaults walks the same objects with the same schemas and
 * counts those keys (its strays) anyway, so a document with none is checked
 * against the same schema with its objects left open, which is the same
 * check but for the keys. Problems are always those of the strict check.
 *
 * "The same objects" holds when the fill reaches every closed object the
 * check does: the schema is made of objects, arrays, unions and scalars
 * only, and in each union every object variant is told by literal
 * properties no other variant shares (the fill picks that variant; the open
 * check could not pass a value through another). `openCheckable` verifies it
 * once; a schema that breaks it is always checked strictly.
 */
const SCALARS = new Set(['String', 'Integer', 'Number', 'Boolean', 'Literal']);
const strict = TypeCompiler.Compile(TopologySchema);
const open = openCheckable(TopologySchema) ? TypeCompiler.Compile(withObjectsOpen(TopologySchema) as TSchema) : undefined;

/** Whether documents without strays get the open check (false only for a schema openCheckable refuses). */
export const checksKeysInFill = open !== undefined;

/** The problems with `filled` (a fillDefaults result with `strays` strays), or undefined when its shape is right. */
export function shapeProblems(filled: unknown, strays: number): ConfigProblem[] | undefined {
  const ok = open !== undefined && strays === 0 ? open.Check(filled) : strict.Check(filled);
  if (ok) return undefined;
  const problems: ConfigProblem[] = [];
  for (const e of strict.Errors(filled)) problems.push({ path: e.path, message: e.message });
  return dedupe(problems);
}

// Union schemas report one error per failed branch plus a summary at the same path; keep one per path+message.
function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when the fill reaches every object of `schema` the check does (see above). */
function openCheckable(schema: TSchema): boolean {
  switch (schema[Kind]) {
    case 'Object':
      return Object.values((schema.properties ?? {}) as Record<string, TSchema>).every(openCheckable);
    case 'Array':
      return openCheckable(schema.items as TSchema);
    case 'Union': {
      const variants = (schema.anyOf ?? []) as TSchema[];
      const objects = variants.filter((v) => v[Kind] === 'Object').map(literalsOf);
      const told = objects.every((a, i) => a.size > 0 && objects.every((b, j) => i === j || [...a].some(([k, c]) => b.has(k) && b.get(k) !== c)));
      return told && variants.every(openCheckable);
    }
    default:
      return SCALARS.has(schema[Kind] as string);
  }
}

/** An object schema's literal (const) properties. */
function literalsOf(schema: TSchema): Map<string, unknown> {
  const props = Object.entries((schema.properties ?? {}) as Record<string, TSchema>);
  return new Map(props.filter(([, p]) => p.const !== undefined).map(([k, p]) => [k, p.const]));
}

/** A copy of `schema` (symbol keys included) with every `additionalProperties: false` left out. */
function withObjectsOpen(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withObjectsOpen);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(schema)) {
    const value = (schema as Record<string | symbol, unknown>)[key];
    if (key !== 'additionalProperties' || value !== false) out[key] = withObjectsOpen(value);
  }
  return out;
}
