// @ts-check
/**
 * What every script reads from the environment (`k6 run -e NAME=value` or the
 * process environment). Defaults fit `npm start` on this machine.
 */

/**
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

/**
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envNumber(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${raw}"`);
  return n;
}

/**
 * Entry points: the regional proxies of every region (`SETGATE_TARGETS`, comma-separated).
 * @returns {string[]}
 */
export function targets() {
  return env('SETGATE_TARGETS', 'http://127.0.0.1:7100,http://127.0.0.1:7200,http://127.0.0.1:7300')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s.length > 0);
}

/** How the scripts get user tokens; see lib/tokens.js. */
export const auth = {
  /** Absolute path of a file written by `setgate tokens --out` (k6 resolves relative paths against the script). */
  tokenFile: env('SETGATE_TOKENS', ''),
  /** HS256 secret of the topology's issuer, passed by reference: never printed, never in a summary. */
  secret: env('SETGATE_JWT_SECRET', ''),
  issuer: env('SETGATE_JWT_ISSUER', 'https://auth.setgate.local'),
  audience: env('SETGATE_JWT_AUDIENCE', 'setgate'),
  kid: env('SETGATE_JWT_KID', 'dev-1'),
  ttlSec: envNumber('SETGATE_TOKEN_TTL_SEC', 3600),
  prefix: env('SETGATE_USER_PREFIX', 'k6-user-'),
};

/** Where handleSummary writes `<script>-summary.json`. */
export const summaryDir = env('SETGATE_SUMMARY_DIR', '.');
