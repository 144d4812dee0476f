import { parseArgs } from 'node:util';
import { AdminApiError, AdminClient } from './client.js';
import { parseOrUsage } from './command-line.js';
import * as cmd from './commands.js';

export const USAGE = `usage: setgate <command> [options]

commands:
  validate FILE                    dry run: every problem, or the impact
  diff FILE                        what FILE changes against the current version
  apply FILE --reason TEXT [--base N] [--force-unclean]   store FILE as the next version (base: the file's version)
  rollback N --reason TEXT [--force-unclean]   make version N current again (a new version)
  history [--limit N]              versions, newest first
  get [N]                          the current (or Nth) document as JSON
  status                           regions, sets, nodes, shards and leaders
  shard move S --to SET --reason TEXT [--force-unclean]   planned switchover of shard S
  drain region|set NAME --reason TEXT     move its leaders away, send users elsewhere
  undrain region|set NAME --reason TEXT
  failover pause|resume --reason TEXT
  wan status|partition|slow|heal|jitter   WAN emulation of a --wan stack (setgate wan --help)
  node list|restart ID             processes of an npm start stack; restart one in place (setgate node --help)
  tokens --users N [--out FILE] [--ttl SEC] [--prefix P] [--scope S] [--config FILE]
                                   sign N development user tokens with the topology's issuer (local; no control plane)

options:
  --url URL       control plane API (env SETGATE_ADMIN_URL, default http://127.0.0.1:7000)
  --token TOKEN   bearer token (env SETGATE_ADMIN_TOKEN)
  --json          machine-readable output
  --force-unclean promote new leaders even if they lack acknowledged writes (refused otherwise);
                  audited, and the answer says per shard how many acknowledged writes may be lost
exit codes: 0 done, 1 refused or failed, 2 bad command line, 3 control plane unreachable`;

/** Runs one command line; returns the exit code. Output goes through `out`/`err`. */
export async function runCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  // The WAN relay has its own endpoint, token and options; its client loads only when asked for (a call's start-up cost).
  if (argv[0] === 'wan') return (await import('./wan.js')).runWanCli(argv.slice(1), out, err);
  // The launcher's process API: its own endpoint, found in the data directory.
  if (argv[0] === 'node') return (await import('./node.js')).runNodeCli(argv.slice(1), out, err);
  const parsed = parseOrUsage(argv, parse, USAGE, out, err);
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals: p } = parsed;
  const client = new AdminClient(v.url ?? process.env.SETGATE_ADMIN_URL ?? 'http://127.0.0.1:7000', v.token ?? process.env.SETGATE_ADMIN_TOKEN);
  const io: cmd.Io = { client, progress: (line) => err(`${line}\n`) };
  try {
    const outcome = await dispatch(io, p, v);
    out(v.json ? `${JSON.stringify(outcome.json, null, 2)}\n` : `${outcome.text}\n`);
    return outcome.code;
  } catch (e) {
    if (e instanceof cmd.UsageError) {
      err(`${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof AdminApiError) {
      if (v.json) out(`${JSON.stringify(e.problem, null, 2)}\n`);
      const shards = (e.problem as { shards?: Array<{ code: string; reason: string }> }).shards?.map((x) => `  ${x.code}: ${x.reason}`);
      const problems = [...(e.problem.problems?.map((x) => `  ${x.path || '/'}: ${x.message}`) ?? []), ...(shards ?? [])].join('\n');
      err(`error ${e.status} ${e.message}${problems ? `\n${problems}` : ''}\n`);
      return 1;
    }
    err(`cannot reach the control plane at ${client.baseUrl}: ${(e as Error).message}\n`);
    return 3;
  }
}

type Values = ReturnType<typeof parse>['values'];

function dispatch(io: cmd.Io, p: readonly string[], v: Values): Promise<cmd.Outcome> {
  const [name, a, b] = p;
  switch (name) {
    case 'validate':
      return cmd.validate(io, a);
    case 'diff':
      return cmd.diff(io, a);
    case 'apply':
      return cmd.apply(io, a, v.reason, v.base, v['force-unclean']);
    case 'rollback':
      return cmd.rollback(io, a, v.reason, v['force-unclean']);
    case 'history':
      return cmd.history(io, v.limit);
    case 'get':
      return cmd.get(io, a);
    case 'status':
      return cmd.status(io);
    case 'shard':
      if (a !== 'move') throw new cmd.UsageError('shard move S --to SET');
      return cmd.shardMove(io, b, v.to, v.reason, v['force-unclean']);
    case 'drain':
      return cmd.drain(io, a, b, v.reason);
    case 'undrain':
      return cmd.undrain(io, a, b, v.reason);
    case 'failover':
      return cmd.failover(io, a, v.reason);
    case 'tokens':
      // A local command: its signer (config's dev token signer, with jose) loads only when asked for.
      return import('./tokens.js').then((t) => t.tokens(v));
    default:
      throw new cmd.UsageError(`unknown command "${name}"`);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      reason: { type: 'string' },
      base: { type: 'string' },
      limit: { type: 'string' },
      to: { type: 'string' },
      'force-unclean': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      users: { type: 'string' },
      out: { type: 'string' },
      ttl: { type: 'string' },
      prefix: { type: 'string' },
      scope: { type: 'string' },
      config: { type: 'string' },
    },
  });
}
