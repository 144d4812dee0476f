import { CommonErrors, PROBLEM_CONTENT_TYPE, SetgateError } from '@setgate/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noteProblem } from './tracing.js';

/** Fastify's own error codes mapped onto setgate's catalogue. */
const FASTIFY_CODES: Record<string, Parameters<typeof CommonErrors.create>[0]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SETGATE_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SETGATE_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SETGATE_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SETGATE_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SETGATE_BAD_REQUEST',
  FST_ERR_VALIDATION: 'SETGATE_BAD_REQUEST',
  FST_ERR_BAD_URL: 'SETGATE_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'SETGATE_BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'SETGATE_BAD_REQUEST',
};

/** Fixed details for router errors, whose own messages echo the whole client path back. */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The request path is not valid percent-encoded UTF-8.',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long.',
};

/** Turns anything thrown into a SetgateError; unknown errors become a 500 without detail. */
export function toSetgateError(err: unknown): SetgateError {
  if (err instanceof SetgateError) return err;
  const fe = err as Partial<FastifyError>;
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return CommonErrors.create(mapped, { detail: FASTIFY_DETAILS[fe.code as string] ?? fe.message, cause: err });
  if (fe.statusCode === 400 || (fe as { status?: number }).status === 400) {
    return CommonErrors.create('SETGATE_BAD_REQUEST', { detail: fe.message, cause: err });
  }
  return CommonErrors.create('SETGATE_INTERNAL', { detail: 'The request could not be completed.', cause: err });
}

/**
 * Sends an error as application/problem+json. A failure is logged (5xx as an error with its
 * cause); a deliberate refusal only in the request's access line, which carries its code.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toSetgateError(err);
  noteProblem(request, { code: e.code, refusal: e.refusal });
  if (e.status >= 500 && !e.refusal) request.log.error({ err: e.cause ?? e, code: e.code }, e.message);
  else if (!e.refusal) request.log.info({ code: e.code, status: e.status }, e.message);
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(e.toProblem(request.id)));
}

/** Installs problem+json error and not-found handlers: clients never see a stack trace. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendProblem(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      CommonErrors.create('SETGATE_NOT_FOUND', { detail: `${request.method} ${request.url.split('?')[0]} is not a route` }),
    ),
  );
}

/** Raw-socket answer for requests Node's parser rejects before fastify sees them. */
export function clientErrorResponse(code: string | undefined): string {
  return rawProblemResponse(
    code === 'HPE_HEADER_OVERFLOW'
      ? CommonErrors.create('SETGATE_HEADERS_TOO_LARGE')
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? CommonErrors.create('SETGATE_TIMEOUT')
        : CommonErrors.create('SETGATE_BAD_REQUEST'),
  );
}

/** A problem as a whole HTTP/1.1 response that closes the connection, for answers written on the socket itself. */
export function rawProblemResponse(err: SetgateError): string {
  const body = JSON.stringify(err.toProblem());
  const extra = Object.entries(err.headers)
    .filter(([name]) => name.toLowerCase() !== 'connection')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${err.status} ${err.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n${extra}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
