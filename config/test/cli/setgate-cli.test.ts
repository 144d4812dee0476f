import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { controlPlaneFixture, type Fixture, shippedDoc, TOKENS, tempDir } from '../control-plane/fixture.js';

describe('setgate CLI', () => {
  let f: Fixture;
  let url: string;
  const tmp = tempDir('setgate-cli-');
  before(async () => {
    f = await controlPlaneFixture();
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await f.close();
    tmp.remove();
  });

  const cli = async (role: keyof typeof TOKENS | null, ...args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(['--url', url, ...(role ? ['--token', TOKENS[role]] : []), ...args], (s) => { out += s; }, (s) => { err += s; });
    return { code, out, err };
  };

  it('validates a broken file: every problem listed, exit 1; applies nothing', async () => {
    const doc = shippedDoc();
    (doc.sets[0] as { region: string }).region = 'mars';
    (doc.placements[2] as { leader: string }).leader = 'nowhere';
    const file = join(tmp.dir, 'broken.yaml');
    writeFileSync(file, JSON.stringify(doc));
    const v = await cli('viewer', 'validate', file);
    assert.equal(v.code, 1);
    assert.match(v.out, /\/sets\/0\/region: .*unknown region "mars"/);
    assert.match(v.out, /\/placements\/2\/leader: .*"nowhere" does not exist/);
    const a = await cli('operator', 'apply', file, '--reason', 'broken on purpose');
    assert.equal(a.code, 1);
    assert.match(a.err, /SETGATE_CP_INVALID_DOCUMENT/);
    const h = await cli('viewer', 'history', '--json');
    assert.deepEqual(JSON.parse(h.out).versions.map((x: { version: number }) => x.version), [1]);
  });

  it('applies, shows history and status tables, rolls back; 401/403 give exit 1', async () => {
    const doc = shippedDoc();
    doc.failover = { paused: true };
    const file = join(tmp.dir, 'paused.yaml');
    writeFileSync(file, JSON.stringify(doc));
    const d = await cli('viewer', 'diff', file);
    assert.equal(d.code, 0);
    assert.match(d.out, /~ \/failover\/paused false → true/);
    assert.equal((await cli('viewer', 'apply', file, '--reason', 'viewer tries')).code, 1);
    assert.equal((await cli(null, 'status')).code, 1);
    const a = await cli('operator', 'apply', file, '--reason', 'pause for the test');
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /version 2 is live/);
    const stale = await cli('operator', 'apply', file, '--reason', 'same base again');
    assert.equal(stale.code, 1);
    assert.match(stale.err, /409 SETGATE_CP_VERSION_CONFLICT/);
    const s = await cli('viewer', 'status');
    assert.match(s.out, /automated failover PAUSED/);
    assert.match(s.out, /^shard\s+leader\s+write-point/m);
    const r = await cli('operator', 'rollback', '1', '--reason', 'undo the pause');
    assert.equal(r.code, 0, r.err);
    const h = await cli('viewer', 'history');
    assert.match(h.out, /^3\s+\S+\s+dev-operator\s+operator\s+rollback/m);
    assert.match(h.out, /^1\s+\S+\s+bootstrap\s+system\s+bootstrap/m);
    assert.equal((await cli('operator', 'shard', 'move', '1', '--reason', 'no target')).code, 2);
    assert.equal((await cli('operator', 'apply', file)).code, 2, 'a change needs --reason');
  });

  it('exits 3 when the control plane cannot be reached', async () => {
    let err = '';
    // A port nothing listens on any more: the error names the cause, not just "fetch failed".
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const code = await runCli(['--url', `http://127.0.0.1:${port}`, 'status'], () => undefined, (s) => { err += s; });
    assert.equal(code, 3);
    assert.match(err, /cannot reach the control plane at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('the repository\'s ./setgate runs the compiled CLI (npm test builds first)', async () => {
    const root = new URL('../../../', import.meta.url).pathname;
    // Asynchronously: the control plane it asks runs in this process.
    const { stdout } = await promisify(execFile)(join(root, 'setgate'), ['--url', url, '--token', TOKENS.viewer, 'status'], { encoding: 'utf8' });
    assert.match(stdout, /^config version \d+/);
  });
});
