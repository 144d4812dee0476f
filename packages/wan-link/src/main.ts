import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { INTERNAL_TOKEN_ENV } from '@setgate/contracts';
import { createAdminServer } from './admin-server.js';
import type { WanPlan } from './plan.js';
import { WanRelay } from './relay.js';

/** Scheduling priority the relay asks for (lower is more favoured). */
const RELAY_NICE = -10;

/**
 * The WAN relay process: `--plan FILE` (a {@link WanPlan} as JSON) and the
 * stack's internal token in the environment. Reports ready over IPC with its
 * admin URL, as every component does; SIGTERM closes it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { plan: { type: 'string' }, id: { type: 'string' } } });
  if (!values.plan) throw new Error('usage: wan-link --plan FILE [--id NAME]');
  const token = process.env[INTERNAL_TOKEN_ENV];
  if (!token) throw new Error(`${INTERNAL_TOKEN_ENV} must be set: the admin endpoint is authenticated by it`);
  const plan = JSON.parse(readFileSync(values.plan, 'utf8')) as WanPlan;
  // The relay stands for the network, which the components' own CPU load does not slow down.
  // On a busy shared machine a fairly scheduled relay fell seconds behind (connects timing out,
  // a 37 s /status), so it asks for a higher priority; without the right to, it runs as is.
  let priority = 'default';
  try {
    setPriority(RELAY_NICE);
    priority = String(RELAY_NICE);
  } catch {
    // Not permitted (an unprivileged user): keep the default priority.
  }
  const relay = new WanRelay(plan);
  await relay.start();
  const admin = createAdminServer(relay, token);
  const host = plan.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(plan.adminPort ?? 0, host, () => resolve());
  });
  const url = `http://${host}:${(admin.address() as AddressInfo).port}`;
  const id = values.id ?? 'wan-link';
  process.stdout.write(`${JSON.stringify({ msg: 'wan relay ready', id, adminUrl: url, links: relay.status().links, nice: priority })}\n`);
  process.send?.({ type: 'setgate:ready', id, kind: 'wan-link', url, adminUrl: url });
  // Nothing here outlives the process (no state, no files to flush): the kernel closes every
  // socket at exit, and a graceful close could wait on a client that never reads again.
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
