/** Environment variable with each process's ready deadline in milliseconds (tests, drills, CI). */
export const READY_TIMEOUT_ENV = 'SETGATE_READY_TIMEOUT_MS';

/**
 * Each process's ready deadline when nothing sets one: 30 s plus 3 s per process of the
 * stack. Processes of a wave start together and share the cores, and a busy machine
 * slows every one of them, so a bigger stack gets longer (the 16 processes of
 * `config/topology.yaml`: 78 s; one compiled component needs about 1 s of CPU).
 */
export function defaultReadyTimeoutMs(processes: number): number {
  return 30_000 + 3_000 * processes;
}

/** `90` (seconds), `90s`, `1500ms`, `2m` → milliseconds; undefined when it is none of those. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** The ready deadline the caller's environment sets, if any; a value that is not a positive integer is refused. */
export function readyTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[READY_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error(`${READY_TIMEOUT_ENV} must be a whole number of milliseconds > 0, not "${raw ?? ''}"`);
  return ms;
}

/** `--ready-timeout 120` / `--ready-timeout=2m` on `npm start`'s command line (plain numbers are seconds). */
export function readyTimeoutFromArgs(argv: readonly string[]): number | undefined {
  const i = argv.indexOf('--ready-timeout');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--ready-timeout='))?.slice('--ready-timeout='.length);
  if (raw === undefined && i < 0) return undefined;
  const ms = raw === undefined ? undefined : parseDurationMs(raw);
  if (ms === undefined) throw new Error(`--ready-timeout takes a duration such as 120 (seconds), 90s, 2m or 1500ms, not "${raw ?? ''}"`);
  return ms;
}
