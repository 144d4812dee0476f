import { writeFileSync } from 'node:fs';
import { defaultTopologyPath, devSecretEnv, type LoadedTopology, loadTopologyFile, TopologyError } from '@setgate/config';
import { signDevToken } from '@setgate/config/dev-token';
import type { Outcome } from './commands.js';
import { UsageError } from './commands.js';

/**
 * A token file, as the k6 scripts (`SETGATE_TOKENS`) and load tools read it:
 * one bearer token per user, signed by the topology's first issuer. It holds
 * tokens, never the signing key.
 */
export interface TokenFile {
  readonly issuer: string;
  readonly audience: string;
  /** When the tokens expire (ISO 8601); all share one lifetime. */
  readonly expiresAt: string;
  readonly users: ReadonlyArray<{ readonly sub: string; readonly token: string }>;
}

/** How many tokens and for whom. */
export interface TokenFileOptions {
  readonly users: number;
  /** Subjects are `<prefix><i>`; the k6 scripts' own signing uses `k6-user-`, so both address the same users. */
  readonly prefix: string;
  readonly ttlSec: number;
  readonly scope?: string;
}

/** Most tokens one call makes: a load test's users, not a credential dump. */
export const MAX_TOKENS = 100_000;

/**
 * Signs one development token per user with config's dev token signer (the one npm start uses):
 * the topology's first issuer and key, its secret read where the reference points, in `env`.
 */
export async function makeTokenFile(topology: LoadedTopology, opts: TokenFileOptions, env: NodeJS.ProcessEnv = process.env): Promise<TokenFile> {
  const issuer = topology.auth.issuers[0];
  if (!issuer) throw new Error('the topology has no issuer to sign tokens with');
  // Read before signing so expiresAt never claims more than any token grants.
  const expiresAt = new Date((Math.floor(Date.now() / 1000) + opts.ttlSec) * 1000).toISOString();
  const users: Array<{ sub: string; token: string }> = [];
  for (let i = 0; i < opts.users; i++) {
    const sub = `${opts.prefix}${i}`;
    users.push({ sub, token: await signDevToken(topology, { sub, ttlSec: opts.ttlSec, ...(opts.scope ? { scope: opts.scope } : {}) }, env) });
  }
  return { issuer: issuer.issuer, audience: issuer.audience, expiresAt, users };
}

/** Command-line values `setgate tokens` reads. */
export interface TokensArgs {
  readonly users?: string | undefined;
  readonly out?: string | undefined;
  readonly ttl?: string | undefined;
  readonly prefix?: string | undefined;
  readonly scope?: string | undefined;
  readonly config?: string | undefined;
}

/**
 * `setgate tokens --users N [--out FILE] [--ttl SEC] [--prefix P] [--scope S] [--config FILE]`:
 * a local command (no control plane). Writes the token file to FILE (mode 0600)
 * or, without --out, prints it.
 */
export async function tokens(args: TokensArgs): Promise<Outcome> {
  const users = whole(args.users ?? '100', '--users', 1, MAX_TOKENS);
  const ttlSec = whole(args.ttl ?? '3600', '--ttl', 1, 30 * 24 * 3600);
  const path = args.config ?? defaultTopologyPath();
  let topology: LoadedTopology;
  try {
    topology = loadTopologyFile(path);
  } catch (err) {
    const detail = err instanceof TopologyError ? err.message : (err as Error).message;
    return { code: 1, json: { error: 'topology', path, detail }, text: `cannot use ${path}: ${detail}` };
  }
  let file: TokenFile;
  try {
    // A variable the caller sets wins; else the key `npm start` generated for its data directory.
    const env = { ...process.env, ...devSecretEnv(topology, process.env.SETGATE_DATA_DIR ?? 'data', { create: false }) };
    file = await makeTokenFile(topology, { users, ttlSec, prefix: args.prefix ?? 'k6-user-', ...(args.scope ? { scope: args.scope } : {}) }, env);
  } catch (err) {
    return { code: 1, json: { error: 'sign', detail: (err as Error).message }, text: `cannot sign tokens: ${(err as Error).message}` };
  }
  if (args.out === undefined) return { code: 0, json: file, text: JSON.stringify(file, null, 2) };
  writeFileSync(args.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  const summary = { out: args.out, users: file.users.length, issuer: file.issuer, audience: file.audience, expiresAt: file.expiresAt };
  return { code: 0, json: summary, text: `wrote ${file.users.length} tokens to ${args.out} (issuer ${file.issuer}, audience ${file.audience}, expire ${file.expiresAt})` };
}

function whole(raw: string, name: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}
