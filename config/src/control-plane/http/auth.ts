import { type AdminPrincipal, type AdminRoleName, type AdminTokenDef, adminTokenMatcher, bearerToken, type Comparison, roleAllows } from '@setgate/config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ControlPlaneErrors } from '../errors.js';
import { adminFieldsTouched } from './admin-fields.js';

/** Who called, from the token they presented. */
export type Principal = AdminPrincipal;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Lowest role a route needs; routes without one are public (the OpenAPI document only). */
    role?: AdminRoleName;
  }
}

/**
 * Bearer-token authentication: the presented token is hashed and compared, in
 * constant time, with the configured hashes; then the route's role is checked.
 * 401 without a valid token, 403 with a role too low.
 */
export function installAuth(app: FastifyInstance, tokens: readonly AdminTokenDef[]): void {
  const match = adminTokenMatcher(tokens);
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config?.role;
    if (!needed) return;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthenticated('send authorization: Bearer <token>');
    const principal = match(token);
    if (!principal) throw unauthenticated('the token is not known');
    request.principal = principal;
    requireRole(request, needed);
  });
}

const unauthenticated = (detail: string) =>
  ControlPlaneErrors.create('SETGATE_CP_UNAUTHENTICATED', { detail, headers: { 'www-authenticate': 'Bearer realm="setgate-control-plane"' } });

/** Throws 403 unless the caller's role is at least `role`. */
export function requireRole(request: FastifyRequest, role: AdminRoleName): Principal {
  const p = request.principal;
  if (!p) throw unauthenticated('send authorization: Bearer <token>');
  if (!roleAllows(p.role, role)) {
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
