/**
 * The benchmark baseline for the gateway: a bare fastify app with a
 * hand-written undici forward (the same `dispatcher.request` + `reply.send(body)`
 * and the same dispatcher factory as the gateway's forward stage), and nothing
 * else: no auth, limits, admission, routing, tracing or logging.
 *
 * `node --import tsx gateway/bench/bare-forward.ts --port P --upstream URL --path /cmd/... --headers JSON`
 * prints `ready` on stdout once listening.
 */
import { parseArgs } from 'node:util';
import { createDispatcher } from '@setgate/http-client';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: { port: { type: 'string' }, upstream: { type: 'string' }, path: { type: 'string' }, headers: { type: 'string' } },
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
