import { readFileSync } from 'node:fs';
import type { Change, ConfigProblem, Impact } from '@setgate/config';
import type { FailoverStatus } from '../control-plane/failover/controller.js';
import type { StatusView } from '../control-plane/http/status.js';
import { type ControlPlaneReplicaView, describeControlPlane } from '../control-plane/replica-status.js';
import type { OperationView } from '../control-plane/ops/operations.js';
import type { LossView } from '../control-plane/ops/loss-ledger.js';
import type { LeaderChangeAudit, VersionSummary } from '../control-plane/store/config-store.js';
import type { AdminClient } from './client.js';
import { formatChanges, formatFailoverGuards, formatImpact, table } from './format.js';

/** What a command prints and how the process exits. */
export interface Outcome {
  readonly code: number;
  readonly json: unknown;
  readonly text: string;
}

/** A command line the CLI cannot run. */
export class UsageError extends Error {}

export interface Io {
  readonly client: AdminClient;
  /** Progress lines for long operations (stderr). */
  progress(line: string): void;
}

interface ChangeAnswer {
  version: number;
  changes: Change[];
  impact: Impact;
  /** Present when the version changed write-points: each through the leader-change protocol. */
  leaderChanges?: LeaderChangeAudit[];
  forced?: boolean;
}

/** Each leader change with how it was made and what may be lost. */
function formatLeaderChanges(changes: readonly LeaderChangeAudit[] | undefined): string {
  if (!changes || changes.length === 0) return '';
  const pos = (p: { epoch: number; lsn: number } | undefined) => (p ? `${p.epoch}:${p.lsn}` : '?');
  const rows = changes.map((c) => [
    c.shard,
    c.fromNode,
    c.toNode,
    c.epoch,
    c.clean ? 'clean' : c.forced ? `FORCED ${c.code ?? ''}` : `unclean ${c.code ?? ''}`,
    pos(c.oldLeaderAt),
    pos(c.newLeaderAt),
    c.mayBeLost === undefined ? 'unknown' : c.mayBeLost,
  ]);
  return `\n\n${table(['shard', 'from', 'to', 'epoch', 'how', 'old leader at', 'new leader at', 'acked writes may be lost'], rows)}`;
}

/**
 * A YAML or JSON topology file, parsed; a missing or unreadable file is a UsageError.
 * The YAML parser loads only here: most calls read no file, and each pays its start-up.
 */
export async function readDocument(file: string | undefined): Promise<unknown> {
  if (!file) throw new UsageError('missing FILE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const { parse: parseYaml } = await import('yaml');
  try {
    return parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
}

const needReason = (reason: string | undefined) => {
  if (!reason || reason.trim().length < 3) throw new UsageError('changes need --reason "why" (3 characters or more)');
  return reason;
};

const problemsText = (problems: readonly ConfigProblem[]) =>
  `refused with ${problems.length} problem(s):\n${problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n')}`;

const changed = (what: string, a: ChangeAnswer): Outcome => ({
  code: 0,
  json: a,
  text: `${what}: version ${a.version} is live\n${formatImpact(a.impact)}\n\n${formatChanges(a.changes)}${formatLeaderChanges(a.leaderChanges)}`,
});

async function currentVersion(io: Io): Promise<number> {
  return (await io.client.call<{ version: number }>('GET', '/v1/config')).body.version;
}

export async function validate(io: Io, file: string | undefined): Promise<Outcome> {
  const r = (await io.client.call<{ valid: boolean; problems?: ConfigProblem[]; baseVersion?: number; changes?: Change[]; impact?: Impact }>('POST', '/v1/config/validate', { document: await readDocument(file) })).body;
  if (!r.valid) return { code: 1, json: r, text: problemsText(r.problems ?? []) };
  return { code: 0, json: r, text: `valid against version ${r.baseVersion}\n${r.impact ? formatImpact(r.impact) : ''}` };
}

export async function diff(io: Io, file: string | undefined): Promise<Outcome> {
  const r = (await io.client.call<{ baseVersion: number; changes: Change[]; impact: Impact }>('POST', '/v1/config/diff', { document: await readDocument(file) })).body;
  return { code: 0, json: r, text: `against version ${r.baseVersion}:\n${formatChanges(r.changes)}\n\n${formatImpact(r.impact)}` };
}

export async function apply(io: Io, file: string | undefined, reason: string | undefined, base: string | undefined, forceUnclean?: boolean): Promise<Outcome> {
  const document = (await readDocument(file)) as { version?: unknown };
  // The file's own version is the one it was edited from, unless --base says otherwise.
  const baseVersion = base !== undefined ? Number(base) : typeof document.version === 'number' ? document.version : await currentVersion(io);
  if (!Number.isInteger(baseVersion)) throw new UsageError(`--base must be a version number, got ${base}`);
  const r = await io.client.call<ChangeAnswer>('POST', '/v1/config/apply', { document, baseVersion, reason: needReason(reason), ...(forceUnclean ? { forceUnclean: true } : {}) });
  return changed('applied', r.body);
}

export async function rollback(io: Io, to: string | undefined, reason: string | undefined, forceUnclean?: boolean): Promise<Outcome> {
  const n = Number(to);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('rollback needs a version number N');
  const r = await io.client.call<ChangeAnswer>('POST', '/v1/config/rollback', {
    to: n,
    baseVersion: await currentVersion(io),
    reason: needReason(reason),
    ...(forceUnclean ? { forceUnclean: true } : {}),
  });
  return changed(`rolled back to version ${n}`, r.body);
}

export async function history(io: Io, limit: string | undefined): Promise<Outcome> {
  const r = (await io.client.call<{ versions: VersionSummary[] }>('GET', `/v1/config/history?limit=${Number(limit ?? 20)}`)).body;
  const rows = r.versions.map((v) => [v.version, v.time, v.author, v.role ?? '-', v.action.kind, v.changes.length, v.reason]);
  return { code: 0, json: r, text: table(['version', 'time', 'author', 'role', 'action', 'changes', 'reason'], rows) };
}

export async function get(io: Io, version: string | undefined): Promise<Outcome> {
  const path = version ? `/v1/config/versions/${Number(version)}` : '/v1/config';
  const r = (await io.client.call<{ document: unknown }>('GET', path)).body;
  return { code: 0, json: r.document, text: JSON.stringify(r.document, null, 2) };
}

export async function status(io: Io): Promise<Outcome> {
  const s = (
    await io.client.call<StatusView & { failoverController?: FailoverStatus; controlPlane?: ControlPlaneReplicaView; uncleanPromotions?: LossView }>('GET', '/v1/status')
  ).body;
  const loss = s.uncleanPromotions;
  const lossLines = loss
    ? [
        '',
        `unclean promotions since this control plane started: async shards may have lost ${loss.asyncLostWrites} acknowledged write(s); ` +
          `forced on sync shards ${loss.forcedSyncLostWrites}; loss unknown for ${loss.unknownLoss} promotion(s)`,
        ...(loss.recent.length > 0
          ? [
              table(
                ['version', 'cause', 'shard', 'mode', 'from', 'to', 'may be lost'],
                loss.recent.map((e) => [e.version, e.cause, e.shard, e.mode, e.fromNode, e.toNode, e.mayBeLost ?? 'unknown']),
              ),
            ]
          : []),
      ]
    : [];
  const fc = s.failoverController;
  const controller = fc
    ? [
        '',
        `failover controller: down after ${fc.downAfterMs.effective} ms unreachable, probing every ${fc.probeIntervalMs} ms` +
          (fc.suppressed.length > 0 ? `; SUPPRESSED (paused) for ${fc.suppressed.map((x) => x.node).join(', ')}` : ''),
        table(
          ['node', 'set', 'state', 'since', 'leads', 'last action'],
          fc.nodes.map((n) => [n.node, n.set, n.state, n.since, n.leads.length, n.lastAction ? `${n.lastAction.kind}${'detail' in n.lastAction && n.lastAction.detail ? `: ${n.lastAction.detail}` : ''}` : '']),
        ),
        ...formatFailoverGuards(fc),
      ]
    : [];
  const text = [
    `config version ${s.version}; automated failover ${s.failover.paused ? 'PAUSED' : 'running'}`,
    ...(s.controlPlane ? [describeControlPlane(s.controlPlane)] : []),
    '',
    table(['region', 'state', 'sets', 'leaders', 'next nearest'], s.regions.map((r) => [r.name, r.drained ? 'DRAINED' : 'serving', r.sets.join(','), r.leaders, r.nearest.join(',')])),
    '',
    table(['set', 'region', 'state', 'nodes', 'leaders', 'replicas'], s.sets.map((x) => [x.name, x.region, x.drained ? 'DRAINED' : 'serving', x.nodes.join(','), x.leaders, x.replicas])),
    '',
    table(['node', 'set', 'region', 'url'], s.nodes.map((n) => [n.id, n.set, n.region, n.url])),
    '',
    table(['shard', 'leader', 'write-point', 'epoch', 'mode', 'replicas'], s.shards.map((p) => [p.shard, p.leader, p.writePoint, p.epoch, p.mode, p.replicas.join(',')])),
    ...controller,
    ...lossLines,
  ].join('\n');
  return { code: 0, json: s, text };
}

/** Polls a long operation, printing each new step, until it ends. */
async function follow(io: Io, first: OperationView): Promise<Outcome> {
  let op = first;
  let shown = 0;
  for (;;) {
    for (const step of op.steps.slice(shown)) io.progress(`  ${step.at.slice(11, 23)} ${step.message}`);
    shown = op.steps.length;
    if (op.state !== 'running') break;
    await new Promise((r) => setTimeout(r, 200));
    op = (await io.client.call<OperationView>('GET', `/v1/ops/operations/${op.id}`)).body;
  }
  if (op.state === 'failed') return { code: 1, json: op, text: `${op.kind} failed: ${op.error?.detail ?? op.error?.title}` };
  const r = op.result as { version: number; maxWritePauseMs: number; shards: Array<LeaderChangeAudit & { writePauseMs: number }> };
  const rows = r.shards.map((s) => [s.shard, s.fromNode, s.toNode, s.epoch, s.writePauseMs.toFixed(1), s.clean === false ? `FORCED, may be lost: ${s.mayBeLost ?? 'unknown'}` : 'clean']);
  return {
    code: 0,
    json: op,
    text: `${op.kind} done: version ${r.version}; longest write pause ${r.maxWritePauseMs.toFixed(1)} ms\n${rows.length ? table(['shard', 'from', 'to', 'epoch', 'write pause ms', 'acknowledged writes'], rows) : ''}`,
  };
}

export async function shardMove(io: Io, shard: string | undefined, to: string | undefined, reason: string | undefined, forceUnclean?: boolean): Promise<Outcome> {
  if (!shard || !Number.isInteger(Number(shard))) throw new UsageError('shard move needs a shard number');
  if (!to) throw new UsageError('shard move needs --to SET');
  const r = await io.client.call<OperationView>('POST', `/v1/ops/shards/${Number(shard)}/move`, { to, reason: needReason(reason), ...(forceUnclean ? { forceUnclean: true } : {}) });
  return follow(io, r.body);
}

const target = (t: string | undefined): 'region' | 'set' => {
  if (t !== 'region' && t !== 'set') throw new UsageError('say region or set');
  return t;
};

export async function drain(io: Io, kind: string | undefined, name: string | undefined, reason: string | undefined): Promise<Outcome> {
  if (!name) throw new UsageError('drain needs a NAME');
  const r = await io.client.call<OperationView>('POST', '/v1/ops/drain', { target: target(kind), name, reason: needReason(reason) });
  return follow(io, r.body);
}

export async function undrain(io: Io, kind: string | undefined, name: string | undefined, reason: string | undefined): Promise<Outcome> {
  if (!name) throw new UsageError('undrain needs a NAME');
  const r = await io.client.call<ChangeAnswer>('POST', '/v1/ops/undrain', { target: target(kind), name, reason: needReason(reason) });
  return changed(`undrained ${kind} ${name}`, r.body);
}

export async function failover(io: Io, what: string | undefined, reason: string | undefined): Promise<Outcome> {
  if (what !== 'pause' && what !== 'resume') throw new UsageError('failover pause|resume');
  const r = await io.client.call<ChangeAnswer>('POST', `/v1/ops/failover/${what}`, { reason: needReason(reason) });
  return changed(`failover ${what}d`, r.body);
}
