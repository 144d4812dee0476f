import { HOP_BY_HOP } from '@setgate/contracts';

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Header names a hop must not forward besides the fixed hop-by-hop list: the
 * ones the `Connection` header names (RFC 9110 §7.6.1).
 */
export function connectionListed(connection: string | string[] | undefined): ReadonlySet<string> {
  if (connection === undefined) return EMPTY;
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  // The common values name no extra header; skip the split for them.
  if (value === 'keep-alive' || value === 'close') return EMPTY;
  const names = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/** True for a header a proxy must drop at its own hop. */
export function isHopHeader(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}
