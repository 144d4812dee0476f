import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { fillDefaults } from './defaults.js';
import { documentLimitProblem } from './document-limits.js';
import { type ConfigProblem, TopologyError } from './problems.js';
import { type Topology, TopologySchema } from './schema/topology.js';
import { checkSemantics } from './semantics.js';
import { shapeProblems } from './shape-check.js';

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
  // First: everything below walks the document recursively.
  const tooBig = documentLimitProblem(doc);
  if (tooBig) return { ok: false, problems: [tooBig] };
  // Deeply frozen already: what is accepted is returned as it is.
  const filled = fillDefaults(TopologySchema, doc);
  const shape = shapeProblems(filled.value, filled.strays);
  if (shape !== undefined) return { ok: false, problems: shape };
  const topology = filled.value as Topology;
  const problems = checkSemantics(topology);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, topology: topology as LoadedTopology };
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

/**
 * The file named by SETGATE_CONFIG, else the shipped local topology (resolved through the
 * package's exports: compiled code runs from `.tsbuild/`, so a path relative to this module would miss it).
 */
export function defaultTopologyPath(): string {
  return process.env.SETGATE_CONFIG ?? fileURLToPath(import.meta.resolve('@setgate/config/topology.yaml'));
}
