import { type LoadedTopology, resolveSecret } from '@setgate/config';
import { SignJWT } from 'jose';

export interface DevTokenOptions {
  /** Subject: the user id, which is also the shard key of the shop commands. */
  readonly sub: string;
  readonly ttlSec?: number;
  readonly scope?: string;
}

/**
 * Signs a token with the topology's first issuer and key. Only for local
 * topologies: the HS256 secret is read where its reference points (the
 * environment `npm start` sets up, see config/src/dev-secrets.ts).
 */
export async function signDevToken(topology: LoadedTopology, opts: DevTokenOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const issuer = topology.auth.issuers[0];
  const key = issuer?.keys[0];
  if (!issuer || !key) throw new Error('topology has no issuer key to sign a development token with');
  return new SignJWT({ ...(opts.scope ? { scope: opts.scope } : {}) })
    .setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}) })
    .setSubject(opts.sub)
    .setIssuer(issuer.issuer)
    .setAudience(issuer.audience)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSec ?? 3600}s`)
    .sign(new TextEncoder().encode(resolveSecret(key.secret, `issuer ${issuer.issuer} key ${key.kid ?? 0}`, env)));
}
