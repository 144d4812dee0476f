import { WAN_ADMIN_URL_ENV } from '@setgate/wan-link';
import type { Stack } from './stack.js';

/** What `npm start -- --wan` prints about the relay: its admin URL and `setgate wan` lines. */
export function wanBanner(stack: Stack): string {
  const wan = stack.wan;
  if (!wan) return '';
  const regions = stack.topology.regions.map((r) => r.name);
  const [a = 'a', b = 'b'] = regions;
  const rtt = stack.topology.rtt.map((l) => `${l.a}↔${l.b} ${l.ms} ms`).join(', ');
  return `${[
    '',
    `wan-relay ${wan.adminUrl}   (every cross-region connection pays the RTT matrix: ${rtt}; control plane in ${wan.controlPlaneRegion})`,
    `# WAN CLI: export ${WAN_ADMIN_URL_ENV}=${wan.adminUrl} SETGATE_INTERNAL_TOKEN=$(cat ${wan.tokenFile})`,
    './setgate wan status',
    `./setgate wan partition ${a} ${b} --mode hold      # or --mode refuse|reset, --one-way`,
    `./setgate wan slow ${a} ${b} --delay-ms 100 --bandwidth-kbps 1000`,
    './setgate wan heal',
  ].join('\n')}\n`;
}
