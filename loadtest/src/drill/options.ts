import { parseArgs } from 'node:util';

/** The drill CLI's options. */
export interface DrillOptions {
  readonly scenario: string;
  readonly seed: number;
  readonly runs: number;
  readonly durationS: number;
  readonly usersPerShard: number;
  readonly thinkMs: number;
  readonly json?: string;
  readonly html?: string;
  /** JSON lines of every op (invoke, completion, outcome, status, code), for a look at one shard's history or an outside checker. */
  readonly history?: string;
  readonly wan: boolean;
}

export const USAGE =
  'usage: npm run drill -- <scenario>|<scenario,scenario,...>|all [--seed N] [--runs K] [--duration S] [--users-per-shard U] [--think-ms T] [--json FILE] [--html FILE] [--history FILE.jsonl] [--wan]';

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

/** Parses the CLI arguments; throws with the problem on a bad one. */
export function parseDrillArgs(argv: readonly string[]): DrillOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      'users-per-shard': { type: 'string' },
      'think-ms': { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      history: { type: 'string' },
      wan: { type: 'boolean' },
    },
  });
  const scenario = positionals[0];
  if (!scenario || positionals.length > 1) throw new Error(USAGE);
  return {
    scenario,
    seed: int('seed', values.seed, 1, 0),
    runs: int('runs', values.runs, 1, 1),
    durationS: int('duration', values.duration, 40, 10),
    usersPerShard: int('users-per-shard', values['users-per-shard'], 2, 1),
    thinkMs: int('think-ms', values['think-ms'], 400, 10),
    json: values.json,
    html: values.html,
    ...(values.history ? { history: values.history } : {}),
    wan: values.wan === true,
  };
}
