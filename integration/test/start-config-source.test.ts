import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { request } from 'undici';
import { freshTopology, oneRegion } from './harness.js';
import { type Run, runStart, waitFor } from './start-run.js';

const READY = /processes running;/;

/** Starts, waits for the banner, returns what it printed, and stops it with Ctrl-C. */
async function startOnce(configPath: string, dataDir: string, args: readonly string[] = []): Promise<string> {
  const run: Run = runStart(configPath, dataDir, args);
  try {
    await waitFor(run, READY, 240_000);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
    return run.stdout();
  } finally {
    run.child.kill('SIGKILL');
  }
}

describe('npm start: stored config versions vs the topology file', () => {
  it('says which version it serves and where from; a changed file is reported with its diff until --from-file applies it', async () => {
    // What is served and from where does not depend on the regions: one region starts faster.
    const t = await freshTopology(oneRegion());
    const dataDir = join(t.dir, 'data');
    const file = t.configPath;
    try {
      const first = await startOnce(file, dataDir);
      assert.match(first, new RegExp(`^config: serving version 1, the same as ${file} \\(stored in ${dataDir}/control-plane; made from that file at the first start\\)$`, 'm'));

      // The file changes while version 1 stays stored: the stored version is served, and said so, with the difference.
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { gateway: { rateLimit: { classes: Array<{ name: string; max: number }> } } };
      const reads = doc.gateway.rateLimit.classes.find((c) => c.name === 'reads');
      assert.ok(reads);
      const before = reads.max;
      reads.max = before - 1;
      writeFileSync(file, JSON.stringify(doc));
      const second = await startOnce(file, dataDir);
      assert.match(second, new RegExp(`^config: serving STORED version 1 from ${dataDir}/control-plane, not ${file}$`, 'm'));
      assert.match(second, new RegExp(`^ {4}~ /gateway/rateLimit/classes/reads/max ${before} → ${before - 1}$`, 'm'));
      assert.match(second, /^ {2}to serve the file: npm start -- --from-file/m);
      assert.match(second, /^ {2}to start over from the file: npm start -- --reset/m);

      // --from-file: the file becomes version 2, audited; the next start serves it and says it is the file.
      const run = runStart(file, dataDir, ['--from-file']);
      try {
        await waitFor(run, READY, 240_000);
        assert.match(run.stdout(), new RegExp(`^config: applied ${file} as version 2 over stored version 1 \\(1 change\\(s\\), audited\\); serving it$`, 'm'));
        const cp = /^control-plane (\S+)$/m.exec(run.stdout())?.[1];
        assert.ok(cp);
        const res = await request(`${cp}/v1/config`, { headers: { authorization: `Bearer ${DEV_ADMIN_TOKENS.viewer}` } });
        const served = (await res.body.json()) as { version: number; reason: string; document: typeof doc };
        assert.equal(served.version, 2);
        assert.equal(served.reason, `npm start --from-file ${file}`);
        assert.equal(served.document.gateway.rateLimit.classes.find((c) => c.name === 'reads')?.max, before - 1);
        run.child.kill('SIGINT');
        assert.equal(await run.exited, 0);
      } finally {
        run.child.kill('SIGKILL');
      }

      // --reset needs a confirmation: without a terminal and without --yes nothing is deleted or started.
      const refused = runStart(file, dataDir, ['--reset']);
      assert.equal(await refused.exited, 2);
      assert.match(refused.stderr(), /--reset deletes .*; not at a terminal, confirm with --reset --yes/);
      assert.ok(existsSync(join(dataDir, 'control-plane')));
    } finally {
      t.cleanup();
    }
  });
});
