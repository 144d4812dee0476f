import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretSites, type WithSecrets } from './secrets.js';

/** Where `npm start` keeps the development secrets it generated: `<data>/secrets/<VARIABLE>`, mode 0600. */
export function devSecretsDir(dataDir: string): string {
  return join(dataDir, 'secrets');
}

/**
 * Values for the topology's `{ env: NAME }` HMAC keys that `env` does not
 * set: the one kept in `<data>/secrets/NAME`, or with `create` a fresh
 * random one written there first (so a restart, and `setgate tokens`, see
 * the same key). A local stack thus runs without any secret in its config or
 * in the repository; file references and variables the caller sets are left
 * as they are.
 */
export function devSecretEnv(
  topology: WithSecrets,
  dataDir: string,
  opts: { readonly create: boolean; readonly env?: NodeJS.ProcessEnv },
): Record<string, string> {
  const env = opts.env ?? process.env;
  const out: Record<string, string> = {};
  for (const { ref, kind } of secretSites(topology)) {
    // Only setgate's own keys: another service's password must match that service.
    if (kind !== 'hmac') continue;
    const name = ref.env;
    if (name === undefined || env[name] !== undefined || out[name] !== undefined) continue;
    const path = join(devSecretsDir(dataDir), name);
    let value: string | undefined;
    try {
      value = readFileSync(path, 'utf8').trim();
    } catch {
      if (!opts.create) continue;
      value = randomBytes(32).toString('base64url');
      mkdirSync(devSecretsDir(dataDir), { recursive: true, mode: 0o700 });
      writeFileSync(path, `${value}\n`, { mode: 0o600 });
    }
    out[name] = value;
  }
  return out;
}
