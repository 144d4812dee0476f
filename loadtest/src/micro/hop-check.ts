/**
 * Micro benchmark of the hop-secret check every authenticated hop pays once
 * per request: a gateway's `x-setgate-hop` from a regional proxy
 * (`HopSecrets.accepts`), a node's `authorization: Bearer` from a gateway
 * (`acceptsBearer`), each with the current secret, with the previous one
 * (rotation under way) and with a wrong one. Prints ns per check (the best
 * round: on a shared machine the slower ones measure the neighbours). Then
 * the same with the listener around it: a node-like fastify service
 * (createService) answering `fastify.inject` requests with and without its
 * `requireHop` onRequest hook, CPU µs per request of each and the difference,
 * measured in alternating blocks (best block of each). The side-by-side
 * figures with every process are `npm run bench -- path` and `-- gateway`
 * (rows `*-no-hop-auth`); on a busy machine their noise is larger than this.
 *
 * `node --import tsx loadtest/src/micro/hop-check.ts [--iterations N] [--rounds R]`
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HopSecrets } from '@setgate/contracts';
import { createService } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '7' },
  },
});
const iterations = Number(values.iterations);
const rounds = Number(values.rounds);

// As `npm start` makes them: 24 random bytes, base64url.
const secret = () => randomBytes(24).toString('base64url');
const current = secret();
const previous = secret();
const secrets = new HopSecrets(current, [previous]);
const wrong = secret();

const probes: ReadonlyArray<{ label: string; check: () => boolean; expect: boolean }> = [
  { label: 'x-setgate-hop, current secret', check: () => secrets.accepts(current), expect: true },
  { label: 'x-setgate-hop, previous secret', check: () => secrets.accepts(previous), expect: true },
  { label: 'x-setgate-hop, wrong secret', check: () => secrets.accepts(wrong), expect: false },
  { label: 'authorization: Bearer, current', check: () => secrets.acceptsBearer(`Bearer ${current}`), expect: true },
  { label: 'authorization: Bearer, wrong', check: () => secrets.acceptsBearer(`Bearer ${wrong}`), expect: false },
];

for (const probe of probes) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    let ok = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (probe.check()) ok++;
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (ok !== (probe.expect ? iterations : 0)) throw new Error(`${probe.label}: the check answered wrong`);
    best = Math.min(best, ns);
  }
  process.stdout.write(`  ${best.toFixed(1).padStart(7)} ns/check  ${probe.label}\n`);
}

// The listener: one service with the hook, one without; the same route and request otherwise.
const telemetry = startTelemetry({ service: 'micro', instance: 'hop-check', logLevel: 'silent' });
const refuse = () => new Error('refused');
const build = (withHop: boolean) => {
  const app = createService({ telemetry, tracing: false, ...(withHop ? { requireHop: { secrets, refuse } } : {}) });
  app.get('/cmd/profile/:key', async () => ({ displayName: 'Bench User' }));
  return app;
};
const apps = { on: build(true), off: build(false) };
await Promise.all([apps.on.ready(), apps.off.ready()]);
const injectRequest = { method: 'GET' as const, url: '/cmd/profile/bench-user-0', headers: { authorization: secrets.bearer } };
const perBlock = Math.max(1000, Math.floor(iterations / 100));
const cpuPerRequest = async (app: typeof apps.on): Promise<number> => {
  const start = process.cpuUsage();
  for (let i = 0; i < perBlock; i++) {
    const res = await app.inject(injectRequest);
    if (res.statusCode !== 200) throw new Error(`inject answered ${res.statusCode}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perBlock;
};
const best = { on: Number.POSITIVE_INFINITY, off: Number.POSITIVE_INFINITY };
for (let r = 0; r < rounds * 3; r++) {
  best.off = Math.min(best.off, await cpuPerRequest(apps.off));
  best.on = Math.min(best.on, await cpuPerRequest(apps.on));
}
process.stdout.write(`  ${best.off.toFixed(2).padStart(7)} µs/req   service without the hop hook (inject, ${perBlock} per block)\n`);
process.stdout.write(`  ${best.on.toFixed(2).padStart(7)} µs/req   service with the hop hook\n`);
process.stdout.write(`  ${(best.on - best.off).toFixed(2).padStart(7)} µs/req   the hop check, hook included\n`);
await Promise.all([apps.on.close(), apps.off.close()]);
