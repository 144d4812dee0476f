import type { Change, Impact } from '@setgate/config';
import type { FailoverStatus } from '../control-plane/failover/controller.js';

/** A plain text table: header row, a rule, then rows; columns padded to their widest cell. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? '' : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The diff as one line per change. */
export function formatChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no changes';
  return changes
    .map((c) => (c.op === 'add' ? `+ ${c.path} ${short(c.after)}` : c.op === 'remove' ? `- ${c.path} ${short(c.before)}` : `~ ${c.path} ${short(c.before)} → ${short(c.after)}`))
    .join('\n');
}

/** What a change does to traffic, in a few lines and a shard table. */
export function formatImpact(i: Impact): string {
  const out: string[] = [];
  if (i.shards.length > 0) {
    out.push(
      table(
        ['shard', 'leader', 'epoch', 'replicas +', 'replicas -'],
        i.shards.map((s) => [
          s.shard,
          s.leader ? `${s.leader.from} → ${s.leader.to}` : s.leaderNode ? `node ${s.leaderNode.from} → ${s.leaderNode.to}` : '',
          s.epoch ? `${s.epoch.from} → ${s.epoch.to}` : '',
          s.replicasAdded.join(','),
          s.replicasRemoved.join(','),
        ]),
      ),
    );
  }
  const c = i.commands;
  if (c.added.length + c.removed.length + c.changed.length > 0) {
    out.push(`commands: +[${c.added.join(', ')}] -[${c.removed.join(', ')}] ~[${c.changed.join(', ')}]`);
  }
  for (const r of i.regions) out.push(`region ${r.name}: ${r.change}`);
  for (const s of i.sets) out.push(`set ${s.name}: ${s.change}`);
  if (i.failover) out.push(`failover: ${i.failover.pausedTo ? 'paused' : 'resumed'}`);
  out.push(`sections changed: ${i.sections.join(', ') || 'none'}`);
  return out.join('\n');
}

/**
 * The failover controller's safety state for `setgate status`: the startup
 * grace, the witness quorum and each suspect node's votes, the leases the
 * control plane granted (and revoked), hold-downs and the fleet-wide cap.
 */
export function formatFailoverGuards(fc: FailoverStatus): string[] {
  const lines: string[] = [];
  if (fc.startup) {
    lines.push(
      fc.startup.open
        ? `startup grace (${fc.startup.graceMs} ms): over`
        : `startup grace (${fc.startup.graceMs} ms): NO DECISIONS YET${fc.startup.waitingFor.length > 0 ? `, waiting to see ${fc.startup.waitingFor.join(', ')}` : `, ${fc.startup.remainingMs} ms left`}`,
    );
  }
  if (fc.witnesses) {
    const panel = ['control-plane', ...fc.witnesses.panel.map((w) => `${w.witness}@${w.region}`)].join(', ');
    lines.push(
      `witness quorum: ${fc.witnesses.quorum} 'down' votes from ${fc.witnesses.regions} regions, more down than up (unreachable or starved witnesses: no vote); witnesses ${panel}; controller loop stall ${fc.witnesses.controllerLagMs} ms`,
    );
  }
  if (fc.lease) {
    lines.push(
      fc.lease.tracked
        ? `write-point leases: ${fc.lease.leaseMs} ms from each node's watch poll; a replacement is promoted only ${fc.lease.leaseMs} + ${fc.lease.clockDriftMs} ms (drift) after the control plane last answered the old leader. Embedded store: this control plane is the only grantor, so while it is down every write-point stops acknowledging ${fc.lease.leaseMs} ms after its last renewal (safe without consensus; see --control-plane etcd for HA)`
        : `write-point leases: ${fc.lease.leaseMs} ms; grants not tracked by this replica: a replacement is promoted ${fc.lease.leaseMs} + ${fc.lease.clockDriftMs} ms after the first failed check`,
    );
  }
  if (fc.holdDown) {
    const held = fc.holdDown.shards.map((x) => `${x.shard} (${Math.ceil(x.remainingMs / 1000)} s)`).join(', ');
    lines.push(`hold-down ${fc.holdDown.holdDownMs} ms after a leader change: ${held || 'no shard now'}`);
  }
  if (fc.cap) lines.push(`failovers in the last minute: ${fc.cap.lastMinute} of at most ${fc.cap.maxFailoversPerMinute}`);
  const watched = fc.nodes.filter((n) => n.lease || n.votes);
  if (watched.length > 0) {
    lines.push(
      table(
        ['node', 'state', 'lease granted', 'quorum for', 'last votes'],
        watched.map((n) => [
          n.node,
          n.state,
          n.lease ? `${(n.lease.grantedAgoMs / 1000).toFixed(1)} s ago${n.lease.assumed ? ' (assumed: start)' : ''}${n.lease.revoked ? ' REVOKED' : ''}` : '',
          n.quorumForMs > 0 ? `${(n.quorumForMs / 1000).toFixed(1)} s` : '',
          (n.votes ?? []).map((v) => `${v.witness}:${v.verdict}`).join(' '),
        ]),
      ),
    );
  }
  return lines;
}
