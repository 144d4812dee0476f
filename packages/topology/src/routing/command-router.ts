import { routePathProblem } from '@setgate/config';
import { requestPath } from './request-path.js';
import { found, NEEDS_DECODING, SegmentTrie } from './segment-trie.js';

/** A request's path parameters by name. */
export type RouteParams = Readonly<Record<string, string | undefined>>;

/** The params object of a match: no prototype, so a name the route lacks (even `constructor`) reads as undefined. */
function NullPrototypeParams() {}
NullPrototypeParams.prototype = Object.create(null);
const Params = NullPrototypeParams as unknown as new () => Record<string, string>;
const NO_PARAMS: RouteParams = Object.freeze(new Params());

/**
 * The route index for `url` in `trie`. Most targets start with `/` and hold
 * no percent-escape in their path: the trie reads those as they are (it
 * stops at `?` or `#` itself), and says when it meets an escape. Those,
 * absolute-form targets, and targets that matched nothing but hold a `%` go
 * through requestPath.
 */
function routeOf(trie: SegmentTrie, url: string): number | undefined {
  if (url.charCodeAt(0) === 47) {
    const route = trie.find(url, false);
    if (route !== NEEDS_DECODING && (route !== undefined || url.indexOf('%') === -1)) return route;
  }
  const path = requestPath(url);
  return path === null ? undefined : trie.find(path, true);
}

/** A match's params: `names` with the values `find` left in `found`. */
function paramsOf(names: readonly string[]): RouteParams {
  if (names.length === 0) return NO_PARAMS;
  const params = new Params();
  // Most routes take one parameter: no loop for them.
  if (names.length === 1) params[names[0] as string] = found[0] as string;
  else for (let i = 0; i < names.length; i++) params[names[i] as string] = found[i] as string;
  return params;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The compiled command routes of one commands section: a segment trie per
 * method. A literal segment wins over a parameter, a parameter is a whole
 * segment (an empty one too, as in `/items/`), the query string is ignored,
 * a trailing slash is a segment of its own (so `/cart/` is not `/cart`), and
 * matching is case-sensitive. Compiling writes a few typed-array entries per
 * segment, so 10,000 commands take milliseconds. Never changed once built.
 */
export class CommandRouter {
  /** Methods with a route, in order of first appearance, and each one's trie at the same index. */
  readonly #methods: string[] = [];
  readonly #tries: SegmentTrie[] = [];
  /** Each route's parameter names in path order, by route index; routes with the same names share one list. */
  readonly #params: (readonly string[])[] = [];

  /**
   * Compiles `routes` (in the order of the commands they come from; a match
   * names its route by that index). Throws on a path the syntax refuses and
   * on two routes with the same method and shape, which validation refuses first.
   */
  constructor(routes: Iterable<{ readonly method: string; readonly path: string }>) {
    // Routes with the same parameter names (most of them, often) share one list.
    let last: readonly string[] = [];
    const shared = new Map<string, readonly string[]>();
    for (const { method, path } of routes) {
      let trie = this.#trie(method);
      if (trie === undefined) {
        trie = new SegmentTrie();
        this.#methods.push(method);
        this.#tries.push(trie);
      }
      const problem = routePathProblem(path);
      if (problem !== undefined) throw new Error(`route ${method} ${path}: ${problem}`);
      // With the syntax checked, a segment is a `:param` when it starts with ":", else a literal.
      let node = trie.root;
      const names: string[] = [];
      for (let start = 1; start <= path.length; ) {
        let end = path.indexOf('/', start);
        if (end === -1) end = path.length;
        if (path.charCodeAt(start) === 58) {
          node = trie.paramChild(node);
          names.push(path.slice(start + 1, end));
        } else node = trie.literalChild(node, path, start, end);
        start = end + 1;
      }
      const index = this.#params.length;
      const prior = trie.end(node, index);
      if (prior !== undefined) throw new Error(`route ${method} ${path} duplicates route #${prior}`);
      if (!sameNames(names, last)) {
        const key = names.join('/');
        last = shared.get(key) ?? names;
        shared.set(key, last);
      }
      this.#params.push(last);
    }
    for (const trie of this.#tries) trie.compress();
  }

  /** Methods with at least one route, in order of first appearance. */
  get methods(): string[] {
    return [...this.#methods];
  }

  /** A scan, not a Map: there are a handful of methods, and comparing interned strings is cheaper than hashing. */
  #trie(method: string): SegmentTrie | undefined {
    const methods = this.#methods;
    for (let i = 0; i < methods.length; i++) if (methods[i] === method) return this.#tries[i];
    return undefined;
  }

  /** The command of `commands` (the list this router was compiled from, or one in the same order) for `method` + `url`, or null. */
  match<C>(method: string, url: string, commands: readonly C[]): { readonly command: C; readonly params: RouteParams } | null {
    const trie = this.#trie(method);
    if (trie === undefined) return null;
    const route = routeOf(trie, url);
    if (route === undefined) return null;
    return { command: commands[route] as C, params: paramsOf(this.#params[route] as readonly string[]) };
  }

  /** True when a route of `method` matches `url`. */
  matches(method: string, url: string): boolean {
    const trie = this.#trie(method);
    return trie !== undefined && routeOf(trie, url) !== undefined;
  }
}
