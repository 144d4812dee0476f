// @ts-check
import crypto from 'k6/crypto';
import { SharedArray } from 'k6/data';
import { auth } from './env.js';
import { signHs256 } from './jwt.js';

/**
 * A user the load runs as: its subject (also its shard key) and bearer token.
 * @typedef {{ readonly sub: string, readonly token: string }} User
 */

/**
 * A `setgate tokens` file.
 * @typedef {{ issuer: string, audience: string, expiresAt: string, users: User[] }} TokenFile
 */

/**
 * The users of a run, by index.
 * @typedef {{ readonly count: number, at(i: number): User }} UserPool
 */

/**
 * The users of a run. From `SETGATE_TOKENS` when set (read once in the init
 * context and shared by all VUs), else `count` users `k6-user-<i>` whose
 * tokens are signed with `SETGATE_JWT_SECRET` when a VU first needs them (so a
 * VU signs only its own users) and signed again past half their lifetime, so a
 * soak outlives `SETGATE_TOKEN_TTL_SEC`. Call it in the init context: `open` exists only there.
 * @param {number} count users wanted when signing; a token file brings its own
 * @returns {UserPool}
 */
export function loadUsers(count) {
  if (auth.tokenFile) {
    const file = auth.tokenFile;
    const users = new SharedArray('setgate-users', () => {
      /** @type {TokenFile} */
      const parsed = JSON.parse(open(file));
      if (!Array.isArray(parsed.users) || parsed.users.length === 0) throw new Error(`${file} holds no users`);
      if (Date.parse(parsed.expiresAt) < Date.now()) throw new Error(`the tokens in ${file} expired at ${parsed.expiresAt}`);
      return parsed.users;
    });
    return { count: users.length, at: (i) => /** @type {User} */ (users[i]) };
  }
  if (!auth.secret) throw new Error('set SETGATE_JWT_SECRET (the issuer key) or SETGATE_TOKENS (a `setgate tokens` file)');
  const secret = auth.secret;
  /** @type {import('./jwt.js').Signer} */
  const signer = {
    issuer: auth.issuer,
    audience: auth.audience,
    kid: auth.kid,
    hmac: (data) => crypto.hmac('sha256', secret, data, 'base64rawurl'),
  };
  /** @type {Map<number, { user: User, renewAtSec: number }>} */
  const signed = new Map();
  return {
    count,
    at(i) {
      const nowSec = Math.floor(Date.now() / 1000);
      let entry = signed.get(i);
      if (entry === undefined || nowSec >= entry.renewAtSec) {
        const sub = `${auth.prefix}${i}`;
        entry = { user: { sub, token: signHs256(signer, { sub, nowSec, ttlSec: auth.ttlSec }) }, renewAtSec: nowSec + Math.floor(auth.ttlSec / 2) };
        signed.set(i, entry);
      }
      return entry.user;
    },
  };
}
