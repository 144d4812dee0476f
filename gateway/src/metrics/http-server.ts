import { type HttpMetricsOptions, UNMATCHED_ROUTE } from '@setgate/service-kit';
import { HttpServerMetrics, type Meter } from '@setgate/telemetry';
import type { FastifyRequest } from 'fastify';
// Declares request.setgate.
import '../stages/request-context/request-context.js';

/**
 * The gateway's `http.server.*` metrics: every request on the catch-all route is
 * named by its command (`setgate.command`, with the command's path template as
 * `http.route`); one no command matched (404, 405, refused before matching) is
 * `_unmatched`. Commands come from the config, so the label set is bounded.
 */
export function gatewayHttpMetrics(meter: Meter, region: string): HttpMetricsOptions {
  return {
    metrics: new HttpServerMetrics(meter, { 'setgate.region': region }),
    // request.setgate is null on routes outside the pipeline (the traffic health route): their template names them.
    routeOf: (request: FastifyRequest) => (request.setgate ? (request.setgate.match?.command.def.name ?? UNMATCHED_ROUTE) : undefined),
    attributesOf: (request: FastifyRequest) => {
      const def = request.setgate?.match?.command.def;
      return def ? { 'setgate.command': def.name, 'http.route': def.path } : {};
    },
  };
}
