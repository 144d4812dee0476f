/** Builds the path on the set-runtime node from the shard key and the public path's params. */
export type UpstreamPath = (key: string, params: Readonly<Record<string, string | undefined>>) => string;

const PLACEHOLDER = /\{key\}|:([A-Za-z0-9_]+)/g;

/**
 * Compiles a command's `upstream.path` (`/cmd/cart/{key}/items/:itemId`) once per
 * topology version, so a request only concatenates strings. Values are
 * percent-encoded: the key and params arrive decoded and must not be able to
 * add path segments on the node. Throws when the template names a param the
 * public path does not capture, so a bad table never goes live.
 */
export function compileUpstreamPath(template: string, publicParams: ReadonlySet<string>): UpstreamPath {
  const literals: string[] = [];
  // null marks the shard key; a string names a path parameter.
  const slots: (string | null)[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name !== undefined && !publicParams.has(name)) {
      throw new Error(`upstream path ${template} uses :${name}, which the public path does not capture`);
    }
    literals.push(template.slice(last, m.index));
    slots.push(name ?? null);
    last = m.index + m[0].length;
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

/** Names of the `:params` in a fastify-syntax public path. */
export function pathParams(path: string): Set<string> {
  const names = new Set<string>();
  for (const m of path.matchAll(/:([A-Za-z0-9_]+)/g)) names.add(m[1] as string);
  return names;
}
