import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Environment variable naming a file where a component records its admin
 * listener's local URL once both listeners are up (the image sets it): the
 * container's health check reads it, so one HEALTHCHECK serves every
 * component whatever its instance and ports.
 */
export const READY_FILE_ENV = 'SETGATE_READY_FILE';

/** The URL this process reaches its own admin listener at: loopback when it listens on every address. */
export function localAdminUrl(bindHost: string, adminPort: number): string {
  const host = bindHost === '0.0.0.0' || bindHost === '' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${adminPort}`;
}

/** Records the admin URL in the ready file, when the environment names one. */
export function writeReadyFile(adminUrl: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[READY_FILE_ENV];
  if (file) writeFileSync(file, `${adminUrl}\n`);
}

/** Removes the ready file: a process shutting down is no longer healthy. */
export function removeReadyFile(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[READY_FILE_ENV];
  if (file) rmSync(file, { force: true });
}

/**
 * The container health check: healthy when the ready file names an admin
 * listener whose `/_setgate/health` answers 2xx within `timeoutMs`.
 */
export async function checkReadyFile(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<{ ok: boolean; detail: string }> {
  const file = env[READY_FILE_ENV];
  if (!file) return { ok: false, detail: `${READY_FILE_ENV} is not set` };
  let adminUrl: string;
  try {
    adminUrl = readFileSync(file, 'utf8').trim();
  } catch {
    return { ok: false, detail: 'not ready yet (no ready file)' };
  }
  try {
    const res = await fetch(`${adminUrl}/_setgate/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: res.ok, detail: `${adminUrl}/_setgate/health answered ${res.status}` };
  } catch (err) {
    return { ok: false, detail: `${adminUrl}/_setgate/health: ${(err as Error).message}` };
  }
}
