import fp from 'fastify-plugin';
import { RequestContext } from './request-context.js';

/**
 * Stage 1: gives every request a context object carrying the request id and
 * trace span that `createService` already set, for the later stages to fill.
 * Has no options.
 */
export const requestContextStage = fp(
  (app, _opts, done) => {
    app.decorateRequest('setgate', null as unknown as RequestContext);
    // Registered after service-kit's tracing hook, so request.span exists here.
    app.addHook('onRequest', (request, _reply, next) => {
      request.setgate = new RequestContext(request.id, request.span);
      next();
    });
    done();
  },
  { name: 'setgate-request-context', fastify: '5.x' },
);
