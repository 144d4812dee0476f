import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Batcher } from '@setgate/gateway/bench/paired-batches';
import { nodeArgsFor } from '@setgate/process-supervisor';
import { PROBE_LINE, type ProbeSubject } from './probe-protocol.js';

const SCRIPT = fileURLToPath(import.meta.resolve('@setgate/loadtest/bench/observability-probe'));
/** How long a build may take to answer (start, seed, a batch) on a busy machine: generous, a bound on a hang. */
const ANSWER_DEADLINE_MS = 180_000;

/**
 * One build of the observability probe in a process of its own (probe-main.ts), with `env` as its whole
 * OpenTelemetry setting: resolves once its chain answers. Its batches run when asked, so two such
 * processes take turns and only one is busy at a time.
 */
export async function startProbeProcess(subject: ProbeSubject, redisUrl: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<Batcher> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgsFor(SCRIPT), SCRIPT, '--subject', subject, '--redis', redisUrl], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    signal,
  });
  // A build that failed has closed its stdin: the error is its answer's, not this pipe's.
  child.stdin?.on('error', () => {});
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const exited = once(child, 'exit');
  const answer = async (what: string): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the ${subject} probe build gave no answer to ${what} in ${ANSWER_DEADLINE_MS} ms`)), ANSWER_DEADLINE_MS);
    });
    try {
      for (;;) {
        const next = await Promise.race([lines.next(), deadline]);
        if (next.done) throw new Error(`the ${subject} probe build exited during ${what}: ${stderr.trim().slice(-500)}`);
        if (!next.value.startsWith(PROBE_LINE)) continue;
        const value = next.value.slice(PROBE_LINE.length);
        if (value.startsWith('error ')) throw new Error(`the ${subject} probe build failed during ${what}: ${value.slice(6)}`);
        return value;
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await answer('its start');
  } catch (err) {
    kill();
    throw err;
  }
  return {
    async batch(n) {
      child.stdin?.write(`${n}\n`);
      const [cpuUs, elapsedUs] = (await answer(`a batch of ${n}`)).split(' ').map(Number);
      if (!Number.isFinite(cpuUs) || !Number.isFinite(elapsedUs)) throw new Error(`the ${subject} probe build answered a batch of ${n} with no figures`);
      return { cpuUs: cpuUs as number, elapsedUs: elapsedUs as number };
    },
    async close() {
      child.stdin?.end('close\n');
      const timer = setTimeout(kill, ANSWER_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
