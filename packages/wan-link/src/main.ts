import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { INTERNAL_TOKEN_ENV } from '@setgate/contracts';
import { createAdminServer } from './admin-server.js';
import type { WanPlan } from './plan.js';
import { WanRelay } from './relay.js';

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
  process.stdout.write(`${JSON.stringify({ msg: 'wan relay ready', id, adminUrl: url, links: relay.status().links })}\n`);
  process.send?.({ type: 'setgate:ready', id, kind: 'wan-link', url, adminUrl: url });
  const stop = async () => {
    admin.close();
    await relay.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
