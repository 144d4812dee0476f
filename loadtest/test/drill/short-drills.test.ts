import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { CheckName } from '../../src/drill/checker/index.js';
import type { RunReport } from '../../src/drill/report-types.js';
import { runHtml } from '../../src/drill/report-html.js';
import { runDrillSuite } from '../../src/drill/run.js';
import { SCENARIOS } from '../../src/drill/scenarios/index.js';

const ARTIFACTS = new URL('../../artifacts/', import.meta.url).pathname;
/** What a short CI drill must never show. (Stale reads and monotonic reads are reported, not gated here.) */
const GATED: readonly CheckName[] = ['lost-write', 'phantom', 'read-your-writes', 'divergence', 'duplicate'];
/**
 * Seconds of load per scenario: the fault comes at 3–4 s, a failover takes ~5 s, and the heal
 * comes by 3 s before the end. (20 s each made this stage ~6 min of the suite's 15.)
 */
const DURATION_S = 14;

/**
 * The CI drill stage: every scenario, one seed each, one after another on ONE
 * stack with WAN emulation on (so partitions and slow links run too), through
 * the real runner (`npm run drill -- all --wan --duration 14` does the same).
 */
describe(`short drills: every scenario (seed 1, ${DURATION_S} s each) on one stack with WAN emulation`, () => {
  const scenarios = [...SCENARIOS.values()];
  const reports = new Map<string, RunReport>();

  before(async () => {
    const runs = await runDrillSuite({ scenarios, seed: 1, durationS: DURATION_S, usersPerShard: 2, thinkMs: 400, wan: true, log: (l) => process.stderr.write(`${l}\n`) });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'short-drills.json'), JSON.stringify({ runs }, null, 2));
    for (const r of runs) {
      reports.set(r.scenario, r);
      writeFileSync(join(ARTIFACTS, `short-drill-${r.scenario}.html`), runHtml(r));
    }
  });

  for (const scenario of scenarios) {
    it(`${scenario.name}: no lost acknowledged write, phantom, duplicate, RYW violation or divergence`, () => {
      const report = reports.get(scenario.name);
      assert.ok(report, 'the suite ran it');
      assert.notEqual(report.status, 'skipped', report.reason);
      assert.ok(report.fault, `the fault was injected: ${report.reason ?? ''}`);
      assert.equal(report.config.probeWriters, report.fault.affectedShards.length, 'a probe writer per affected shard');
      const checks = report.checks;
      assert.ok(checks, report.reason);
      assert.ok(checks.stats.writes.ok > 50, `the load made acknowledged writes (${checks.stats.writes.ok})`);
      const found = checks.violations.filter((v) => GATED.includes(v.check as CheckName));
      assert.deepEqual(
        found.map((v) => `${v.check}: ${v.detail}`),
        [],
        `violations (report in ${ARTIFACTS}short-drill-${scenario.name}.html)`,
      );
      assert.equal(report.convergence?.converged, true, 'replicas converged after healing');
    });
  }
});
