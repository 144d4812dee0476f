import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminRoleName, AdminTokenDef } from './schema/topology.js';

/** Who presented an admin token, from the topology's list. */
export interface AdminPrincipal {
  readonly name: string;
  readonly role: AdminRoleName;
}

const RANK: Record<AdminRoleName, number> = { viewer: 0, operator: 1, admin: 2 };

/** Hex SHA-256 of an admin token, as the topology lists it (the token itself is never stored). */
export function adminTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when `role` may do what `needed` may (viewer < operator < admin). */
export function roleAllows(role: AdminRoleName, needed: AdminRoleName): boolean {
  return RANK[role] >= RANK[needed];
}

/** The token of an `authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m ? (m[1] as string) : undefined;
}

/**
 * A check of presented tokens against the topology's admin tokens: the token
 * is hashed and compared, in constant time, with every configured hash.
 * Shared by the control plane's API and the launcher's process API.
 */
export function adminTokenMatcher(tokens: readonly AdminTokenDef[]): (token: string) => AdminPrincipal | undefined {
  const known = tokens.map((t) => ({ name: t.name, role: t.role, hash: Buffer.from(t.sha256, 'hex') }));
  return (token) => {
    const presented = Buffer.from(adminTokenHash(token), 'hex');
    const match = known.find((k) => k.hash.length === presented.length && timingSafeEqual(k.hash, presented));
    return match ? { name: match.name, role: match.role } : undefined;
  };
}
