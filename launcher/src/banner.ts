import { Header } from '@setgate/contracts';
import { devAdminTokens } from './admin-tokens.js';
import type { Stack } from './stack.js';

/**
 * Shell lines a newcomer can paste as they are (bash, zsh): a write through the first
 * region, then a read of the same key through the last one carrying the write's
 * `setgate-session` header, so the read sees the write even from a replica that has not
 * caught up yet; the same for a cart item. `session` keeps the session header of a write's answer.
 */
export function trySnippet(token: string, first: string, last: string): string[] {
  const auth = '-H "authorization: Bearer $TOKEN"';
  const json = "-H 'content-type: application/json'";
  return [
    '# try it: paste these lines into a shell (a write through the first region, read back through the last one with its session)',
    `TOKEN='${token}'`,
    `session() { tr -d '\\r' | awk 'tolower($1) == "${Header.session}:" { print $2 }'; }`,
    `SESSION=$(curl -s -o /dev/null -D - -X PUT ${first}/v1/profile ${auth} ${json} -d '{"displayName":"Ada"}' | session); echo "PUT session: $SESSION"`,
    `curl -si ${last}/v1/profile ${auth} -H "${Header.session}: $SESSION"; echo`,
    `SESSION=$(curl -s -o /dev/null -D - -X POST ${first}/v1/cart/items ${auth} ${json} -d '{"sku":"book-1","qty":1,"priceCents":1299}' | session); echo "POST session: $SESSION"`,
    `curl -si ${last}/v1/cart ${auth} -H "${Header.session}: $SESSION"; echo`,
  ];
}

/**
 * What `npm start` prints once every process answers: one `entry` line per
 * region, a ready-to-use token and a shell snippet for a write and a read.
 */
export function banner(stack: Stack, token: string, launcherUrl?: string): string {
  const admin = devAdminTokens(stack.topology);
  const entries = stack.topology.regions.map((r) => {
    const proxy = r.proxies[0];
    return { region: r.name, url: proxy ? stack.url(proxy.id) : '' };
  });
  const first = entries[0]?.url ?? '';
  const last = entries[entries.length - 1]?.url ?? first;
  const lines = entries.map((e) => `entry ${e.region} ${e.url}`);
  lines.push(`token ${token}`);
  if (launcherUrl) lines.push(`launcher ${launcherUrl}`);
  if (stack.controlPlaneUrl) {
    lines.push(`control-plane ${stack.controlPlaneUrl}`);
    for (const t of admin) lines.push(`admin-token ${t.role} ${t.token}`);
    const operator = admin.find((t) => t.role === 'operator');
    if (operator) {
      lines.push(`# ops CLI: SETGATE_ADMIN_URL=${stack.controlPlaneUrl} SETGATE_ADMIN_TOKEN=${operator.token} ./setgate status`);
      if (launcherUrl) lines.push(`# a killed process, started again with its data: SETGATE_ADMIN_TOKEN=${operator.token} ./setgate node restart <id>`);
    }
  }
  lines.push('', ...trySnippet(token, first, last));
  lines.push(
    '',
    `${stack.supervisor.components().length} processes running; logs in each process's log file. Ctrl-C stops everything.`,
  );
  return `${lines.join('\n')}\n`;
}
