import { createHash } from 'node:crypto';
import { GatewayErrors } from '../../errors.js';
import type { AuthConfig } from './issuer-keys.js';
import type { Principal } from './principal.js';

/** The header clients send an API key in. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * API keys from config, stored as SHA-256 hashes: a leaked config does not
 * leak keys. A lookup costs one SHA-256 of the presented key (~1 µs), so no
 * cache is needed; a high-entropy key makes a plain hash enough (no salt or
 * slow KDF, which exist for guessable passwords).
 */
export class ApiKeyAuthenticator {
  private readonly byHash = new Map<string, Principal>();

  constructor(auth: AuthConfig) {
    for (const k of auth.apiKeys) {
      this.byHash.set(k.sha256, {
        subject: k.subject ?? `apikey:${k.id}`,
        issuer: 'apikey',
        tenant: k.tenant,
        scopes: new Set(k.scopes),
        validUntilMs: Number.POSITIVE_INFINITY,
      });
    }
  }

  /** The principal of a configured key; throws a 401 SETGATE_GW_INVALID_API_KEY otherwise. */
  authenticate(key: string): Principal {
    const principal = this.byHash.get(createHash('sha256').update(key).digest('hex'));
    if (principal === undefined) throw GatewayErrors.create('SETGATE_GW_INVALID_API_KEY', { detail: 'The API key is not known.' });
    return principal;
  }
}
