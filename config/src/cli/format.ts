import type { Change, Impact } from '@setgate/config';

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
