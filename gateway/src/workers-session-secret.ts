import { randomBytes } from 'node:crypto';

/**
 * With no `gateway.sessionTokenSecret` a gateway signs session tokens with a
 * secret of its own making, honoured by that process alone. Its workers must
 * honour each other's tokens (a client's next request may reach another worker),
 * so the primary makes that secret once and hands it to every worker it forks
 * in this variable; a worker reads it and removes it from its environment.
 */
export const WORKERS_SESSION_SECRET_ENV = 'SETGATE_WORKERS_SESSION_SECRET';

/** The primary's side: the environment its workers get. */
export function workersSessionSecretEnv(): Record<string, string> {
  return { [WORKERS_SESSION_SECRET_ENV]: randomBytes(32).toString('hex') };
}

/** A worker's side: the shared secret, if its primary made one; gone from the environment after. */
export function takeWorkersSessionSecret(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const secret = env[WORKERS_SESSION_SECRET_ENV];
  delete env[WORKERS_SESSION_SECRET_ENV];
  return secret || undefined;
}
