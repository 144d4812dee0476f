import { NodePath } from '@setgate/contracts';
import fp from 'fastify-plugin';

/** Options of the traffic-port health route. */
export interface TrafficHealthOptions {
  readonly region: string;
  /** Config version new requests route by. */
  readonly version: () => number;
}

/**
 * The gateway's health route on its traffic listener, answered before the
 * pipeline (no token, no limit, no shedding): regional proxies probe the
 * listener that carries traffic, so a gateway whose traffic port stops
 * answering leaves rotation even while its admin port still does. While the
 * gateway closes, fastify answers 503 on kept-alive connections and the
 * listener refuses new ones: either way the proxy sees it go.
 * Registered first, so it costs every other request one comparison.
 */
export const trafficHealth = fp<TrafficHealthOptions>(
  (app, opts, done) => {
    app.addHook('onRequest', (request, reply, next) => {
      if (request.url !== NodePath.health || (request.method !== 'GET' && request.method !== 'HEAD')) {
        next();
        return;
      }
      reply.header('cache-control', 'no-store').send({ status: 'ok', region: opts.region, configVersion: opts.version() });
    });
    done();
  },
  { name: 'setgate-traffic-health', fastify: '5.x' },
);
