import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LAUNCHER_FILE, LAUNCHER_URL_ENV, LauncherPath, type LauncherFile, type ProcessesAnswer, type ProcessView, type RestartAnswer } from '@setgate/contracts';
import { AdminApiError, AdminClient } from './client.js';
import { parseOrUsage } from './command-line.js';
import { table } from './format.js';

export const NODE_USAGE = `usage: setgate node <command> [options]

commands (talk to the launcher of a stack started with npm start):
  list                 every process it runs: id, kind, pid, state, how it exited
  restart ID           start process ID again in place (same data, ports and secrets);
                       waits until it reports ready (a running process is stopped first)

options:
  --launcher URL       the launcher's process API (env ${LAUNCHER_URL_ENV}; default: read from
                       <data dir>/${LAUNCHER_FILE}, data dir from SETGATE_DATA_DIR or ./data)
  --token TOKEN        a control-plane admin token (env SETGATE_ADMIN_TOKEN): viewer lists, operator restarts
  --json               machine-readable output
exit codes: 0 done, 1 refused or failed, 2 bad command line, 3 launcher unreachable`;

class NodeUsageError extends Error {}

/** How long a restart may take: the launcher answers once the process reports ready, slow on a busy machine. */
const RESTART_TIMEOUT_MS = 300_000;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      launcher: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The launcher's URL: the flag, the env var, else the file `npm start` keeps in its data directory. */
function launcherUrl(flag: string | undefined): string {
  const given = flag ?? process.env[LAUNCHER_URL_ENV];
  if (given) return given;
  const file = join(process.env.SETGATE_DATA_DIR ?? 'data', LAUNCHER_FILE);
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as LauncherFile).url;
  } catch {
    throw new NodeUsageError(`no launcher: ${file} is missing (is npm start running here?); pass --launcher URL or set ${LAUNCHER_URL_ENV}`);
  }
}

function exitText(p: ProcessView): string {
  if (!p.exit) return '-';
  return p.exit.signal ?? `code ${p.exit.code}`;
}

function listText(a: ProcessesAnswer): string {
  return table(
    ['id', 'kind', 'pid', 'state', 'exit', 'restarts', 'url'],
    a.processes.map((p) => [p.id, p.kind ?? '-', String(p.pid), p.state, exitText(p), String(p.restarts), p.url ?? '-']),
  );
}

/** `setgate node …`: one command against the launcher's process API; returns the exit code. */
export async function runNodeCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const parsed = parseOrUsage(argv, parse, NODE_USAGE, out, err);
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals: p } = parsed;
  let url: string;
  try {
    const [name, id] = p;
    if (name !== 'list' && name !== 'restart') throw new NodeUsageError(`unknown node command "${name}"`);
    if (name === 'restart' && !id) throw new NodeUsageError('restart needs the process id (setgate node list shows them)');
    url = launcherUrl(v.launcher);
  } catch (e) {
    err(`${(e as Error).message}\n\n${NODE_USAGE}\n`);
    return 2;
  }
  const client = new AdminClient(url, v.token ?? process.env.SETGATE_ADMIN_TOKEN, RESTART_TIMEOUT_MS);
  try {
    if (p[0] === 'list') {
      const { body } = await client.call<ProcessesAnswer>('GET', LauncherPath.processes);
      out(v.json ? `${JSON.stringify(body, null, 2)}\n` : `${listText(body)}\n`);
      return 0;
    }
    const id = p[1] as string;
    const { body } = await client.call<RestartAnswer>('POST', LauncherPath.restart.replace(':id', encodeURIComponent(id)));
    out(v.json ? `${JSON.stringify(body, null, 2)}\n` : `restarted ${id}: pid ${body.process.pid}, ready after ${(body.readyAfterMs / 1000).toFixed(1)} s\n`);
    return 0;
  } catch (e) {
    if (e instanceof AdminApiError) {
      if (v.json) out(`${JSON.stringify(e.problem, null, 2)}\n`);
      err(`error ${e.status} ${e.message}\n`);
      return 1;
    }
    err(`cannot reach the launcher at ${url}: ${(e as Error).message}\n`);
    return 3;
  }
}
