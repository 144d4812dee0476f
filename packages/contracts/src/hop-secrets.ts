import { readFileSync, statSync } from 'node:fs';
import { INTERNAL_TOKEN_ENV } from './replication-api.js';

/**
 * Env var: secrets still accepted but never sent (comma-separated), for a
 * rotation: the old secret while every process moves to the new one.
 */
export const INTERNAL_TOKEN_PREVIOUS_ENV = 'SETGATE_INTERNAL_TOKEN_PREVIOUS';
/**
 * Env var: a file holding the hop secrets, re-read when it changes (no
 * restart): the first non-empty line is sent and accepted, further lines are
 * accepted only. Takes precedence over SETGATE_INTERNAL_TOKEN(_PREVIOUS).
 */
export const INTERNAL_TOKEN_FILE_ENV = 'SETGATE_INTERNAL_TOKEN_FILE';

/** How often a secrets file is checked for changes. */
const FILE_POLL_MS = 1000;
const BEARER = 'Bearer ';

/**
 * The stack's hop secrets as one process holds them: `current` is what it
 * sends, every accepted secret (current and previous ones) is what it lets
 * in. The check compares against every accepted secret in constant time
 * (sameText) and allocates nothing. `update` swaps the set in place
 * (file rotation); callers read `current` per request.
 */
export class HopSecrets {
  private accepted: readonly string[] = [];
  private sent = '';
  private sentBearer = '';

  constructor(current: string, previous: readonly string[] = []) {
    this.update(current, previous);
  }

  /** The secret this process sends on its hops. */
  get current(): string {
    return this.sent;
  }

  /** `Bearer <current>`: the `authorization` value for a node's listeners, built once. */
  get bearer(): string {
    return this.sentBearer;
  }

  /** Replaces the secrets: `current` is sent, it and `previous` are accepted. */
  update(current: string, previous: readonly string[] = []): void {
    if (current.length === 0) throw new Error('a hop secret cannot be empty');
    this.sent = current;
    this.sentBearer = `${BEARER}${current}`;
    this.accepted = [current, ...previous.filter((p) => p.length > 0)];
  }

  /** True when `given` is one of the accepted secrets (constant time in the secret's content). */
  accepts(given: string | undefined): boolean {
    if (given === undefined || given.length === 0) return false;
    let ok = false;
    // Every accepted secret is compared, so the time does not say which one matched.
    for (const a of this.accepted) if (sameText(a, given)) ok = true;
    return ok;
  }

  /** True when an `authorization` header is `Bearer <an accepted secret>`. */
  acceptsBearer(header: string | undefined): boolean {
    return header?.startsWith(BEARER) === true && this.accepts(header.slice(BEARER.length));
  }
}

/** Pollers of secrets files, by path (stopWatchingHopSecrets ends them). */
const polls = new Map<string, NodeJS.Timeout[]>();

/** What identifies a version of the file: its inode, size and modification time ('gone' when it cannot be read). */
function fileKey(file: string): string {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'gone';
  }
}

/** Parses a secrets file: first non-empty line sent, all lines accepted. */
function parseSecretsFile(text: string): { current: string; previous: string[] } | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const [current, ...previous] = lines;
  return current === undefined ? undefined : { current, previous };
}

/**
 * The process's hop secrets from its environment: SETGATE_INTERNAL_TOKEN_FILE
 * (watched: a rotation needs no restart) or SETGATE_INTERNAL_TOKEN plus
 * SETGATE_INTERNAL_TOKEN_PREVIOUS. Undefined when none is set: hops are then
 * unauthenticated (loopback development only; `npm start` always sets one).
 * `onReload` hears of every file change, with an error when the file became
 * unusable (the secrets in force are kept then).
 */
export function hopSecretsFromEnv(env: NodeJS.ProcessEnv = process.env, onReload?: (err?: Error) => void): HopSecrets | undefined {
  const file = env[INTERNAL_TOKEN_FILE_ENV];
  if (file) {
    // Stat before the read: a change made after it shows as a different stat at the next poll, so no
    // change can slip in between the read and the first comparison (fs.watchFile's own first stat runs
    // later, on the thread pool, and a change made before it was never seen).
    let seen = fileKey(file);
    const first = parseSecretsFile(readFileSync(file, 'utf8'));
    if (first === undefined) throw new Error(`${INTERNAL_TOKEN_FILE_ENV} names a file without a secret`);
    const secrets = new HopSecrets(first.current, first.previous);
    const poll = setInterval(() => {
      const key = fileKey(file);
      if (key === seen) return;
      seen = key;
      if (key === 'gone') return onReload?.(new Error('the hop secrets file is gone; keeping the secrets in force'));
      try {
        const next = parseSecretsFile(readFileSync(file, 'utf8'));
        if (next === undefined) return onReload?.(new Error('the hop secrets file is empty; keeping the secrets in force'));
        secrets.update(next.current, next.previous);
        onReload?.();
      } catch (err) {
        onReload?.(err as Error);
      }
    }, FILE_POLL_MS);
    poll.unref();
    polls.set(file, [...(polls.get(file) ?? []), poll]);
    return secrets;
  }
  const current = env[INTERNAL_TOKEN_ENV];
  if (!current) return undefined;
  const previous = (env[INTERNAL_TOKEN_PREVIOUS_ENV] ?? '').split(',').map((s) => s.trim());
  return new HopSecrets(current, previous);
}

let processSecrets: { value: HopSecrets | undefined } | undefined;

/**
 * The hop secrets of this process (hopSecretsFromEnv of process.env), read
 * once: every hop of a process shares one set, and one file watch.
 */
export function processHopSecrets(onReload?: (err?: Error) => void): HopSecrets | undefined {
  processSecrets ??= { value: hopSecretsFromEnv(process.env, onReload) };
  return processSecrets.value;
}

/** Stops watching a secrets file (tests). */
export function stopWatchingHopSecrets(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[INTERNAL_TOKEN_FILE_ENV];
  if (!file) return;
  for (const t of polls.get(file) ?? []) clearInterval(t);
  polls.delete(file);
}

/**
 * Whether two strings are equal, in time that depends on their length only: every code unit is
 * compared and the differences OR-ed, with no branch on the content. Plain JavaScript on purpose:
 * `timingSafeEqual` needs both sides as buffers, and building one from the presented string per
 * request (Buffer.from, or a write into a reused buffer) plus the call into C++ measured ~2 µs of a
 * node's ~3.5 µs hop check (`npm run bench -- hop-check`); this loop brought the check to ~1.5 µs.
 * The length is compared first, as before: it says how long the secret is, not what it is.
 */
function sameText(expected: string, given: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0;
}
