/**
 * Micro benchmark of what an access line costs the process that writes it, with
 * stdout a pipe read by another process (as under `npm start`, a container
 * runtime or the bench): pino writing each line with its own write, against
 * the components' CoalescingDestination (one write per LOG_COALESCE_MS), each
 * with and without the redaction the general logger applies, and the access
 * log's own LineWriter (pre-serialised fields, no redaction) on the coalescer.
 * Lines come two per event-loop turn, as from a busy hop.
 * Prints the writer's CPU µs per line, net of the loop alone; best of `--rounds`
 * (on a shared machine the slower rounds measure the neighbours). The reader's
 * own savings (fewer wake-ups) are not counted.
 *
 * `node --import tsx loadtest/src/micro/log-write.ts [--lines N] [--rounds R]`
 */
import { spawn } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { accessFields } from '@setgate/service-kit';
import { CoalescingDestination, fdSink, LineWriter, redactOption } from '@setgate/telemetry';
import { type DestinationStream, type LoggerOptions, pino } from 'pino';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
  },
});
const lines = Number(values.lines);
const rounds = Number(values.rounds);

const accessLine = () => ({
  access: true,
  method: 'GET',
  path: '/v1/profile',
  route: 'profile.get',
  status: 200,
  duration_ms: 1.234,
  upstream: 'us-east-a-1',
  request_id: 'a5b0c7a0-1111-2222-3333-444455556666',
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  span_id: 'b7ad6b7169203331',
});
const base = { service: 'gateway', instance: 'us-east-gw-1', region: 'us-east' };

// The reader: a process draining the pipe, as the launcher or a container runtime does.
const reader = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'inherit', 'inherit'] });
const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;

/** CPU µs per line of `log` called `lines` times, two per turn. */
async function cpuPerLine(log: () => void): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < lines; i++) {
    log();
    if (i % 2 === 1) await nextTurn();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / lines;
}

const perLine = () => pino.destination({ dest: fd, sync: true });
const coalesced = () => new CoalescingDestination(fdSink(fd));
const rows: ReadonlyArray<{ label: string; options: LoggerOptions; destination: () => DestinationStream }> = [
  { label: 'a write per line, redacted', options: { redact: redactOption }, destination: perLine },
  { label: 'a write per line', options: {}, destination: perLine },
  { label: 'coalesced, redacted', options: { redact: redactOption }, destination: coalesced },
  { label: 'coalesced', options: {}, destination: coalesced },
];
/** The access log as the components write it: LineWriter on the coalescer, fields serialised by shape (access-log.ts). */
const LINE_WRITER = 'coalesced, LineWriter (the access log)';
const entry = {
  method: 'GET',
  path: '/v1/profile',
  route: 'profile.get',
  status: 200,
  durationMs: 1.234,
  upstream: 'us-east-a-1',
  requestId: 'a5b0c7a0-1111-2222-3333-444455556666',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
};

const best = new Map<string, number>();
let loopBest = Number.POSITIVE_INFINITY;
for (let r = 0; r < rounds; r++) {
  loopBest = Math.min(loopBest, await cpuPerLine(() => void accessLine()));
  for (const row of rows) {
    const logger = pino({ base, ...row.options }, row.destination());
    const us = await cpuPerLine(() => logger.info(accessLine(), 'access'));
    best.set(row.label, Math.min(best.get(row.label) ?? Number.POSITIVE_INFINITY, us));
  }
  const writer = new LineWriter('info', base, coalesced());
  const us = await cpuPerLine(() => writer.write('info', accessFields(entry), 'access'));
  best.set(LINE_WRITER, Math.min(best.get(LINE_WRITER) ?? Number.POSITIVE_INFINITY, us));
}
reader.stdin?.end();
console.log(`an access line to a pipe, ${lines} lines × ${rounds} rounds, two per event-loop turn; writer CPU µs per line, net of the loop (${loopBest.toFixed(2)} µs)`);
for (const label of [...rows.map((r) => r.label), LINE_WRITER]) console.log(`${label.padEnd(40)} ${((best.get(label) ?? 0) - loopBest).toFixed(2).padStart(6)} µs`);
process.exit(0);
