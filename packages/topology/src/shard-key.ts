/**
 * The one shard-key rule, shared by every component that accepts a key (the
 * gateway, from a token subject or a path; the node, from its path): 1 to
 * SHARD_KEY_MAX_CHARS visible ASCII characters (0x21–0x7e).
 *
 * Why that set: a key travels to the node in a header (x-setgate-key, and as
 * the subject in x-setgate-subject) and in a path; control characters,
 * spaces and anything outside ASCII either cannot be carried in a header at
 * all or would be read differently by another hop (latin1 vs UTF-8). The
 * length is OIDC's bound for `sub` (255 ASCII characters); percent-encoded in
 * a path it stays within the listeners' parameter limit (3 × 255 < 1024).
 */
export const SHARD_KEY_MAX_CHARS = 255;

/** The rule as a JSON-Schema pattern, for schemas that validate a key (the node's routes). */
export const SHARD_KEY_PATTERN = `^[\\x21-\\x7e]{1,${SHARD_KEY_MAX_CHARS}}$`;

/**
 * Why `key` breaks the shard-key rule, or undefined when it is a valid key.
 * One pass over the characters, no allocation: it runs on every request.
 */
export function shardKeyFault(key: string): string | undefined {
  const n = key.length;
  if (n === 0) return 'is empty';
  if (n > SHARD_KEY_MAX_CHARS) return `is ${n} characters long (at most ${SHARD_KEY_MAX_CHARS})`;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return `has a character outside visible ASCII at position ${i}`;
  }
  return undefined;
}
