import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INTERNAL_TOKEN_ENV } from '@setgate/contracts';
import { type FaultsAnswer, PARTITION_MODES, type PartitionMode, type RelayStatus, WAN_ADMIN_URL_ENV, WanAdminClient, WanAdminError } from '@setgate/wan-link';
import { parseOrUsage } from './command-line.js';
import { table } from './format.js';

export const WAN_USAGE = `usage: setgate wan <command> [options]

commands (talk to the WAN relay of a stack started with --wan):
  status                                        RTT matrix, faults, traffic, relay CPU
  partition A B [--one-way] [--mode hold|refuse|reset]   cut A ↔ B (or only A → B); default hold
  slow A B [--delay-ms N] [--bandwidth-kbps K] [--one-way]  extra one-way delay and/or a cap
  heal [A B]                                    remove the faults of A ↔ B, or all of them
  jitter MS                                     per-chunk jitter in [0, MS)

options:
  --url URL          relay admin URL (env ${WAN_ADMIN_URL_ENV}; npm start -- --wan prints it)
  --token TOKEN      the stack's internal token (env ${INTERNAL_TOKEN_ENV})
  --token-file FILE  read the token from FILE (npm start writes data/wan-admin-token)
  --json             machine-readable output
exit codes: 0 done, 1 refused, 2 bad command line, 3 relay unreachable`;

class WanUsageError extends Error {}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      json: { type: 'boolean' },
      'one-way': { type: 'boolean' },
      mode: { type: 'string' },
      'delay-ms': { type: 'string' },
      'bandwidth-kbps': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

const number = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new WanUsageError(`${flag} must be a number ≥ 0`);
  return n;
};

function pair(a: string | undefined, b: string | undefined): [string, string] {
  if (!a || !b) throw new WanUsageError('give two regions: A B');
  return [a, b];
}

function faultsText(answer: FaultsAnswer): string {
  if (answer.faults.length === 0) return 'no faults: every link at its RTT';
  return table(
    ['from', 'to', 'partition', 'extra delay ms', 'bandwidth kbit/s'],
    answer.faults.map((f) => [f.from, f.to, f.partition ?? '-', String(f.extraDelayMs ?? 0), f.bandwidthKbps === undefined ? '-' : String(f.bandwidthKbps)]),
  );
}

function statusText(s: RelayStatus): string {
  const cpuMs = (s.cpu.userUs + s.cpu.systemUs) / 1000;
  const per = s.cpu.usPerChunk === null ? 'n/a' : `${s.cpu.usPerChunk.toFixed(1)} µs/chunk, ${(s.cpu.usPerKiB ?? 0).toFixed(1)} µs/KiB`;
  return [
    table(
      ['from', 'to', 'one-way ms', 'chunks', 'bytes', 'held bytes'],
      s.directions.map((d) => [d.from, d.to, String(d.delayMs), String(d.chunks), String(d.bytes), String(d.heldBytes)]),
    ),
    '',
    faultsText(s),
    '',
    `jitter ${s.jitterMs} ms; ${s.links} links; connections open ${s.connections.open}, accepted ${s.connections.accepted}, connects held ${s.connections.heldConnects}`,
    `relay CPU ${cpuMs.toFixed(0)} ms over ${(s.cpu.uptimeMs / 1000).toFixed(0)} s (${per})`,
  ].join('\n');
}

type Values = ReturnType<typeof parse>['values'];

/** Runs one `setgate wan` command; what it prints as JSON and as text. */
async function command(client: WanAdminClient, p: readonly string[], v: Values): Promise<{ json: unknown; text: string }> {
  const [name, a, b] = p;
  const oneWay = v['one-way'] === true;
  switch (name) {
    case 'status': {
      const s = await client.status();
      return { json: s, text: statusText(s) };
    }
    case 'partition': {
      const mode = (v.mode ?? 'hold') as PartitionMode;
      if (!PARTITION_MODES.includes(mode)) throw new WanUsageError(`--mode must be one of ${PARTITION_MODES.join(', ')}`);
      const answer = await client.partition(...pair(a, b), { oneWay, mode });
      return { json: answer, text: faultsText(answer) };
    }
    case 'slow': {
      const delayMs = number(v['delay-ms'], '--delay-ms');
      const bandwidthKbps = number(v['bandwidth-kbps'], '--bandwidth-kbps');
      if (delayMs === undefined && bandwidthKbps === undefined) throw new WanUsageError('slow needs --delay-ms and/or --bandwidth-kbps');
      const answer = await client.slow(...pair(a, b), { oneWay, ...(delayMs !== undefined ? { delayMs } : {}), ...(bandwidthKbps !== undefined ? { bandwidthKbps } : {}) });
      return { json: answer, text: faultsText(answer) };
    }
    case 'heal': {
      const answer = a === undefined ? await client.heal() : await client.heal(...pair(a, b));
      return { json: answer, text: faultsText(answer) };
    }
    case 'jitter': {
      const ms = number(a, 'MS');
      if (ms === undefined) throw new WanUsageError('jitter MS');
      const answer = await client.jitter(ms);
      return { json: answer, text: `jitter ${answer.jitterMs} ms` };
    }
    default:
      throw new WanUsageError(`unknown wan command "${name}"`);
  }
}

/** `setgate wan …`: runs one command against a relay's admin endpoint; returns the exit code. */
export async function runWanCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const parsed = parseOrUsage(argv, parse, WAN_USAGE, out, err);
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals: p } = parsed;
  const url = v.url ?? process.env[WAN_ADMIN_URL_ENV];
  let token = v.token ?? process.env[INTERNAL_TOKEN_ENV];
  try {
    if (v['token-file']) token = readFileSync(v['token-file'], 'utf8').trim();
  } catch (e) {
    err(`cannot read ${v['token-file']}: ${(e as Error).message}\n`);
    return 2;
  }
  if (!url) {
    err(`no relay URL: pass --url or set ${WAN_ADMIN_URL_ENV}\n`);
    return 2;
  }
  const client = new WanAdminClient(url, token);
  try {
    const { json, text } = await command(client, p, v);
    out(v.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
    return 0;
  } catch (e) {
    if (e instanceof WanUsageError) {
      err(`${e.message}\n\n${WAN_USAGE}\n`);
      return 2;
    }
    if (e instanceof WanAdminError) {
      if (v.json) out(`${JSON.stringify(e.problem, null, 2)}\n`);
      err(`error ${e.message}\n`);
      return 1;
    }
    err(`cannot reach the WAN relay at ${url}: ${(e as Error).message}\n`);
    return 3;
  }
}
