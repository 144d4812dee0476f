/**
 * The floor under a refusal, for `npm run bench -- overload`: a bare
 * `node:http` server that answers every request with the same 503
 * problem+json and Retry-After the gateway sheds with, and does nothing else
 * (no routing, hooks, metrics or logging). What a shed costs the gateway above
 * this is what its pipeline adds; what this costs is Node's HTTP parsing and
 * the socket write, which no refusal can avoid.
 *
 * `node --import tsx gateway/bench/bare-refusal.ts --port P` prints `ready` on stdout once listening.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
if (!values.port) {
  process.stderr.write('usage: bare-refusal --port P\n');
  process.exit(2);
}
const body = JSON.stringify({
  type: 'urn:setgate:error:SETGATE_GW_OVERLOADED',
  title: 'Gateway overloaded; request shed',
  status: 503,
  code: 'SETGATE_GW_OVERLOADED',
  detail: 'The gateway is overloaded; high-priority requests are being shed.',
});
const headers = { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'retry-after': '1' };
const server = createServer((request, response) => {
  // Drain whatever the request carries, as a server that answers early must.
  request.resume();
  response.writeHead(503, headers);
  response.end(body);
});
server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
