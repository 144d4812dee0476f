import { webcrypto } from 'node:crypto';
import type { LoadedTopology } from '@setgate/config';
import type { CryptoKey, JWTVerifyOptions } from 'jose';

/** The topology's `auth` section. */
export type AuthConfig = LoadedTopology['auth'];

/** One trusted issuer with its keys imported and its verify options fixed. */
export interface IssuerKeys {
  readonly issuer: string;
  /** Options for jose's jwtVerify: issuer, audience, pinned algorithms, tolerance, required claims. */
  readonly verifyOptions: Readonly<JWTVerifyOptions>;
  /** Keys to try for a token with this `kid` header (or without one). */
  keysFor(kid: string | undefined): readonly CryptoKey[];
}

const encoder = new TextEncoder();

/**
 * Imports every issuer's HMAC secrets once, at start: handing jose a raw
 * secret makes it re-import the key on every verify (~200 µs per call).
 */
export async function importIssuerKeys(auth: AuthConfig): Promise<Map<string, IssuerKeys>> {
  const issuers = new Map<string, IssuerKeys>();
  for (const def of auth.issuers) {
    const byKid = new Map<string, CryptoKey>();
    const all: CryptoKey[] = [];
    const unnamed: CryptoKey[] = [];
    for (const k of def.keys) {
      const key = await webcrypto.subtle.importKey(
        'raw',
        encoder.encode(k.secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      all.push(key);
      if (k.kid === undefined) unnamed.push(key);
      else byKid.set(k.kid, key);
    }
    issuers.set(def.issuer, {
      issuer: def.issuer,
      verifyOptions: Object.freeze({
        issuer: def.issuer,
        audience: def.audience,
        // Pinned per issuer: a token cannot pick its own algorithm (no `none`, no confusion).
        algorithms: [...def.algorithms],
        clockTolerance: auth.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      }),
      keysFor(kid) {
        if (kid === undefined) return all;
        const named = byKid.get(kid);
        // An unknown kid may still match a key configured without one.
        return named ? [named] : unnamed;
      },
    });
  }
  return issuers;
}
