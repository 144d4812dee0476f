import { sendProblem } from '@setgate/service-kit';
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from '../errors.js';

/**
 * Strict validation for the node's routes: no type coercion and no silently
 * dropped properties (fastify's defaults do both), so a body is stored as the
 * caller sent it or refused with the offending field named.
 */
export function installValidation(scope: FastifyInstance): void {
  const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
  scope.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  scope.setErrorHandler((err, request, reply) => {
    const validation = (err as { validation?: ErrorObject[] }).validation;
    if (!validation?.[0]) return sendProblem(request, reply, err);
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const first = validation[0];
    const field = fieldOf(first);
    return sendProblem(
      request,
      reply,
      NodeErrors.create('SETGATE_NODE_INVALID_REQUEST', {
        detail: `${where}${field ? `.${field}` : ''} ${first.message ?? 'is invalid'}`,
        extensions: { location: where, field: field || null },
        cause: err,
      }),
    );
  });
}

/** The dotted path of the failing field; for a missing or extra property, that property. */
function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.split('/').filter(Boolean);
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const named = params.missingProperty ?? params.additionalProperty;
  if (named) path.push(named);
  return path.join('.');
}
