import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminRoleName, AdminTokenDef, Comparison } from '@setgate/config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ControlPlaneErrors } from '../errors.js';
import { adminFieldsTouched } from './admin-fields.js';

/** Who called, from the token they presented. */
export interface Principal {
  readonly name: string;
  readonly role: AdminRoleName;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Lowest role a route needs; routes without one are public (the OpenAPI document only). */
    role?: AdminRoleName;
  }
}

const RANK: Record<AdminRoleName, number> = { viewer: 0, operator: 1, admin: 2 };

/** Hex SHA-256 of a token, as the config lists it. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Bearer-token authentication: the presented token is hashed and compared, in
 * constant time, with the configured hashes; then the route's role is checked.
 * 401 without a valid token, 403 with a role too low.
 */
export function installAuth(app: FastifyInstance, tokens: readonly AdminTokenDef[]): void {
  const known = tokens.map((t) => ({ name: t.name, role: t.role, hash: Buffer.from(t.sha256, 'hex') }));
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config?.role;
    if (!needed) return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw unauthenticated('send authorization: Bearer <token>');
    const presented = Buffer.from(tokenHash(m[1] as string), 'hex');
    const match = known.find((k) => timingSafeEqual(k.hash, presented));
    if (!match) throw unauthenticated('the token is not known');
    request.principal = { name: match.name, role: match.role };
    requireRole(request, needed);
  });
}

const unauthenticated = (detail: string) =>
  ControlPlaneErrors.create('SETGATE_CP_UNAUTHENTICATED', { detail, headers: { 'www-authenticate': 'Bearer realm="setgate-control-plane"' } });

/** Throws 403 unless the caller's role is at least `role`. */
export function requireRole(request: FastifyRequest, role: AdminRoleName): Principal {
  const p = request.principal;
  if (!p) throw unauthenticated('send authorization: Bearer <token>');
  if (RANK[p.role] < RANK[role]) {
    throw ControlPlaneErrors.create('SETGATE_CP_FORBIDDEN', { detail: `${p.name} is ${p.role}; this needs ${role}` });
  }
  return p;
}

/**
 * A guard for changes: a diff touching an admin field (admin-fields.ts) needs
 * the admin role; the refusal names every such field.
 */
export function fieldGuard(request: FastifyRequest): (c: Comparison) => void {
  return (c) => {
    const touched = adminFieldsTouched(c.changes);
    const p = request.principal;
    if (touched.length > 0 && p?.role !== 'admin') {
      throw ControlPlaneErrors.create('SETGATE_CP_FORBIDDEN', {
        detail: `changing ${touched.join(', ')} needs the admin role; ${p?.name ?? 'the caller'} is ${p?.role ?? 'unknown'}`,
        extensions: { fields: touched },
      });
    }
  };
}
