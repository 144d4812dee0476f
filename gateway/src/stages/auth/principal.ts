import type { JWTPayload } from 'jose';

/** The caller, as a verified token describes it. */
export interface Principal {
  /** The token's `sub`: the key of `subject`-keyed commands, sent to nodes as x-setgate-subject. */
  readonly subject: string;
  readonly issuer: string;
  /** The tenant: a token's tenant claim (`regionalProxy.tenantClaim`) or an API key's tenant. Rate limits count per tenant when set; tenant residency applies. */
  readonly tenant: string | undefined;
  /** Scopes from the token's `scope` claim. */
  readonly scopes: ReadonlySet<string>;
  /** Until when (ms since epoch) the token stays acceptable: exp plus clock tolerance. */
  readonly validUntilMs: number;
}

/**
 * Scopes a token grants: `scope` as a space-separated string (RFC 8693) or,
 * as some issuers send it, an array of strings.
 */
export function scopesOf(payload: JWTPayload): Set<string> {
  const claim = payload.scope;
  if (typeof claim === 'string') return new Set(claim.split(' ').filter((s) => s.length > 0));
  if (Array.isArray(claim)) return new Set(claim.filter((s): s is string => typeof s === 'string'));
  return new Set();
}
