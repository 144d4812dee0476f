/**
 * The one shard-key rule, shared by every component that accepts a key (the
 * gateway, from a token subject or a path; the node, from its path): 1 to
 * SHARD_KEY_MAX_CHARS visible characters of latin1: ASCII 0x21–0x7e and
 * 0xa1–0xff (so `user/ünï` is a key, `Ω`, a space or a control character is not).
 *
 * Why that set: a key travels to the node in headers (x-setgate-key, and as
 * the subject in x-setgate-subject), which carry one byte per character:
 * anything past 0xff cannot be sent at all (undici refuses it, and that
 * failure must never look like a node's), control characters (C0, DEL, C1)
 * and spaces would be stripped or split by some hop. The length is OIDC's
 * bound for `sub` (255 characters); percent-encoded in a node path (at most 6
 * characters each) it stays within the listeners' parameter limit.
 */
export const SHARD_KEY_MAX_CHARS = 255;

/** The rule in words, for the 400 that refuses a key. */
export const SHARD_KEY_RULE = `1 to ${SHARD_KEY_MAX_CHARS} visible latin1 characters (no space, no control character, nothing past U+00FF)`;

/** The rule as a JSON-Schema pattern, for schemas that validate a key (the node's routes). */
export const SHARD_KEY_PATTERN = `^[\\x21-\\x7e\\xa1-\\xff]{1,${SHARD_KEY_MAX_CHARS}}$`;

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
    if (c < 0x21 || c > 0xff || (c > 0x7e && c < 0xa1)) return `has a space, control or non-latin1 character at position ${i}`;
  }
  return undefined;
}
