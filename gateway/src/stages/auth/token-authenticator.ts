import type { SetgateError } from '@setgate/contracts';
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { SHARD_KEY_RULE, shardKeyFault } from '@setgate/topology';
import { GatewayErrors } from '../../errors.js';
import { type AuthConfig, type IssuerKeys, importIssuerKeys } from './issuer-keys.js';
import { type Principal, scopesOf } from './principal.js';
import { TokenCache } from './token-cache.js';

/** Options of a token authenticator. */
export interface TokenAuthenticatorOptions {
  /** Trusted issuers, their keys and the clock tolerance: the topology's `auth`. */
  readonly auth: AuthConfig;
  /** Most verified tokens kept. */
  readonly cacheSize: number;
  /** Clock in ms since epoch; tests move it. Defaults to Date.now. */
  readonly now?: () => number;
  /**
   * Claim naming the caller's tenant: the topology's `regionalProxy.tenantClaim`,
   * so the proxy's residency and the gateway's limits and residency read one claim. Default `tenant`.
   */
  readonly tenantClaim?: string;
}

/** Counters that show what authentication costs. */
export interface AuthenticatorStats {
  /** Tokens verified cryptographically (cache misses that got as far as a signature check). */
  verifications: number;
  /** Requests served from the verified-token cache. */
  cacheHits: number;
}

/** `WWW-Authenticate` for a token that was sent but refused (RFC 6750 §3). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer realm="setgate", error="invalid_token"';

/**
 * Verifies bearer tokens (HS256, RS256, ES256, EdDSA, pinned per issuer) against the configured issuers and caches the
 * verified ones until they expire, so a client's second request costs a lookup.
 */
export class TokenAuthenticator {
  readonly stats: AuthenticatorStats = { verifications: 0, cacheHits: 0 };
  private readonly cache: TokenCache<Principal>;
  private readonly toleranceMs: number;
  private readonly now: () => number;
  private readonly clockGiven: boolean;
  private readonly tenantClaim: string;

  private constructor(
    private readonly issuers: ReadonlyMap<string, IssuerKeys>,
    opts: TokenAuthenticatorOptions,
  ) {
    this.cache = new TokenCache(opts.cacheSize);
    this.toleranceMs = opts.auth.clockToleranceSec * 1000;
    this.now = opts.now ?? Date.now;
    this.clockGiven = opts.now !== undefined;
    this.tenantClaim = opts.tenantClaim ?? 'tenant';
  }

  /** Imports the issuers' keys once and returns a ready authenticator. */
  static async create(opts: TokenAuthenticatorOptions): Promise<TokenAuthenticator> {
    return new TokenAuthenticator(await importIssuerKeys(opts.auth), opts);
  }

  /**
   * The principal of a valid token: synchronously from the cache, else after
   * verification. Rejects with SETGATE_GW_INVALID_TOKEN.
   */
  authenticate(token: string): Principal | Promise<Principal> {
    const nowMs = this.now();
    const cached = this.cache.get(token, nowMs);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      return cached;
    }
    return this.verify(token, nowMs);
  }

  private async verify(token: string, nowMs: number): Promise<Principal> {
    let iss: string | undefined;
    let kid: string | undefined;
    let alg: string | undefined;
    try {
      iss = decodeJwt(token).iss;
      ({ kid, alg } = decodeProtectedHeader(token));
    } catch (err) {
      throw invalidToken('malformed token', err);
    }
    const issuer = iss === undefined ? undefined : this.issuers.get(iss);
    if (issuer === undefined) throw invalidToken('token issuer is not trusted');
    // Checked before any key is touched; jwtVerify checks it again.
    if (alg === undefined || !issuer.verifyOptions.algorithms?.includes(alg)) throw invalidToken(`algorithm ${alg} is not accepted from this issuer`);
    const keys = issuer.keysFor(kid, alg);
    const options = this.clockGiven ? { ...issuer.verifyOptions, currentDate: new Date(nowMs) } : issuer.verifyOptions;
    if (keys.length === 0) {
      if (issuer.jwks === undefined) throw invalidToken('token key id is not known');
      this.stats.verifications++;
      let verified: JWTPayload;
      try {
        verified = (await jwtVerify(token, issuer.jwks, options)).payload;
      } catch (err) {
        throw invalidToken(describe(err), err);
      }
      return this.remember(token, verified, issuer.issuer);
    }

    this.stats.verifications++;
    let failure: unknown;
    for (const key of keys) {
      let verified: JWTPayload;
      try {
        verified = (await jwtVerify(token, key, options)).payload;
      } catch (err) {
        // A signature mismatch may be a rotated key: try the next one. Anything else is final.
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw invalidToken(describe(err), err);
        failure = err;
        continue;
      }
      return this.remember(token, verified, issuer.issuer);
    }
    throw invalidToken(describe(failure), failure);
  }

  private remember(token: string, payload: JWTPayload, issuer: string): Principal {
    const claim = payload[this.tenantClaim];
    const tenant = typeof claim === 'string' && claim.length > 0 ? claim : undefined;
    // Checked once per token, before it is cached: a cached principal is always one a node can be told about.
    unusableIdentity('subject', payload.sub);
    if (tenant !== undefined) unusableIdentity(`tenant claim ${this.tenantClaim}`, tenant);
    const principal: Principal = {
      subject: payload.sub as string,
      issuer,
      tenant,
      scopes: scopesOf(payload),
      // jwtVerify accepted the token up to exp + tolerance; the cache must not accept more.
      validUntilMs: (payload.exp as number) * 1000 + this.toleranceMs,
    };
    this.cache.set(token, principal);
    return principal;
  }
}

/**
 * Throws 400 SETGATE_GW_INVALID_SUBJECT when a verified token's subject (or
 * tenant) breaks the shard-key rule: it is the key of subject-keyed commands
 * and travels to nodes in a header, so a value no header can carry must be
 * refused here, before routing, not fail in the forward stage as if a node had.
 */
function unusableIdentity(what: string, value: unknown): void {
  const fault = typeof value === 'string' ? shardKeyFault(value) : 'is missing';
  if (fault === undefined) return;
  throw GatewayErrors.create('SETGATE_GW_INVALID_SUBJECT', {
    detail: `The token's ${what} ${fault}; it must be ${SHARD_KEY_RULE}.`,
  });
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JOSEError) return err.message;
  return 'token could not be verified';
}

/** A 401 SETGATE_GW_INVALID_TOKEN with its Bearer challenge. */
export function invalidToken(detail: string, cause?: unknown): SetgateError {
  return GatewayErrors.create('SETGATE_GW_INVALID_TOKEN', {
    detail,
    headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE },
    cause,
  });
}
