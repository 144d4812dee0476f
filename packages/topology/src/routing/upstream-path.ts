/** Builds the path on the set-runtime node from the shard key and the public path's params. */
export type UpstreamPath = (key: string, params: Readonly<Record<string, string | undefined>>) => string;

/** [A-Za-z0-9_] */
const isNameChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Where the `:name` starting at `at` (the colon) ends, or `at` when no name follows the colon. */
function nameEnd(text: string, at: number): number {
  let end = at + 1;
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
  return end === at + 1 ? at : end;
}

/**
 * Compiles a command's `upstream.path` (`/cmd/cart/{key}/items/:itemId`) once per
 * topology version, so a request only concatenates strings. Values are
 * percent-encoded: the key and params arrive decoded and must not be able to
 * add path segments on the node. Throws when the template names a param the
 * public path does not capture, so a bad table never goes live.
 *
 * Placeholders are `{key}` and `:name` (`name` of letters, digits and `_`; a
 * colon without one is text), read left to right with a scan rather than a
 * regex iterator: a reload compiles every command of the topology.
 */
export function compileUpstreamPath(template: string, publicParams: ReadonlySet<string>): UpstreamPath {
  const literals: string[] = [];
  // null marks the shard key; a string names a path parameter.
  const slots: (string | null)[] = [];
  let last = 0;
  for (let i = 0; i < template.length; i++) {
    const isKey = template.startsWith('{key}', i);
    const end = isKey ? i + 5 : template.charCodeAt(i) === 58 ? nameEnd(template, i) : i;
    if (end === i) continue;
    const slot = isKey ? null : template.slice(i + 1, end);
    if (slot !== null && !publicParams.has(slot)) throw new Error(`upstream path ${template} uses :${slot}, which the public path does not capture`);
    literals.push(template.slice(last, i));
    slots.push(slot);
    last = end;
    i = end - 1;
  }
  const tail = template.slice(last);
  if (slots.length === 0) return () => tail;
  return (key, params) => {
    let out = '';
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      out += literals[i] + encodeURIComponent(slot === null ? key : (params[slot as string] ?? ''));
    }
    return out + tail;
  };
}

/** Names of the `:params` in a public path (each `:` followed by letters, digits or `_`). */
export function pathParams(path: string): Set<string> {
  const names = new Set<string>();
  for (let i = path.indexOf(':'); i !== -1; i = path.indexOf(':', i + 1)) {
    const end = nameEnd(path, i);
    if (end !== i) names.add(path.slice(i + 1, end));
  }
  return names;
}
