/**
 * The syntax of a command's public path, shared by validation (which refuses
 * a path the gateway could not route) and the routing table (which compiles
 * it): `/`-separated segments, each either literal text or a whole-segment
 * parameter `:name` (letters, digits, `_`), no name twice. Nothing else has a
 * meaning: no wildcards, no regex or optional parameters, no two parameters
 * in one segment; a `:` or `*` inside a literal segment is refused rather
 * than read as text, so a path written for a richer router fails loudly
 * instead of matching something else, and so is a `?` or `#`, which no
 * request's path can hold.
 */

/** [A-Za-z0-9_] */
const isNameChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

const COLON = 58;
const STAR = 42;
const QUESTION = 63;
const HASH = 35;

/** Why the segment of `path` from `start` to `end` is not a literal or a `:name` parameter, or undefined when it is one. */
function segmentProblem(path: string, start: number, end: number): string | undefined {
  if (path.charCodeAt(start) === COLON) {
    if (end === start + 1) return 'a parameter needs a name after ":"';
    for (let i = start + 1; i < end; i++) {
      if (!isNameChar(path.charCodeAt(i))) {
        return `segment "${path.slice(start, end)}" is not a parameter: a parameter is a whole segment :name of letters, digits and _`;
      }
    }
    return undefined;
  }
  for (let i = start; i < end; i++) {
    const c = path.charCodeAt(i);
    if (c === COLON) return `segment "${path.slice(start, end)}": a parameter must be a whole segment (":" only starts one)`;
    if (c === STAR) return `segment "${path.slice(start, end)}": wildcards are not supported`;
    if (c === QUESTION || c === HASH) return `segment "${path.slice(start, end)}": a request's path ends at "?" or "#", so no request could match`;
  }
  return undefined;
}

/** Why `path` cannot be routed, or undefined when it can. Reads the path in place: validation runs it on every command of a reload. */
export function routePathProblem(path: string): string | undefined {
  if (path.charCodeAt(0) !== 47) return 'a path starts with "/"';
  // Gateways and proxies answer their own health route there, before any command is matched.
  if (path === '/_setgate' || path.startsWith('/_setgate/')) return 'paths under /_setgate/ are reserved for the components\' own routes';
  if (path.indexOf(':') === -1 && path.indexOf('*') === -1 && path.indexOf('?') === -1 && path.indexOf('#') === -1) return undefined;
  let params = 0;
  for (let start = 1; start <= path.length; ) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const problem = segmentProblem(path, start, end);
    if (problem !== undefined) return problem;
    if (path.charCodeAt(start) === COLON && params++ > 0 && repeatsEarlierSegment(path, start, end)) {
      return `parameter ${path.slice(start, end)} appears twice`;
    }
    start = end + 1;
  }
  return undefined;
}

function sameText(path: string, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (path.charCodeAt(a + k) !== path.charCodeAt(b + k)) return false;
  return true;
}

/** True when a segment before the one of `path` from `start` to `end` is the same text. */
function repeatsEarlierSegment(path: string, start: number, end: number): boolean {
  const length = end - start;
  // Every segment before this one ends at a `/` before `start`.
  for (let i = 1; i < start; ) {
    const j = path.indexOf('/', i);
    if (j - i === length && sameText(path, i, start, length)) return true;
    i = j + 1;
  }
  return false;
}
