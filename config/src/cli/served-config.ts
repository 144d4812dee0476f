import type { Change } from '@setgate/config';
import type { VersionSummary } from '../control-plane/store/config-store.js';
import type { AdminClient } from './client.js';
import { formatChanges } from './format.js';

/** The version a control plane serves, and what a topology file would change in it. */
export interface ServedConfig {
  readonly served: VersionSummary;
  /** What the file changes against the served version; empty when they agree. */
  readonly changes: readonly Change[];
}

/**
 * Compares the file's document with the version the control plane serves. After the first
 * start the stored versions win over the file (operators' applies, failovers), so a
 * launcher says which one it serves and whether the file differs.
 */
export async function servedVsFile(client: AdminClient, document: unknown): Promise<ServedConfig> {
  const diff = (await client.call<{ baseVersion: number; changes: Change[] }>('POST', '/v1/config/diff', { document })).body;
  // The version the diff was made against, even if a newer one has been published since.
  const served = (await client.call<VersionSummary>('GET', `/v1/config/versions/${diff.baseVersion}`)).body;
  return { served, changes: diff.changes };
}

/** Stores the file's document as the next version (audited with `reason`); the new version's number. */
export async function applyDocument(client: AdminClient, document: unknown, baseVersion: number, reason: string): Promise<number> {
  return (await client.call<{ version: number }>('POST', '/v1/config/apply', { document, baseVersion, reason })).body.version;
}

const MAX_CHANGE_LINES = 20;

/**
 * `npm start`'s account of where its config comes from: the served version, who made it
 * and why; when the file differs, the differences and the two ways to act on them.
 */
export function describeServed(s: ServedConfig, file: string, storedIn: string): string {
  const v = s.served;
  const made = `version ${v.version}: "${v.reason}" by ${v.author} at ${v.time}`;
  if (s.changes.length === 0) {
    const origin = v.action.kind === 'bootstrap' ? 'made from that file at the first start' : made;
    return `config: serving version ${v.version}, the same as ${file} (stored in ${storedIn}; ${origin})\n`;
  }
  const lines = formatChanges(s.changes).split('\n');
  const shown = lines.slice(0, MAX_CHANGE_LINES).map((l) => `    ${l}`);
  if (lines.length > MAX_CHANGE_LINES) shown.push(`    … ${lines.length - MAX_CHANGE_LINES} more (./setgate diff ${file})`);
  return [
    `config: serving STORED version ${v.version} from ${storedIn}, not ${file}`,
    `  ${made}`,
    `  ${file} differs from it (${s.changes.length} change(s)):`,
    ...shown,
    `  to serve the file: npm start -- --from-file   (applies it as version ${v.version + 1}, audited)`,
    '  to start over from the file: npm start -- --reset   (deletes the local data after you confirm)',
    '',
  ].join('\n');
}
