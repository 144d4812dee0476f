// @ts-check
/**
 * HS256 JWT assembly in plain JavaScript: no k6 module and no Node module, so
 * k6 runs it and Node imports it. The HMAC itself is passed in (k6/crypto's
 * `hmac` in a script, node:crypto's in a test), which is the only part that
 * differs between the two runtimes.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * UTF-8 bytes of a string. k6's runtime has no TextEncoder, so this is done by hand.
 * @param {string} text
 * @returns {number[]}
 */
export function utf8(text) {
  /** @type {number[]} */
  const out = [];
  for (const ch of text) {
    const c = /** @type {number} */ (ch.codePointAt(0));
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/**
 * Unpadded base64url (RFC 7515 §2) of a string's UTF-8 bytes.
 * @param {string} text
 * @returns {string}
 */
export function base64url(text) {
  const b = utf8(text);
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63];
    out += ALPHABET[(n >> 12) & 63];
    if (i + 1 < b.length) out += ALPHABET[(n >> 6) & 63];
    if (i + 2 < b.length) out += ALPHABET[n & 63];
  }
  return out;
}

/**
 * HMAC-SHA256 of `data` under the signing secret, as unpadded base64url.
 * @callback HmacSha256
 * @param {string} data
 * @returns {string}
 */

/**
 * Who signs: the issuer and audience the gateway trusts (the topology's `auth.issuers[]`), and the key id.
 * @typedef {object} Signer
 * @property {string} issuer
 * @property {string} audience
 * @property {string} [kid]
 * @property {HmacSha256} hmac
 */

/**
 * Claims of one token. `nowSec` is the issue time; the token expires `ttlSec` later.
 * @typedef {object} TokenClaims
 * @property {string} sub
 * @property {number} nowSec
 * @property {number} ttlSec
 * @property {string} [scope]
 */

/**
 * A compact HS256 JWS whose claims are those `setgate tokens` and the launcher's dev tokens carry.
 * @param {Signer} signer
 * @param {TokenClaims} claims
 * @returns {string}
 */
export function signHs256(signer, claims) {
  const header = signer.kid ? { alg: 'HS256', kid: signer.kid } : { alg: 'HS256' };
  /** @type {Record<string, string | number>} */
  const payload = {
    sub: claims.sub,
    iss: signer.issuer,
    aud: signer.audience,
    iat: claims.nowSec,
    exp: claims.nowSec + claims.ttlSec,
  };
  if (claims.scope) payload.scope = claims.scope;
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${signer.hmac(signingInput)}`;
}
