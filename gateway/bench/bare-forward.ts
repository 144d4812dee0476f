/**
 * The benchmark baselines for the gateway: a bare fastify app with a
 * hand-written undici forward (`dispatcher.request` + `reply.send(body)`, the
 * same dispatcher factory as the gateway's forward stage), and nothing else:
 * no auth, limits, admission, routing, tracing or logging. By default the
 * node's body is streamed to the client (the baseline); with
 * `--buffered` a small body is read whole first, as the gateway's forward
 * does (small-body.ts), so the pipeline's own cost can be read off a
 * like-for-like forward.
 *
 * `node --import tsx gateway/bench/bare-forward.ts --port P --upstream URL --path /cmd/... --headers JSON [--buffered]`
 * prints `ready` on stdout once listening.
 */
import { parseArgs } from 'node:util';
import { createDispatcher, receive } from '@setgate/http-client';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    upstream: { type: 'string' },
    path: { type: 'string' },
    headers: { type: 'string' },
    buffered: { type: 'boolean', default: false },
  },
});
if (!values.port || !values.upstream || !values.path) {
  process.stderr.write('usage: bare-forward --port P --upstream URL --path PATH [--headers JSON]\n');
  process.exit(2);
}
const origin = values.upstream;
const path = values.path;
const asserted = JSON.parse(values.headers ?? '{}') as Record<string, string>;
const dispatcher = createDispatcher();
const app = Fastify({ logger: false });

app.all('*', async (request, reply) => {
  const response = await dispatcher.request({ origin, method: 'GET', path, headers: { ...asserted, 'x-request-id': request.id } });
  const type = response.headers['content-type'];
  if (typeof type === 'string') reply.type(type);
  if (values.buffered) return reply.code(response.statusCode).send((await receive(response)).body);
  return reply.code(response.statusCode).send(response.body);
});

const close = async () => {
  await app.close();
  await dispatcher.close();
  process.exit(0);
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write('ready\n');
