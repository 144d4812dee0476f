import { readFileSync } from 'node:fs';
import { type LoadedTopology, validateTopology } from '@setgate/config';
import { parse } from 'yaml';

/** The shipped config/topology.yaml, parsed but not validated, for tests to edit. */
export const shippedDoc = () =>
  parse(readFileSync(new URL('../../../../config/topology.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

/** The shipped topology after `edit`, validated (throws with the problems when refused). */
export const topology = (edit?: (doc: Record<string, unknown>) => void): LoadedTopology => {
  const doc = shippedDoc();
  edit?.(doc);
  const r = validateTopology(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
};
