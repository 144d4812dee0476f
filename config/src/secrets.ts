import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type { SecretRef } from './schema/secret.js';

export type SecretRefDef = Readonly<Static<typeof SecretRef>>;

/** A store that may name a password (Redis). */
interface WithPassword {
  readonly kind: string;
  readonly password?: SecretRefDef | undefined;
}

/** The parts of a topology (loaded or not) that hold secret references. */
export interface WithSecrets {
  readonly auth: { readonly issuers: ReadonlyArray<{ readonly keys: ReadonlyArray<{ readonly secret: SecretRefDef }> }> };
  readonly gateway: {
    readonly sessionTokenSecret?: SecretRefDef | undefined;
    readonly previousSessionTokenSecret?: SecretRefDef | undefined;
    readonly rateLimit?: { readonly redisPassword?: SecretRefDef | undefined };
  };
  readonly sets?: ReadonlyArray<{ readonly nodes: ReadonlyArray<{ readonly store: WithPassword }> }>;
  readonly controlPlane?: { readonly store: WithPassword } | undefined;
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
 * shorter than `minChars` (MIN_SECRET_CHARS: setgate's own HMAC keys; a
 * password of another service takes 1).
 */
export function resolveSecret(ref: SecretRefDef, what: string, env: NodeJS.ProcessEnv = process.env, minChars = MIN_SECRET_CHARS): string {
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
  if (value.length < minChars) {
    throw new SecretError(`${what}: the secret in ${describeSecretRef(ref)} has fewer than ${minChars} characters`);
  }
  return value;
}

/** One secret reference of a topology, at its JSON-pointer path. */
export interface SecretSite {
  readonly path: string;
  readonly ref: SecretRefDef;
  /** The one component that reads it (the launcher and `setgate tokens` also read the issuer keys, to sign). */
  readonly reader: 'gateway' | 'set-runtime' | 'control-plane';
  /** hmac: a key setgate itself signs and checks with (npm start may generate it); password: another service's credential. */
  readonly kind: 'hmac' | 'password';
}

/**
 * Every secret reference in `t`: the issuers' HMAC keys, the session-token
 * keys, and the Redis passwords (rate limits, node stores, the control plane's store).
 */
export function secretSites(t: WithSecrets): SecretSite[] {
  const sites: SecretSite[] = [];
  const add = (path: string, ref: SecretRefDef | undefined, reader: SecretSite['reader'], kind: SecretSite['kind']) => {
    if (ref) sites.push({ path, ref, reader, kind });
  };
  for (const [i, issuer] of t.auth.issuers.entries()) {
    for (const [j, k] of issuer.keys.entries()) add(`/auth/issuers/${i}/keys/${j}/secret`, k.secret, 'gateway', 'hmac');
  }
  add('/gateway/sessionTokenSecret', t.gateway.sessionTokenSecret, 'gateway', 'hmac');
  add('/gateway/previousSessionTokenSecret', t.gateway.previousSessionTokenSecret, 'gateway', 'hmac');
  add('/gateway/rateLimit/redisPassword', t.gateway.rateLimit?.redisPassword, 'gateway', 'password');
  for (const [i, set] of (t.sets ?? []).entries()) {
    for (const [j, n] of set.nodes.entries()) add(`/sets/${i}/nodes/${j}/store/password`, n.store.password, 'set-runtime', 'password');
  }
  add('/controlPlane/store/password', t.controlPlane?.store.password, 'control-plane', 'password');
  return sites;
}
