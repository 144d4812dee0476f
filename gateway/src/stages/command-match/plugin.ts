import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import type { CommandMatchOptions } from './options.js';

/**
 * Stage 3: matches the request against the topology's command table.
 * Fastify only has a catch-all route (registered by the forward stage): the
 * command table changes with the topology, and fastify's router cannot be
 * changed after start, so matching happens here against the table held by
 * `routes`, read once per request.
 */
export const commandMatchStage = fp<CommandMatchOptions>(
  (app, opts, done) => {
    app.addHook('onRequest', (request, _reply, next) => {
      const table = opts.routes.current;
      const match = table.match(request.method, request.url);
      if (match === null) {
        next(notMatched(table.allowedMethods(request.url), request.method, request.url));
        return;
      }
      const ctx = request.setgate;
      ctx.table = table;
      ctx.match = match;
      next();
    });
    done();
  },
  { name: 'setgate-command-match', fastify: '5.x', dependencies: ['setgate-request-context'] },
);

function notMatched(allowed: readonly string[], method: string, url: string) {
  const path = url.split('?', 1)[0];
  if (allowed.length === 0) {
    return GatewayErrors.create('SETGATE_GW_ROUTE_NOT_FOUND', { detail: `${method} ${path} is not a command` });
  }
  return GatewayErrors.create('SETGATE_GW_METHOD_NOT_ALLOWED', {
    detail: `${path} accepts ${allowed.join(', ')}, not ${method}`,
    headers: { allow: allowed.join(', ') },
  });
}
