import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { LoadedTopology } from '@setgate/config';
import { AdminClient, applyDocument, describeServed, readDocument, servedVsFile } from '@setgate/config/cli';
import { devAdminTokens } from './admin-tokens.js';

/** Where the control plane keeps its versions, as `npm start` names it. */
export function storedIn(topology: LoadedTopology, dataDir: string): string {
  const store = topology.controlPlane?.store;
  return !store || store.kind === 'file' ? join(dataDir, 'control-plane') : `the control plane's ${store.kind} store`;
}

export interface ConfigSourceOptions {
  /** The running control plane's API URL. */
  readonly url: string;
  readonly topology: LoadedTopology;
  /** The topology file `npm start` was given. */
  readonly file: string;
  readonly dataDir: string;
  /** `--from-file`: when the file differs from the served version, apply it as the next version. */
  readonly fromFile: boolean;
}

/**
 * Which config the started stack serves and where it came from: after the first start the
 * control plane's stored versions win over the file, so this says when they differ (with
 * the differences), and with `--from-file` applies the file as a new audited version.
 */
export async function reportConfigSource(o: ConfigSourceOptions): Promise<string> {
  // A file may change anything, admin-only fields included: the caller's token, else the development admin one.
  const token = process.env.SETGATE_ADMIN_TOKEN ?? devAdminTokens(o.topology).find((t) => t.role === 'admin')?.token;
  const client = new AdminClient(o.url, token);
  const document = await readDocument(o.file);
  const s = await servedVsFile(client, document);
  const described = describeServed(s, o.file, storedIn(o.topology, o.dataDir));
  if (s.changes.length === 0 || !o.fromFile) return described;
  try {
    const version = await applyDocument(client, document, s.served.version, `npm start --from-file ${o.file}`);
    return `config: applied ${o.file} as version ${version} over stored version ${s.served.version} (${s.changes.length} change(s), audited); serving it\n`;
  } catch (err) {
    return `${described}config: --from-file could not apply it: ${(err as Error).message}\n`;
  }
}

/**
 * `--reset`: deletes the local data directory (stored config versions, node data, logs)
 * once the user confirms at the terminal, or with `--yes`. False when not confirmed.
 */
export async function resetData(dataDir: string, yes: boolean): Promise<boolean> {
  if (!existsSync(dataDir)) return true;
  if (!yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`--reset deletes ${dataDir}; not at a terminal, confirm with --reset --yes\n`);
      return false;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`--reset deletes ${dataDir} (stored config versions, node data, logs). Type "yes" to go on: `);
    rl.close();
    if (answer.trim() !== 'yes') return false;
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(`deleted ${dataDir}: starting over from the file\n`);
  return true;
}
