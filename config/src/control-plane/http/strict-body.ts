import type { FastifyInstance } from 'fastify';
import { ControlPlaneErrors } from '../errors.js';

type BodySchema = { properties?: Record<string, { type?: string }> } | undefined;

const TYPE_OF: Record<string, (v: unknown) => boolean> = {
  integer: (v) => typeof v === 'number',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
};

/**
 * Fastify's validator coerces types (`"3"` becomes 3, `"true"` true), which
 * suits query strings but not a change to the fleet: a rollback target or
 * base version given as a string is refused (400), not read as a number.
 * Runs before validation, on the body fields the route's schema types.
 */
export function installStrictBodies(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema?.body as BodySchema;
    const body = request.body;
    if (!schema?.properties || typeof body !== 'object' || body === null || Array.isArray(body)) return;
    for (const [field, spec] of Object.entries(schema.properties)) {
      const value = (body as Record<string, unknown>)[field];
      const check = spec.type === undefined ? undefined : TYPE_OF[spec.type];
      if (value !== undefined && check && !check(value)) {
        throw ControlPlaneErrors.create('SETGATE_CP_BAD_REQUEST', { detail: `body/${field} must be a JSON ${spec.type}, not a ${typeof value}` });
      }
    }
  });
}
