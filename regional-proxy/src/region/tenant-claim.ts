/**
 * The tenant a request claims to act for: the named claim of its bearer
 * token (a JWS in compact form), read WITHOUT verifying the signature.
 *
 * Why reading an unverified claim is safe here, and only here: the proxy uses
 * the tenant for one thing, to *narrow* the regions a request may be served in
 * (tenant residency), never to widen them and never to grant anything. A
 * genuine token carries its real tenant, so the tenant's own requests always
 * get their residency. Someone who edits the claim breaks the signature: the
 * gateway, which verifies every token, refuses the request, so all a forger
 * achieves is choosing where their own refused request is refused. The
 * unsafe uses would be the opposite ones — a claim that lifts a restriction
 * (e.g. "this tenant may go anywhere") or that selects data or identity — and
 * the proxy makes none of them. The gateway must still check residency
 * itself, since a client that reaches a gateway directly skips this hop.
 *
 * A token the proxy cannot read (not a JWS, an encrypted JWE, a non-string
 * claim) yields no tenant, so only command residency applies; the gateway
 * refuses such a token anyway.
 */
export function tenantOf(authorization: string | undefined, claim: string): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined;
  // RFC 9110 auth schemes are case-insensitive.
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  // A JWS has exactly three parts; a JWE has five and its payload is ciphertext.
  if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const value = (payload as Record<string, unknown>)[claim];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
