import { connect } from 'node:net';
import { buildConnector } from 'undici';
import { awaitRelayHandshake } from './handshake.js';
import { endpointKey, parseWanRoutes, WAN_ROUTES_ENV, type WanRoutes } from './routes.js';

/**
 * An undici connector that sends connections to targets in `routes` through
 * their WAN relay (the request, its Host header and TLS name still name the
 * target) and everything else directly. A relayed connect resolves once the
 * relay's emulated handshake is over, and fails as a direct one would:
 * ECONNREFUSED when the target or a partition refuses, a connect timeout
 * while a partition holds packets.
 */
export function wanConnector(routes: WanRoutes, opts: { timeoutMs: number }): buildConnector.connector {
  const direct = buildConnector({ timeout: opts.timeoutMs });
  return (options, callback) => {
    const port = options.port !== '' ? options.port : options.protocol === 'https:' ? '443' : '80';
    const relay = routes.get(endpointKey(options.hostname, port));
    if (!relay) {
      direct(options, callback);
      return;
    }
    const socket = connect({ host: relay.host, port: relay.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 });
    awaitRelayHandshake(socket, { host: options.hostname, port: Number(port) }, opts.timeoutMs).then(
      () => {
        // TLS, when the target speaks it, runs end to end through the relay.
        if (options.protocol === 'https:') direct({ ...options, httpSocket: socket }, callback);
        else callback(null, socket);
      },
      (e: Error) => callback(e, null),
    );
  };
}

/** This process's route map, from {@link WAN_ROUTES_ENV}; undefined without WAN emulation. */
export function wanRoutesFromEnv(env: NodeJS.ProcessEnv = process.env): WanRoutes | undefined {
  return parseWanRoutes(env[WAN_ROUTES_ENV]);
}
