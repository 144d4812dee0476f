import { decodeKept } from './percent-decode.js';

/**
 * A decoded parameter longer than this matches nothing (a 404), as with the
 * find-my-way router this replaced (maxParamLength 256): a key is never that
 * long, and it bounds the work an oversized URL can cause.
 */
const MAX_PARAM_LENGTH = 256;

/** Up to this many literal children a node compares the segment with each; above, it looks the segment up by hash. */
const LINEAR_CHILDREN = 4;

/** What `find` answers for a raw target holding a percent-escape where it matters: decode it, then ask again. */
export const NEEDS_DECODING = -2;
/** A `%` read in a raw target, where a node index or a segment end was wanted. */
const ESCAPED = -1;
/** No route below this branch. */
const FAILED = -3;

/**
 * FNV-1a over char codes, cut to a small integer. Hashing the characters
 * while looking for the segment's end costs less than slicing the segment
 * and having a Map hash the new string.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SMALL = 0x3fffffff;

/**
 * `/` ends a segment and another follows; `?`, `#` or the end of the string
 * end the path; `%` starts an escape. Indexes are checked against the length
 * rather than reading past the end: charCodeAt's NaN there would turn the
 * loops' integers into doubles.
 */
const SLASH = 47;
const PERCENT = 37;
const isSegmentEnd = (c: number) => c === SLASH || c === 63 || c === 35;

/**
 * Values of the parameters of the match being found, by position in its
 * path. Shared, as the stack below: a match is synchronous. A branch that is
 * abandoned may leave values behind, but only at positions the match that
 * is finally found writes again.
 */
export const found: string[] = [];

/**
 * Parameter branches passed over for a literal one, to come back to when the
 * literal branch leads nowhere: the parameter node, where its segment starts,
 * how many parameters were taken before it. Parallel arrays, `pending` deep.
 */
const untriedNodes: number[] = [];
const untriedStarts: number[] = [];
const untriedDepths: number[] = [];
let pending = 0;

function grown<T extends Int32Array | Uint16Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}

/**
 * One method's routes as a trie of path segments: per segment a literal
 * child, else the parameter child. Nodes are indexes into typed arrays
 * rather than objects: a reload compiles tens of thousands of nodes, and
 * objects would cost the build, and the garbage collector after it, several
 * times what the arrays do. Node 0 is the root; 0 as a child means none.
 */
export class SegmentTrie {
  #nodes = 1;
  /**
   * A node's literal segment: where its char codes start in #chars, how
   * many, their hash. After `compress`, a key may run over several segments
   * (`cart/items`): its hash and head length are still its first segment's.
   */
  #keyStart = new Int32Array(64);
  #keyLength = new Int32Array(64);
  #headLength = new Int32Array(64);
  #hash = new Int32Array(64);
  /** Literal children as a list: a node's first child, each child's next sibling, and how many. */
  #firstChild = new Int32Array(64);
  #nextSibling = new Int32Array(64);
  #childCount = new Int32Array(64);
  /**
   * Above LINEAR_CHILDREN, the children also in an open-addressing table by
   * hash (linear probing, at most half full): its start in #table and its
   * size (0: none). A table outgrown is left behind in #table, unused.
   */
  #tableStart = new Int32Array(64);
  #tableSize = new Int32Array(64);
  #table = new Int32Array(0);
  #tableUsed = 0;
  /** The node's `:param` child. */
  #param = new Int32Array(64);
  /** The route that ends at the node, plus one (0: none). */
  #route = new Int32Array(64);
  /**
   * After `compress`, how many chars of the root's key every path starts
   * with (the key of a chain of literals that offer no choice, `v1`), or -1
   * when the root has none.
   */
  #prefix = -1;
  /** Char codes of every literal segment, each followed by a `/`; a `%` written `%25`, as requestPath leaves it. */
  #chars = new Uint16Array(256);
  #charCount = 0;

  /** The root: every path starts there. */
  readonly root = 0;

  /**
   * Makes `route` end at `node`. Returns the route already ending there
   * instead, if there is one (the caller refuses the duplicate).
   */
  end(node: number, route: number): number | undefined {
    const existing = this.#route[node] as number;
    if (existing !== 0) return existing - 1;
    this.#route[node] = route + 1;
    return undefined;
  }

  #newNode(): number {
    if (this.#nodes === this.#route.length) {
      // Four times over: fewer copies (and less garbage) on the way to tens of thousands of nodes.
      const size = this.#nodes * 4;
      this.#keyStart = grown(this.#keyStart, size);
      this.#keyLength = grown(this.#keyLength, size);
      this.#headLength = grown(this.#headLength, size);
      this.#hash = grown(this.#hash, size);
      this.#firstChild = grown(this.#firstChild, size);
      this.#nextSibling = grown(this.#nextSibling, size);
      this.#childCount = grown(this.#childCount, size);
      this.#tableStart = grown(this.#tableStart, size);
      this.#tableSize = grown(this.#tableSize, size);
      this.#param = grown(this.#param, size);
      this.#route = grown(this.#route, size);
    }
    return this.#nodes++;
  }

  /** The `:param` child of `node`, added when missing. */
  paramChild(node: number): number {
    if (this.#param[node] === 0) {
      // Not `#param[node] = #newNode()`: the array is read before the call that may replace it.
      const child = this.#newNode();
      this.#param[node] = child;
    }
    return this.#param[node] as number;
  }

  /** The literal child of `node` for the segment of `path` from `start` to `end`, added when missing. */
  literalChild(node: number, path: string, start: number, end: number): number {
    // Written at the end of #chars; kept there only if the child is new.
    const keyStart = this.#charCount;
    for (let i = start; i < end; i++) {
      const c = path.charCodeAt(i);
      if (c === PERCENT) {
        this.#append(PERCENT);
        this.#append(50);
        this.#append(53);
      } else this.#append(c);
    }
    const keyLength = this.#charCount - keyStart;
    // A `/` after each key: the keys of a chain one route adds lie end to end, so compress folds them without copying.
    this.#append(SLASH);
    let hash = FNV_OFFSET;
    for (let i = 0; i < keyLength; i++) hash = Math.imul(hash ^ (this.#chars[keyStart + i] as number), FNV_PRIME);
    hash &= SMALL;
    const existing = this.#existing(node, hash, keyStart, keyLength);
    if (existing !== 0) {
      this.#charCount = keyStart;
      return existing;
    }
    const child = this.#newNode();
    this.#keyStart[child] = keyStart;
    this.#keyLength[child] = keyLength;
    this.#headLength[child] = keyLength;
    this.#hash[child] = hash;
    this.#nextSibling[child] = this.#firstChild[node] as number;
    this.#firstChild[node] = child;
    const count = ++(this.#childCount[node] as number);
    if (count > LINEAR_CHILDREN) {
      if (count * 2 > (this.#tableSize[node] as number)) this.#rehash(node, count);
      else this.#place(node, child);
    }
    return child;
  }

  /**
   * Once every route is in: folds each chain of literal nodes that offer no
   * choice (one literal child, no parameter child, no route ending there)
   * into its first node, whose key then spans the chain (`v1/cart`). A
   * request then walks one node where it walked several; it matches exactly
   * as before, as nothing along such a chain could be backtracked to.
   */
  compress(): void {
    // The root is matched before any segment, so its chain becomes a prefix of every path.
    while (this.#childCount[0] === 1 && this.#param[0] === 0 && this.#route[0] === 0) {
      const child = this.#firstChild[0] as number;
      if (this.#prefix === -1) this.#take(0, child, this.#keyStart[child] as number, this.#keyLength[child] as number);
      else this.#absorb(0, child);
      this.#prefix = this.#keyLength[0] as number;
    }
    // Nodes reached by a literal segment; the root and parameter nodes have no key to extend.
    const literals: number[] = [];
    const visit = (node: number) => {
      for (let c = this.#firstChild[node] as number; c !== 0; c = this.#nextSibling[c] as number) literals.push(c);
      if (this.#param[node] !== 0) visit(this.#param[node] as number);
    };
    visit(0);
    while (literals.length > 0) {
      const node = literals.pop() as number;
      while (this.#childCount[node] === 1 && this.#param[node] === 0 && this.#route[node] === 0) this.#absorb(node, this.#firstChild[node] as number);
      visit(node);
    }
  }

  /** Makes `node` (a literal node whose only child is `child`) stand for both: its key, a `/`, the child's key; the child's children. */
  #absorb(node: number, child: number): void {
    const from = this.#keyStart[node] as number;
    const head = this.#keyLength[node] as number;
    const childFrom = this.#keyStart[child] as number;
    const tail = this.#keyLength[child] as number;
    // The usual case: one route added both, so the child's key follows this one's `/` already.
    if (childFrom === from + head + 1) {
      this.#take(node, child, from, head + 1 + tail);
      return;
    }
    const start = this.#charCount;
    this.#reserve(head + 1 + tail);
    this.#chars.copyWithin(start, from, from + head);
    this.#chars[start + head] = SLASH;
    this.#chars.copyWithin(start + head + 1, childFrom, childFrom + tail);
    this.#charCount += head + 1 + tail;
    this.#take(node, child, start, head + 1 + tail);
  }

  /** Makes `node` hold the key at `keyStart` (`keyLength` chars) and everything below `child`. */
  #take(node: number, child: number, keyStart: number, keyLength: number): void {
    this.#keyStart[node] = keyStart;
    this.#keyLength[node] = keyLength;
    this.#firstChild[node] = this.#firstChild[child] as number;
    this.#childCount[node] = this.#childCount[child] as number;
    this.#tableStart[node] = this.#tableStart[child] as number;
    this.#tableSize[node] = this.#tableSize[child] as number;
    this.#param[node] = this.#param[child] as number;
    this.#route[node] = this.#route[child] as number;
  }

  /** The child of `node` whose key is the `keyLength` codes at `keyStart` in #chars, hashing to `hash`; 0 when none. */
  #existing(node: number, hash: number, keyStart: number, keyLength: number): number {
    const size = this.#tableSize[node] as number;
    if (size === 0) {
      for (let child = this.#firstChild[node] as number; child !== 0; child = this.#nextSibling[child] as number) {
        if (this.#sameKey(child, hash, keyStart, keyLength)) return child;
      }
      return 0;
    }
    const start = this.#tableStart[node] as number;
    for (let i = hash & (size - 1); ; i = (i + 1) & (size - 1)) {
      const child = this.#table[start + i] as number;
      if (child === 0 || this.#sameKey(child, hash, keyStart, keyLength)) return child;
    }
  }

  #sameKey(child: number, hash: number, keyStart: number, keyLength: number): boolean {
    return this.#hash[child] === hash && this.#keyLength[child] === keyLength && sameCodes(this.#chars, this.#keyStart[child] as number, keyStart, keyLength);
  }

  #append(code: number): void {
    this.#reserve(1);
    this.#chars[this.#charCount++] = code;
  }

  /** Room in #chars for `more` codes. */
  #reserve(more: number): void {
    if (this.#charCount + more > this.#chars.length) this.#chars = grown(this.#chars, Math.max(this.#chars.length * 4, this.#charCount + more));
  }

  #rehash(node: number, count: number): void {
    let size = 16;
    while (size < count * 2) size *= 2;
    if (this.#tableUsed + size > this.#table.length) this.#table = grown(this.#table, Math.max(this.#table.length * 2, this.#tableUsed + size));
    this.#tableStart[node] = this.#tableUsed;
    this.#tableSize[node] = size;
    this.#tableUsed += size;
    for (let child = this.#firstChild[node] as number; child !== 0; child = this.#nextSibling[child] as number) this.#place(node, child);
  }

  #place(node: number, child: number): void {
    const start = this.#tableStart[node] as number;
    const mask = (this.#tableSize[node] as number) - 1;
    let i = (this.#hash[child] as number) & mask;
    while (this.#table[start + i] !== 0) i = (i + 1) & mask;
    this.#table[start + i] = child;
  }

  /**
   * The route index for `path`, with its parameter values in `found`;
   * undefined when none matches. `path` starts with `/`, and its path part
   * ends at the first `?` or `#`.
   *
   * `decoded` says `path` went through requestPath: the escapes left in it
   * are of reserved characters, and a parameter's value is decoded.
   * Otherwise `path` is the raw target, and the first `%` read in a segment
   * the match depends on answers NEEDS_DECODING: a literal compared in place
   * and found equal holds no escape but `%25` (routes write `%` so), which
   * decoding keeps, so a match found without reading a `%` is the match of
   * the decoded path. (A target found matching nothing may still hold an
   * escape where a literal failed to compare; the caller checks.)
   *
   * At each segment a literal child first, then the parameter child; when
   * the literal branch leads nowhere, back to the last parameter passed over
   * (so `/a/:x/c` still matches `/a/b/c` next to a route `/a/b/d`). Literals
   * are followed in a loop, parameters passed over wait on a stack rather
   * than in recursion, and nothing is sliced but parameter values: this runs
   * on every request.
   */
  find(path: string, decoded: boolean): number | undefined {
    let start = 1;
    const prefix = this.#prefix;
    if (prefix !== -1) {
      // The root's key, as a literal child's would be compared.
      const after = 1 + prefix;
      if (after > path.length || (after < path.length && !isSegmentEnd(path.charCodeAt(after)))) return undefined;
      if (!sameAt(path, 1, this.#chars, this.#keyStart[0] as number, prefix)) return undefined;
      if (after === path.length || path.charCodeAt(after) !== SLASH) return this.#route[0] === 0 ? undefined : (this.#route[0] as number) - 1;
      start = after + 1;
    }
    pending = 0;
    let result = this.#descend(0, path, start, 0, decoded);
    while (result === FAILED && pending > 0) {
      pending--;
      result = this.#viaParam(untriedNodes[pending] as number, path, untriedStarts[pending] as number, untriedDepths[pending] as number, decoded);
    }
    return result === FAILED ? undefined : result;
  }

  /**
   * From `node`, the segment of `path` at `start` on: literal children as
   * far as they go, each parameter sibling passed over left on the stack;
   * where no literal goes on, the parameter child of that node. A route
   * index, FAILED or NEEDS_DECODING.
   */
  #descend(node: number, path: string, start: number, depth: number, decoded: boolean): number {
    for (;;) {
      const param = this.#param[node] as number;
      const child = this.#matchLiteral(node, path, start, decoded);
      if (child === ESCAPED) return NEEDS_DECODING;
      if (child !== 0) {
        const end = start + (this.#keyLength[child] as number);
        if (end < path.length && path.charCodeAt(end) === SLASH) {
          if (param !== 0) {
            untriedNodes[pending] = param;
            untriedStarts[pending] = start;
            untriedDepths[pending] = depth;
            pending++;
          }
          node = child;
          start = end + 1;
          continue;
        }
        const route = this.#route[child] as number;
        if (route !== 0) return route - 1;
      }
      return param === 0 ? FAILED : this.#viaParam(param, path, start, depth, decoded);
    }
  }

  /** The segment of `path` at `start` as the value of the parameter node `param`, then on below it. */
  #viaParam(param: number, path: string, start: number, depth: number, decoded: boolean): number {
    const end = segmentEnd(path, start, decoded);
    if (end === ESCAPED) return NEEDS_DECODING;
    const value = decoded ? decodeKept(path.slice(start, end)) : path.slice(start, end);
    if (value.length > MAX_PARAM_LENGTH) return FAILED;
    found[depth] = value;
    if (end < path.length && path.charCodeAt(end) === SLASH) return this.#descend(param, path, end + 1, depth + 1, decoded);
    const route = this.#route[param] as number;
    return route !== 0 ? route - 1 : FAILED;
  }

  /**
   * The literal child of `node` whose key `path` holds at `start`, up to a
   * segment's end (the key ends `#keyLength` later); 0 when none does;
   * ESCAPED when the raw path holds a `%` in a segment looked up by hash.
   */
  #matchLiteral(node: number, path: string, start: number, decoded: boolean): number {
    const tableSize = this.#tableSize[node] as number;
    return tableSize === 0 ? this.#listedChild(node, path, start) : this.#hashedChild(node, path, start, decoded, tableSize);
  }

  /** #matchLiteral among a few children: each compared in place, without finding the segment's end first. */
  #listedChild(node: number, path: string, start: number): number {
    const length = path.length;
    for (let c = this.#firstChild[node] as number; c !== 0; c = this.#nextSibling[c] as number) {
      const keyLength = this.#keyLength[c] as number;
      const after = start + keyLength;
      if (after > length || (after < length && !isSegmentEnd(path.charCodeAt(after)))) continue;
      if (sameAt(path, start, this.#chars, this.#keyStart[c] as number, keyLength)) return c;
    }
    return 0;
  }

  /** #matchLiteral among many children: the segment hashed as it is read, then looked up in the node's table. */
  #hashedChild(node: number, path: string, start: number, decoded: boolean, tableSize: number): number {
    const length = path.length;
    let h = FNV_OFFSET;
    let end = start;
    for (; end < length; end++) {
      const c = path.charCodeAt(end);
      if (isSegmentEnd(c)) break;
      if (c === PERCENT && !decoded) return ESCAPED;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    h &= SMALL;
    const head = end - start;
    const tableStart = this.#tableStart[node] as number;
    const mask = tableSize - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const child = this.#table[tableStart + i] as number;
      if (child === 0) return 0;
      if (this.#hash[child] !== h || this.#headLength[child] !== head) continue;
      const keyStart = this.#keyStart[child] as number;
      const keyLength = this.#keyLength[child] as number;
      const after = start + keyLength;
      const ends = after === length || (after < length && isSegmentEnd(path.charCodeAt(after)));
      if (ends && sameAt(path, start, this.#chars, keyStart, keyLength)) return child;
      // The child whose first segment this is, but the rest of its folded key does not follow: no other can match.
      if (sameAt(path, start, this.#chars, keyStart, head)) return 0;
    }
  }
}

/** Where the segment of `path` at `start` ends; ESCAPED when the raw path holds a `%` there. */
function segmentEnd(path: string, start: number, decoded: boolean): number {
  let end = start;
  for (; end < path.length; end++) {
    const c = path.charCodeAt(end);
    if (isSegmentEnd(c)) break;
    if (c === PERCENT && !decoded) return ESCAPED;
  }
  return end;
}

/** True when `path` holds, from `start`, the `length` char codes at `at` in `chars`. */
function sameAt(path: string, start: number, chars: Uint16Array, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (path.charCodeAt(start + i) !== chars[at + i]) return false;
  return true;
}

function sameCodes(chars: Uint16Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (chars[a + i] !== chars[b + i]) return false;
  return true;
}
