import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type { SecretRef } from './schema/secret.js';

export type SecretRefDef = Readonly<Static<typeof SecretRef>>;

/** The parts of a topology (loaded or not) that hold secret references. */
export interface WithSecrets {
  readonly auth: { readonly issuers: ReadonlyArray<{ readonly keys: ReadonlyArray<{ readonly secret: SecretRefDef }> }> };
  readonly gateway: { readonly sessionTokenSecret?: SecretRefDef | undefined; readonly previousSessionTokenSecret?: SecretRefDef | undefined };
}

/** Shortest secret accepted: an HMAC key must not be guessable. */
export const MIN_SECRET_CHARS = 32;

/**
 * A secret reference that cannot be resolved where it is needed. The message
 * names the reference (a variable or a path), never a value.
 */
export class SecretError extends Error {
  readonly code = 'SETGATE_CONFIG_SECRET_UNRESOLVED';
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/** `environment variable X` or `file /p`: how a reference is named in messages. */
export function describeSecretRef(ref: SecretRefDef): string {
  return ref.env !== undefined ? `environment variable ${ref.env}` : `file ${ref.file ?? '(none)'}`;
}

/**
 * The value behind `ref`, read from `env` or the file it names; `what` says
 * what it is for in the error. Throws SecretError when it is missing or
 * shorter than MIN_SECRET_CHARS.
 */
export function resolveSecret(ref: SecretRefDef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  let value: string | undefined;
  if (ref.env !== undefined) value = env[ref.env];
  else if (ref.file !== undefined) {
    try {
      value = readFileSync(ref.file, 'utf8').trim();
    } catch (err) {
      throw new SecretError(`${what}: cannot read ${describeSecretRef(ref)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (value === undefined || value === '') throw new SecretError(`${what}: ${describeSecretRef(ref)} is not set`);
  if (value.length < MIN_SECRET_CHARS) {
    throw new SecretError(`${what}: the secret in ${describeSecretRef(ref)} has fewer than ${MIN_SECRET_CHARS} characters`);
  }
  return value;
}

/** One secret reference of a topology, at its JSON-pointer path. */
export interface SecretSite {
  readonly path: string;
  readonly ref: SecretRefDef;
}

/** Every secret reference in `t`: the issuers' HMAC keys and the session-token keys. */
export function secretSites(t: WithSecrets): SecretSite[] {
  const sites: SecretSite[] = [];
  for (const [i, issuer] of t.auth.issuers.entries()) {
    for (const [j, k] of issuer.keys.entries()) sites.push({ path: `/auth/issuers/${i}/keys/${j}/secret`, ref: k.secret });
  }
  if (t.gateway.sessionTokenSecret) sites.push({ path: '/gateway/sessionTokenSecret', ref: t.gateway.sessionTokenSecret });
  if (t.gateway.previousSessionTokenSecret) {
    sites.push({ path: '/gateway/previousSessionTokenSecret', ref: t.gateway.previousSessionTokenSecret });
  }
  return sites;
}
