import { readFileSync } from 'node:fs';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { withDefaults } from './defaults.js';
import { type ConfigProblem, TopologyError } from './problems.js';
import { type Topology, TopologySchema } from './schema/topology.js';
import { checkSemantics } from './semantics.js';

const checker = TypeCompiler.Compile(TopologySchema);

/** Deeply frozen view: a loaded topology is never mutated in place. */
export type Frozen<T> = T extends (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export type LoadedTopology = Frozen<Topology>;

export type ValidationResult =
  | { readonly ok: true; readonly topology: LoadedTopology }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * Validates an already-parsed document: fills defaults, checks shape against
 * the schema, then semantics. Every problem is reported, not just the first.
 */
export function validateTopology(doc: unknown): ValidationResult {
  const filled = withDefaults(TopologySchema, doc);
  // The compiled check is fast; walking for every error only pays off when there are some.
  if (!checker.Check(filled)) {
    const shape: ConfigProblem[] = [];
    for (const e of checker.Errors(filled)) shape.push({ path: e.path, message: e.message });
    return { ok: false, problems: dedupe(shape) };
  }
  const topology = filled as Topology;
  const problems = checkSemantics(topology);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, topology: deepFreeze(topology) };
}

/** Parses YAML (a superset of JSON) and validates it. */
export function parseTopology(text: string, source = 'topology'): ValidationResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `${source} is not valid YAML/JSON: ${(err as Error).message}` }] };
  }
  return validateTopology(doc);
}

/** Reads and validates a topology file; throws TopologyError listing every problem. */
export function loadTopologyFile(path: string): LoadedTopology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TopologyError([{ path: '', message: `cannot read ${path}: ${(err as Error).message}` }], path);
  }
  const result = parseTopology(text, path);
  if (!result.ok) throw new TopologyError(result.problems, path);
  return result.topology;
}

/** The file named by SETGATE_CONFIG, else the shipped local topology. */
export function defaultTopologyPath(): string {
  return process.env.SETGATE_CONFIG ?? new URL('../topology.yaml', import.meta.url).pathname;
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

function deepFreeze<T>(value: T): Frozen<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
    }
  }
  return value as Frozen<T>;
}
