import type { Dispatcher } from '@setgate/http-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { required } from '../request-context/request-context.js';
import type { ForwardOptions } from './options.js';
import { acceptRawBodies } from './raw-body.js';
import { misdirected, upstreamFailure } from './upstream-errors.js';
import { type RoutedRequest, upstreamHeaders } from './upstream-headers.js';

/**
 * Stage 8: sends the request to the node chosen by routing and streams the
 * answer back. Uses `dispatcher.request()` and `reply.send(body)`:
 * `stream.pipeline()` would cost ~40% of a hop's throughput. The command's
 * `timeoutMs` bounds the wait for the node's headers and between body chunks.
 * Registers fastify's only route, a catch-all: command-match decides what exists.
 */
export const forwardStage = fp<ForwardOptions>(
  (app, opts, done) => {
    acceptRawBodies(app);
    const { dispatcher } = opts;
    app.all('*', (request, reply) => forward(dispatcher, request, reply));
    done();
  },
  { name: 'setgate-forward', fastify: '5.x', dependencies: ['setgate-routing'] },
);

async function forward(dispatcher: Dispatcher, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.setgate;
  const routed: RoutedRequest = {
    ctx,
    table: required(ctx.table, 'routing table'),
    match: required(ctx.match, 'command match'),
    principal: required(ctx.principal, 'principal'),
    target: required(ctx.target, 'route target'),
  };
  const { command, params } = routed.match;
  const { node, key, shard } = routed.target;
  const { upstream, timeoutMs } = command.def;
  const body = upstream.method === 'GET' || upstream.method === 'HEAD' ? undefined : (request.body as Buffer | undefined);

  let response: Dispatcher.ResponseData;
  try {
    response = await dispatcher.request({
      origin: node.url,
      method: upstream.method,
      path: command.upstreamPath(key, params) + queryOf(request.url),
      headers: upstreamHeaders(request, routed),
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw upstreamFailure(err, node, timeoutMs);
  }
  if (response.statusCode === 421) throw await misdirected(response, node, shard);
  ctx.upstream = { headers: response.headers, body: response.body };
  return reply.code(response.statusCode).send(response.body);
}

function queryOf(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? '' : url.slice(i);
}
