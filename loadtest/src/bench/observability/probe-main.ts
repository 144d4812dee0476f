/**
 * One build of the observability probe (observability-probe.ts), in a process of its own: the chain a
 * profile read takes (chain.ts) with this process's OpenTelemetry settings, and its client, which sends a
 * batch of reads when told and answers with what the batch cost per request, in this process's CPU time
 * (client and chain share the process) and by the clock. Access lines are written (to /dev/null) whatever
 * the settings: they are logs, which the issue prices apart.
 *
 * `--subject gateway|path`: client → gateway → node, or client → regional proxy → gateway → node.
 * `--redis URL`: the region's Redis for the gateway's shared limits, one for both builds of a pair, as two
 * gateways of a region share one.
 *
 * Protocol on stdin/stdout, one line each: it prints `probe:ready` once the chain answers; each line `N`
 * it reads runs N reads and prints `probe:<CPU µs> <elapsed µs>` per request; `close` (or the end of
 * stdin) closes the chain, and it exits. A failure prints `probe:error <message>` and exits 1.
 */
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { defaultTopologyPath, devSecretEnv, loadTopologyFile } from '@setgate/config';
import { HopSecrets } from '@setgate/contracts';
import { type Batcher, loopbackBatcher } from '@setgate/gateway/bench/paired-batches';
import { signDevToken } from '@setgate/launcher';
import { CoalescingDestination, fdSink, startTelemetry, type Telemetry } from '@setgate/telemetry';
import { TopologyView } from '@setgate/topology';
import { Pool } from 'undici';
import { firstRegionPath } from '../benchmarks/key-placement.js';
import { buildChain } from './chain.js';
import { PROBE_LINE, type ProbeSubject } from './probe-protocol.js';


const READ_PATH = '/v1/profile';
const READY_DEADLINE_MS = 60_000;
/** The hop secret of the probe's chains; both builds use it, so it cancels. */
const HOP_SECRET = 'observability-probe-hop-secret-0123456789';

/** Sends the seed write until the chain answers 2xx (a proxy first probes its gateway's health): a generous deadline, not a fixed wait. */
async function seed(url: string, auth: Record<string, string>): Promise<void> {
  const pool = new Pool(url, { connections: 1 });
  const deadline = Date.now() + READY_DEADLINE_MS;
  try {
    for (;;) {
      const res = await pool.request({
        method: 'PUT',
        path: READ_PATH,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: 'Probe User' }),
      });
      const body = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      if (Date.now() > deadline) throw new Error(`seeding the profile through ${url}: ${res.statusCode} ${body.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await pool.close();
  }
}

/** Builds the chain for `subject` with this process's telemetry settings, seeded, and its client. */
async function build(subject: ProbeSubject, redisUrl: string): Promise<Batcher> {
  const source = loadTopologyFile(defaultTopologyPath());
  // The stack's dev signing keys, made as `npm start` makes them: the gateway checks tokens signed with them.
  // Once in this process's environment, their files are not needed.
  const scratch = mkdtempSync(join(tmpdir(), 'setgate-obs-secrets-'));
  try {
    Object.assign(process.env, devSecretEnv(source, scratch, { create: true }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const path = firstRegionPath(new TopologyView(source));
  const auth = { authorization: `Bearer ${await signDevToken(source, { sub: path.placed.key })}` };
  // Access lines through the writer a process uses, to a sink that keeps nothing.
  const devNull = new CoalescingDestination(fdSink(openSync('/dev/null', 'w')));
  const made: Telemetry[] = [];
  const chain = await buildChain({
    path,
    hopSecrets: new HopSecrets(HOP_SECRET),
    redisUrl,
    withProxy: subject === 'path',
    telemetry(service, instance) {
      const t = startTelemetry({ service, instance, region: path.region, logDestination: devNull });
      made.push(t);
      return t;
    },
  });
  const closeAll = async () => {
    await chain.close();
    for (const t of made) await t.shutdown();
  };
  try {
    await seed(chain.url, auth);
  } catch (err) {
    await closeAll();
    throw err;
  }
  return loopbackBatcher(chain.url, { method: 'GET', path: READ_PATH, headers: auth }, closeAll);
}

async function serve(subject: ProbeSubject, redisUrl: string): Promise<void> {
  const batcher = await build(subject, redisUrl);
  process.stdout.write(`${PROBE_LINE}ready\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'close') break;
    const n = Number(line);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a batch size or close, got "${line}"`);
    const cost = await batcher.batch(n);
    process.stdout.write(`${PROBE_LINE}${cost.cpuUs} ${cost.elapsedUs}\n`);
  }
  await batcher.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { subject: { type: 'string' }, redis: { type: 'string' } } });
  const subject = values.subject;
  if ((subject !== 'gateway' && subject !== 'path') || !values.redis) {
    process.stderr.write('usage: probe-main --subject gateway|path --redis URL\n');
    process.exit(2);
  }
  try {
    await serve(subject, values.redis);
    process.exit(0);
  } catch (err) {
    process.stdout.write(`${PROBE_LINE}error ${(err as Error).message.replaceAll('\n', ' ')}\n`);
    process.exit(1);
  }
}
