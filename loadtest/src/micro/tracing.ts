/**
 * Micro benchmark of what tracing and the access log cost one hop per request,
 * CPU µs measured in-process (a shared machine's load inflates wall time far
 * more than CPU time). One fastify service per variant (createService, as every
 * component builds it), answering `fastify.inject` requests on a command route
 * with a describer like the gateway's and, when the server span records, one
 * CLIENT child span (the attempt span of a forwarding hop):
 *   ids-only   no exporter: spans carry W3C ids only (UnrecordedTracer), no access line — today's default without OTLP;
 *   traced     every request sampled (always_on) and exported over OTLP/HTTP JSON to a sink in a child process;
 *   ratio-1%   parentbased_traceidratio 0.01 with the exporter: the production-like setting;
 *   access-log ids-only plus an access line per request (pino, written to /dev/null).
 * Alternating blocks, best block of each. Whole-process figures: `npm run bench -- gateway` / `-- path` with the
 * same environment variables (README, "Traces and access logs").
 *
 * `node --import tsx loadtest/src/micro/tracing.ts [--requests N] [--rounds R]`
 */
import { spawn } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SpanKind, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { createService } from '@setgate/service-kit';
import { startTelemetry, type Telemetry } from '@setgate/telemetry';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '7' } } });
const perBlock = Number(values.requests);
const rounds = Number(values.rounds);

// The OTLP sink runs in its own process so its CPU is not counted here; the exporter's is.
const sink = spawn(
  process.execPath,
  ['-e', "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.writeHead(200,{'content-type':'application/json'}).end('{}'))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const [portLine] = (await once(sink.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
const sinkUrl = `http://127.0.0.1:${portLine.toString().trim()}/v1/traces`;

// Lines are written synchronously, as pino's default stdout destination does.
const devNullFd = openSync('/dev/null', 'w');
const devNull = { write: (line: string) => void writeSync(devNullFd, line) };

/** Telemetry as a component starts it under `env` (startTelemetry reads the environment). */
function telemetryWith(env: Record<string, string>, name: string): Telemetry {
  const keys = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];
  const saved = keys.map((k) => process.env[k]);
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return startTelemetry({ service: 'micro', instance: name, logLevel: 'info', logDestination: devNull });
  } finally {
    keys.forEach((k, i) => {
      const v = saved[i];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    });
  }
}

const build = (telemetry: Telemetry, accessLog: boolean) => {
  const app = createService({
    telemetry,
    accessLog,
    describeRequest: (request, _reply, span) => {
      if (span !== undefined) {
        span.setAttribute('setgate.command', 'profile.get');
        span.setAttribute('setgate.shard', 18);
        span.setAttribute('setgate.node', 'us-east-a-1');
        span.setAttribute('http.route', '/v1/profile');
      }
      return { route: 'profile.get', upstream: request.span?.isRecording() ? 'us-east-a-1' : undefined };
    },
  });
  app.get('/v1/profile', async (request) => {
    const parent = request.span;
    if (parent?.isRecording()) {
      const attempt = telemetry.tracer.startSpan('GET profile.get', { kind: SpanKind.CLIENT, attributes: { 'setgate.node': 'us-east-a-1', 'setgate.attempt': 1 } }, trace.setSpan(ROOT_CONTEXT, parent));
      attempt.setAttribute('http.response.status_code', 200);
      attempt.end();
    }
    return { displayName: 'Bench User' };
  });
  return app;
};

const variants = {
  'ids-only': build(telemetryWith({}, 'ids-only'), false),
  traced: build(telemetryWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'always_on' }, 'traced'), false),
  'ratio-1%': build(
    telemetryWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }, 'ratio'),
    false,
  ),
  'access-log': build(telemetryWith({}, 'access'), true),
};
type Name = keyof typeof variants;
const names = Object.keys(variants) as Name[];
await Promise.all(names.map((n) => variants[n].ready()));

const request = { method: 'GET' as const, url: '/v1/profile?x=1', headers: { 'user-agent': 'micro' } };
const cpuPerRequest = async (name: Name): Promise<number> => {
  const app = variants[name];
  const start = process.cpuUsage();
  for (let i = 0; i < perBlock; i++) {
    const res = await app.inject(request);
    if (res.statusCode !== 200) throw new Error(`${name}: inject answered ${res.statusCode}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perBlock;
};

const best = Object.fromEntries(names.map((n) => [n, Number.POSITIVE_INFINITY])) as Record<Name, number>;
for (let r = 0; r < rounds; r++) for (const n of names) best[n] = Math.min(best[n], await cpuPerRequest(n));
for (const n of names) {
  const extra = best[n] - best['ids-only'];
  process.stdout.write(`  ${best[n].toFixed(2).padStart(7)} µs/req  ${n.padEnd(11)} ${n === 'ids-only' ? '' : `${extra >= 0 ? '+' : ''}${extra.toFixed(2)} µs/req`}\n`);
}
await Promise.all(names.map((n) => variants[n].close()));
sink.kill();
