import { devAdminTokens } from './admin-tokens.js';
import type { Stack } from './stack.js';

/**
 * What `npm start` prints once every process answers: one `entry` line per
 * region, a ready-to-use token and curl lines for a write and a read.
 */
export function banner(stack: Stack, token: string): string {
  const admin = devAdminTokens(stack.topology);
  const entries = stack.topology.regions.map((r) => {
    const proxy = r.proxies[0];
    return { region: r.name, url: proxy ? stack.url(proxy.id) : '' };
  });
  const first = entries[0]?.url ?? '';
  const last = entries[entries.length - 1]?.url ?? first;
  const lines = entries.map((e) => `entry ${e.region} ${e.url}`);
  lines.push(`token ${token}`);
  if (stack.controlPlaneUrl) {
    lines.push(`control-plane ${stack.controlPlaneUrl}`);
    for (const t of admin) lines.push(`admin-token ${t.role} ${t.token}`);
    const operator = admin.find((t) => t.role === 'operator');
    if (operator) {
      lines.push(`# ops CLI: SETGATE_ADMIN_URL=${stack.controlPlaneUrl} SETGATE_ADMIN_TOKEN=${operator.token} npx setgate status`);
    }
  }
  lines.push(
    '',
    '# write through the first region, read the same key through the last one:',
    `curl -si -X PUT ${first}/v1/profile -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '{"displayName":"Ada"}'`,
    '# reads may come from a nearby replica: send back the write\'s setgate-session header to see your own write',
    `curl -si ${last}/v1/profile -H "authorization: Bearer ${token}" -H "setgate-session: <from the PUT's response>"`,
    `curl -si -X POST ${first}/v1/cart/items -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '{"sku":"book-1","qty":1,"priceCents":1299}'`,
    `curl -si ${last}/v1/cart -H "authorization: Bearer ${token}"`,
    '',
    `${stack.supervisor.components().length} processes running; logs in each process's log file. Ctrl-C stops everything.`,
  );
  return `${lines.join('\n')}\n`;
}
