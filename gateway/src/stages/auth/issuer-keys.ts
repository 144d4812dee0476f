import { webcrypto } from 'node:crypto';
import { type LoadedTopology, resolveSecret } from '@setgate/config';
import { type CryptoKey, createRemoteJWKSet, importSPKI, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';

/** The topology's `auth` section. */
export type AuthConfig = LoadedTopology['auth'];

/** A verification key with the one algorithm it may verify. */
export interface VerifyKey {
  readonly alg: string;
  readonly key: CryptoKey;
}

/** One trusted issuer with its keys imported and its verify options fixed. */
export interface IssuerKeys {
  readonly issuer: string;
  /** Options for jose's jwtVerify: issuer, audience, pinned algorithms, tolerance, required claims. */
  readonly verifyOptions: Readonly<JWTVerifyOptions>;
  /** Configured keys to try for a token with this `kid` and `alg` header. */
  keysFor(kid: string | undefined, alg: string): readonly CryptoKey[];
  /** The issuer's JWKS (cached, refetched at most once per cooldown on an unknown kid), if configured. */
  readonly jwks: JWTVerifyGetKey | undefined;
}

const encoder = new TextEncoder();

/**
 * Imports every issuer's keys once, at start: handing jose a raw secret or a
 * PEM makes it re-import the key on every verify (~200 µs per call). Each key
 * is bound to one algorithm, and only the issuer's pinned algorithms are
 * accepted, so a token cannot choose how it is checked (no `none`, no
 * HS256-signed-with-the-RSA-public-key confusion).
 */
export async function importIssuerKeys(auth: AuthConfig): Promise<Map<string, IssuerKeys>> {
  const issuers = new Map<string, IssuerKeys>();
  for (const def of auth.issuers) {
    const keys: { kid: string | undefined; k: VerifyKey }[] = [];
    for (const [j, k] of def.keys.entries()) {
      // The config holds only where the secret is; it is read here, once, and kept only inside the CryptoKey.
      const secret = resolveSecret(k.secret, `issuer ${def.issuer} key ${k.kid ?? j}`);
      const key = await webcrypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'verify',
      ]);
      keys.push({ kid: k.kid, k: { alg: 'HS256', key } });
    }
    for (const k of def.publicKeys) keys.push({ kid: k.kid, k: { alg: k.alg, key: await importSPKI(k.pem, k.alg) } });
    const pinned = new Set<string>(def.algorithms);
    for (const { k } of keys) {
      if (!pinned.has(k.alg)) throw new Error(`issuer ${def.issuer}: a ${k.alg} key is configured but ${k.alg} is not in its algorithms`);
    }
    if (keys.length === 0 && def.jwks === undefined) throw new Error(`issuer ${def.issuer} has no keys, publicKeys or jwks`);
    const jwks =
      def.jwks === undefined
        ? undefined
        : createRemoteJWKSet(new URL(def.jwks.url), {
            cacheMaxAge: def.jwks.cacheMaxAgeMs,
            cooldownDuration: def.jwks.cooldownMs,
            timeoutDuration: def.jwks.timeoutMs,
          });
    issuers.set(def.issuer, {
      issuer: def.issuer,
      verifyOptions: Object.freeze({
        issuer: def.issuer,
        audience: def.audience,
        algorithms: [...def.algorithms],
        clockTolerance: auth.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      }),
      keysFor(kid, alg) {
        const sameAlg = keys.filter((e) => e.k.alg === alg);
        if (kid === undefined) return sameAlg.map((e) => e.k.key);
        const named = sameAlg.filter((e) => e.kid === kid);
        // An unknown kid may still match a key configured without one.
        return (named.length > 0 ? named : sameAlg.filter((e) => e.kid === undefined)).map((e) => e.k.key);
      },
      jwks,
    });
  }
  return issuers;
}
