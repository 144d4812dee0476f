import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultTopologyPath, loadTopologyFile, TopologyError } from '@setgate/config';
import { LAUNCHER_FILE, type LauncherFile } from '@setgate/contracts';
import { ComponentStartError, type RunningComponent } from '@setgate/process-supervisor';
import { signDevToken } from './dev-token.js';
import { banner } from './banner.js';
import { reportConfigSource, resetData } from './config-source.js';
import { controlPlaneMode, type EtcdMode, etcdModeBanner, prepareEtcdMode } from './etcd-mode.js';
import { type ProcessAdmin, startProcessAdmin } from './process-admin.js';
import { defaultReadyTimeoutMs, READY_TIMEOUT_ENV, readyTimeoutFromArgs, readyTimeoutFromEnv } from './ready-timeout.js';
import { type Stack, type StackOptions, stackProcessCount, startStack } from './stack.js';
import { StartProgress } from './start-progress.js';
import { wanFromArgs, type WanOptions } from './wan.js';
import { wanBanner } from './wan-banner.js';

interface StartArgs {
  readonly mode: 'file' | 'etcd';
  /** `--from-file`: apply the file as a new version when it differs from the stored one. */
  readonly fromFile: boolean;
  /** `--reset` (`--yes`: without asking): delete the local data first, so the file seeds version 1 again. */
  readonly reset: boolean;
  readonly yes: boolean;
  readonly wan: WanOptions | undefined;
  /** From --ready-timeout, else SETGATE_READY_TIMEOUT_MS; undefined: the default for the stack's size. */
  readonly readyTimeoutMs: number | undefined;
}

/** `npm start -- [--control-plane file|etcd] [--wan ...] [--ready-timeout 120] [--from-file | --reset [--yes]]`; throws on a bad value. */
function parseStartArgs(argv: readonly string[]): StartArgs {
  const fromFile = argv.includes('--from-file');
  const reset = argv.includes('--reset');
  if (fromFile && reset) throw new Error('--from-file and --reset exclude each other: --reset starts over from the file anyway');
  return {
    mode: controlPlaneMode(argv),
    fromFile,
    reset,
    yes: argv.includes('--yes'),
    wan: wanFromArgs(argv),
    readyTimeoutMs: readyTimeoutFromArgs(argv) ?? readyTimeoutFromEnv(),
  };
}

/** The `config:` lines: which version the stack serves and whether the file differs (never fatal: the stack is up). */
async function configSourceLines(stack: Stack, configPath: string, dataDir: string, fromFile: boolean): Promise<string> {
  if (!stack.controlPlaneUrl) return `config: ${configPath} (no control plane)\n`;
  try {
    return await reportConfigSource({ url: stack.controlPlaneUrl, topology: stack.topology, file: configPath, dataDir, fromFile });
  } catch (err) {
    return `config: could not compare ${configPath} with the version the control plane serves: ${(err as Error).message}\n`;
  }
}

/** True when the start failed because a process was still starting at its deadline (not because it crashed). */
function missedDeadline(err: unknown): boolean {
  if (err instanceof ComponentStartError) return err.timedOut;
  return err instanceof AggregateError && err.errors.some(missedDeadline);
}

/** What to do about a missed deadline: the two ways to give processes longer. */
function deadlineHint(timeoutMs: number): string {
  const longer = Math.max(300, Math.ceil((timeoutMs * 2) / 1000));
  return `each process had ${Math.round(timeoutMs / 1000)} s to report ready; on a busy or slow machine give them longer: npm start -- --ready-timeout ${longer} (seconds), or ${READY_TIMEOUT_ENV}=${longer * 1000}\n`;
}

/**
 * `npm start`: the whole topology on one machine. Exit codes: 0 after a clean
 * Ctrl-C, 1 when a process failed to start (the others are stopped), 2 when
 * the topology is refused (nothing is started).
 */
async function main(): Promise<number> {
  const configPath = resolve(defaultTopologyPath());
  let topology: ReturnType<typeof loadTopologyFile>;
  try {
    topology = loadTopologyFile(configPath);
  } catch (err) {
    process.stderr.write(`${err instanceof TopologyError ? err.message : String(err)}\n`);
    return 2;
  }
  const dataDir = resolve(process.env.SETGATE_DATA_DIR ?? 'data');
  let args: StartArgs;
  try {
    args = parseStartArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const { mode, wan } = args;
  if (args.reset && !(await resetData(dataDir, args.yes))) {
    process.stderr.write('not reset: nothing started\n');
    return 2;
  }
  let etcd: EtcdMode | undefined;
  // The file's version; which version is served (stored ones win after the first start) is said once the control plane answers.
  process.stdout.write(`starting ${configPath} (file version ${topology.version})\n`);

  let stack: Stack | undefined;
  let admin: ProcessAdmin | undefined;
  const launcherFile = join(dataDir, LAUNCHER_FILE);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${stack?.supervisor.components().length ?? 0} processes\n`);
    rmSync(launcherFile, { force: true });
    await admin?.close();
    await stack?.stop();
    await etcd?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  let readyTimeoutMs = args.readyTimeoutMs ?? 0;
  let progress: StartProgress | undefined;
  try {
    // etcd mode: a local 3-member etcd cluster, and two control-plane replicas sharing it.
    if (mode === 'etcd') etcd = await prepareEtcdMode({ configPath, outPath: resolve(dataDir, 'topology.etcd.json'), logDir: resolve(dataDir, 'logs') });
    const opts: StackOptions = {
      configPath: etcd?.configPath ?? configPath,
      dataDir,
      logDir: resolve(dataDir, 'logs'),
      ...(etcd ? { controlPlaneReplicas: etcd.replicas } : {}),
      ...(wan ? { wan } : {}),
    };
    const total = stackProcessCount(topology, opts);
    readyTimeoutMs = args.readyTimeoutMs ?? defaultReadyTimeoutMs(total);
    process.stdout.write(`starting ${total} processes; each has ${Math.round(readyTimeoutMs / 1000)} s to report ready (--ready-timeout, ${READY_TIMEOUT_ENV})\n`);
    progress = new StartProgress(total, (line) => process.stdout.write(`${line}\n`));
    stack = await startStack({ ...opts, readyTimeoutMs, progress });
  } catch (err) {
    await etcd?.stop();
    process.stderr.write(`${(err as Error).message}\nstopped every process that had started.\n`);
    if (missedDeadline(err)) process.stderr.write(deadlineHint(readyTimeoutMs));
    return 1;
  } finally {
    progress?.stop();
  }
  const watchExit = (c: RunningComponent) => {
    void c.exited.then((info) => {
      if (!stopping) process.stderr.write(`exited ${c.name} (${info.signal ?? `code ${info.code}`}); see its log; ./setgate node restart ${c.name} starts it again\n`);
    });
  };
  for (const c of stack.supervisor.components()) watchExit(c);
  // The process API (`setgate node list|restart`): a killed process starts again in place, with its data.
  admin = await startProcessAdmin(stack, { tokens: stack.topology.controlPlane?.tokens ?? [], onRestarted: watchExit });
  writeFileSync(launcherFile, `${JSON.stringify({ url: admin.url, pid: process.pid } satisfies LauncherFile)}\n`);
  process.stdout.write(await configSourceLines(stack, configPath, dataDir, args.fromFile));
  const token = await signDevToken(topology, { sub: 'user-42', ttlSec: 24 * 3600 });
  process.stdout.write(banner(stack, token, admin.url));
  if (etcd) process.stdout.write(etcdModeBanner(etcd, stack.controlPlaneUrls ?? []));
  process.stdout.write(wanBanner(stack));
  return new Promise<number>(() => {}); // runs until a signal stops it
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
