import { decodePath } from './percent-decode.js';

/**
 * The path a request URL is routed by, as find-my-way (which routed commands
 * before, and still routes fastify's own catch-all) reads it, so swapping the
 * router changed no request's outcome:
 *
 * - the query string and fragment are dropped (from the first `?` or `#`);
 * - an absolute-form target (`http://host/path`) is routed by its path;
 * - percent-escapes are decoded except those of `; / ? : @ & = + $ , #`
 *   (decodeURI's reserved set) and `%25`, so `%2F` cannot split a segment
 *   and a decoded `%` cannot start another escape; literal segments are
 *   compared with that, a parameter's value is decoded whole (`decodeKept`);
 * - a malformed escape or invalid UTF-8 matches nothing.
 *
 * Returns null when the target cannot match any command.
 */
export function requestPath(url: string): string | null {
  if (url.charCodeAt(0) !== 47) {
    const path = absoluteFormPath(url);
    if (path === null) return null;
    url = path;
  }
  // indexOf is a native scan: cheaper than a loop over the characters, even three times over.
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  let path = url;
  if (query !== -1 || fragment !== -1) {
    path = url.slice(0, query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment));
  }
  return path.indexOf('%') === -1 ? path : decodePath(path);
}

/** The path (and query) of an absolute-form `http(s)://host/...` target, or null for any other target. */
function absoluteFormPath(url: string): string | null {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return null;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const authorityStart = schemeEnd + 3;
  const slash = url.indexOf('/', authorityStart);
  const query = url.indexOf('?', authorityStart);
  let authorityEnd = slash === -1 ? url.length : slash;
  if (query !== -1 && query < authorityEnd) authorityEnd = query;
  // A fragment is not part of a request target; never let a slash after one start the path.
  if (url.indexOf('#', authorityStart) !== -1 || authorityEnd === authorityStart) return null;
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== `${scheme}:` || parsed.host.length === 0) return null;
  if (authorityEnd === url.length) return '/';
  if (authorityEnd === query) return `/${url.slice(query)}`;
  return url.slice(authorityEnd);
}
