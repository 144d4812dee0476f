/**
 * Micro benchmark of the hop-secret check every authenticated hop pays once
 * per request: a gateway's `x-setgate-hop` from a regional proxy
 * (`HopSecrets.accepts`), a node's `authorization: Bearer` from a gateway
 * (`acceptsBearer`), each with the current secret, with the previous one
 * (rotation under way) and with a wrong one. Prints ns per check (the best
 * round: on a shared machine the slower ones measure the neighbours). The
 * side-by-side figures with every process are `npm run bench -- path` and
 * `-- gateway` (rows `*-no-hop-auth`).
 *
 * `node --import tsx loadtest/src/micro/hop-check.ts [--iterations N] [--rounds R]`
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HopSecrets } from '@setgate/contracts';

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
