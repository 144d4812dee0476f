import { Header, isInternalHeader } from '@setgate/contracts';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { TrustedProxies } from './client-address.js';
import type { HeaderHygieneOptions } from './options.js';

const FORWARDED_FOR = 'x-forwarded-for';

/**
 * Stage 2: what a client sends must not be able to steer routing or assert
 * identity. Every `x-setgate-*` header is dropped before any stage reads the
 * headers, and a request with two Host headers is refused (request smuggling
 * and cache poisoning exploit hops that disagree on which one counts).
 * X-Forwarded-For counts only from trusted proxies (and, with hop secrets,
 * only when the caller proves it is one: `x-setgate-hop`; a wrong one is
 * refused, none means a client reached the gateway directly): the client address it
 * yields is kept on the context (anonymous rate limits key on it) and is the
 * only X-Forwarded-For the node sees. Hop-by-hop headers are left to the
 * forward stage, which never copies them. Header size, body size and the
 * request and header timeouts are the listener's (`limits`, service-kit).
 */
export const headerHygieneStage = fp<HeaderHygieneOptions>(
  (app, opts, done) => {
    const proxies = new TrustedProxies(opts.trustedProxies);
    const secrets = opts.hopSecrets;
    app.addHook('onRequest', (request, _reply, next) => {
      if (hostCount(request) > 1) {
        next(GatewayErrors.create('SETGATE_GW_DUPLICATE_HOST', { detail: 'A request carries exactly one Host header.' }));
        return;
      }
      const hop = request.headers[Header.hop];
      if (secrets !== undefined && hop !== undefined && !secrets.accepts(typeof hop === 'string' ? hop : undefined)) {
        next(GatewayErrors.create('SETGATE_GW_HOP_UNAUTHENTICATED', { detail: 'x-setgate-hop does not hold the stack\'s hop secret' }));
        return;
      }
      stripInternalHeaders(request.headers);
      // A direct client (no hop credential) is its own socket peer, whatever chain it sends.
      const xff = secrets === undefined || hop !== undefined ? request.headers[FORWARDED_FOR] : undefined;
      // Another hop proved the stack's secret, or (hops unauthenticated) connects from a trusted proxy's address.
      request.setgate.fromHop = secrets === undefined ? peerIsProxy(proxies, request.socket) : hop !== undefined;
      const client = xff === undefined ? peerAddress(proxies, request.socket) : proxies.clientAddress(request.socket.remoteAddress, Array.isArray(xff) ? xff.join(',') : xff);
      request.setgate.clientAddress = client;
      request.headers[FORWARDED_FOR] = client;
      next();
    });
    done();
  },
  { name: 'setgate-header-hygiene', fastify: '5.x' },
);

// Without X-Forwarded-For the client address depends on the socket peer only: parsed once per connection.
const PEER = Symbol('setgate.peerAddress');
type PeerSocket = Socket & { [PEER]?: string };

function peerAddress(proxies: TrustedProxies, socket: PeerSocket): string {
  let address = socket[PEER];
  if (address === undefined) {
    address = proxies.clientAddress(socket.remoteAddress, undefined);
    // remoteAddress is undefined once the socket is gone: do not keep that answer.
    if (socket.remoteAddress !== undefined) socket[PEER] = address;
  }
  return address;
}

const PROXY_PEER = Symbol('setgate.peerIsProxy');
type ProxySocket = Socket & { [PROXY_PEER]?: boolean };

/** Whether the socket peer is a trusted proxy: judged once per connection. */
function peerIsProxy(proxies: TrustedProxies, socket: ProxySocket): boolean {
  let trusted = socket[PROXY_PEER];
  if (trusted === undefined) {
    trusted = proxies.trustsPeer(socket.remoteAddress);
    if (socket.remoteAddress !== undefined) socket[PROXY_PEER] = trusted;
  }
  return trusted;
}

/** Removes every internal header in place. */
export function stripInternalHeaders(headers: Record<string, unknown>): void {
  for (const name in headers) if (isInternalHeader(name)) delete headers[name];
}

// Node keeps only the first Host in `headers`; the raw list still has all of them.
function hostCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  return count;
}
