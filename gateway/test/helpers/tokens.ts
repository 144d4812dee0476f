import { SignJWT } from 'jose';
import { AUDIENCE, ISSUER, KID, SECRET } from './topology.js';

export interface TokenOptions {
  readonly sub?: string;
  readonly scope?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly secret?: string;
  /** Expiry in seconds since epoch; default one hour from `nowSec`. */
  readonly exp?: number;
  readonly nbf?: number;
  readonly nowSec?: number;
  readonly kid?: string | null;
  /** Extra claims, e.g. a tenant. */
  readonly claims?: Record<string, unknown>;
}

/** An HS256 token the test topology accepts unless an option says otherwise. */
export function signToken(opts: TokenOptions = {}): Promise<string> {
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...opts.claims, ...(opts.scope === undefined ? {} : { scope: opts.scope }) })
    .setProtectedHeader({ alg: 'HS256', ...(opts.kid === null ? {} : { kid: opts.kid ?? KID }) })
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setSubject(opts.sub ?? 'user-1')
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 3600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** An unsecured token (`alg: none`) with otherwise valid claims. */
export function unsecuredToken(sub = 'user-1'): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub, exp: now + 3600 })}.`;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
