import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeStatus, ProcessesAnswer } from '@setgate/contracts';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { allPorts, freshTopology, oneRegion, portIsFree } from './harness.js';
import { runStart, waitFor } from './start-run.js';

const CLI = new URL('../../config/bin/setgate.js', import.meta.url).pathname;

/** `setgate node …` as an operator would type it, in the directory layout npm start left (data dir from the env). */
async function setgateNode(args: string[], dataDir: string, token: string | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, SETGATE_DATA_DIR: dataDir, SETGATE_ADMIN_TOKEN: token ?? '' };
  return promisify(execFile)(process.execPath, [CLI, 'node', ...args], { env, timeout: 300_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** A node's shards and key counts, from its admin listener's /status. */
async function shardKeys(node: { host: string; adminPort: number }): Promise<string> {
  const res = await request(`http://${node.host}:${node.adminPort}/status`);
  assert.equal(res.statusCode, 200);
  const status = (await res.body.json()) as NodeStatus;
  return JSON.stringify(status.shards.map((s) => [s.shard, s.keys]).sort());
}

/**
 * SIGKILL a node, then `setgate node restart` it through the launcher: it answers again, holding
 * the keys it held (same data directory), and only an operator token may do it.
 */
async function killedNodeRestartsInPlace(banner: string, dataDir: string, node: { id: string; host: string; adminPort: number }): Promise<void> {
  const operator = /^admin-token operator (\S+)$/m.exec(banner)?.[1];
  const viewer = /^admin-token viewer (\S+)$/m.exec(banner)?.[1];
  assert.ok(operator && viewer, banner);
  const before = await shardKeys(node);
  const listed = JSON.parse((await setgateNode(['list', '--json'], dataDir, viewer)).stdout) as ProcessesAnswer;
  const victim = listed.processes.find((p) => p.id === node.id);
  assert.ok(victim && victim.state === 'running', JSON.stringify(listed));
  process.kill(victim.pid, 'SIGKILL');
  const deadline = Date.now() + 60_000;
  let state = '';
  while (state !== 'exited' && Date.now() < deadline) {
    const now = JSON.parse((await setgateNode(['list', '--json'], dataDir, viewer)).stdout) as ProcessesAnswer;
    const p = now.processes.find((x) => x.id === node.id);
    state = `${p?.state}`;
    if (state === 'exited') assert.equal(p?.exit?.signal, 'SIGKILL');
  }
  assert.equal(state, 'exited');

  const anonymous = await setgateNode(['restart', node.id], dataDir, undefined);
  assert.equal(anonymous.code, 1, anonymous.stderr);
  assert.match(anonymous.stderr, /401 SETGATE_LAUNCHER_UNAUTHENTICATED/);
  const refused = await setgateNode(['restart', node.id], dataDir, viewer);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /403 SETGATE_LAUNCHER_FORBIDDEN/);
  const unknown = await setgateNode(['restart', 'no-such-node'], dataDir, operator);
  assert.match(unknown.stderr, /404 SETGATE_LAUNCHER_NOT_FOUND/);

  const restarted = await setgateNode(['restart', node.id], dataDir, operator);
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.match(restarted.stdout, new RegExp(`^restarted ${node.id}: pid \\d+`));
  assert.equal(await shardKeys(node), before, 'the restarted node lost keys');
  const after = JSON.parse((await setgateNode(['list', '--json'], dataDir, viewer)).stdout) as ProcessesAnswer;
  const again = after.processes.find((p) => p.id === node.id);
  assert.equal(again?.state, 'running');
  assert.equal(again?.restarts, 1);
  assert.notEqual(again?.pid, victim.pid);
}

describe('npm start', () => {
  it('prints entries, a token and curl lines, serves them, and Ctrl-C leaves nothing behind', async () => {
    const t = await freshTopology();
    const dataDir = join(t.dir, 'data');
    const run = runStart(t.configPath, dataDir);
    try {
      await waitFor(run, /^token \S+$/m, 240_000);
      const out = run.stdout();
      const entries = Object.fromEntries([...out.matchAll(/^entry (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
      assert.deepEqual(Object.keys(entries).sort(), ['ap-south', 'eu-west', 'us-east']);
      const token = /^token (\S+)$/m.exec(out)?.[1];
      assert.ok(token);
      assert.match(out, /curl .* -X PUT .*\/v1\/profile/);

      const auth = { authorization: `Bearer ${token}` };
      const put = await request(`${entries['us-east']}/v1/profile`, {
        method: 'PUT',
        body: JSON.stringify({ displayName: 'from-start' }),
        headers: { ...auth, 'content-type': 'application/json' },
      });
      assert.equal(put.statusCode, 201, await put.body.text()); // the first PUT creates the profile
      const session = put.headers['setgate-session'] as string;
      const get = await request(`${entries['ap-south']}/v1/profile`, { headers: { ...auth, 'setgate-session': session } });
      assert.match(await get.body.text(), /from-start/);
      assert.ok(get.headers['x-setgate-set'] && get.headers['x-setgate-shard']);

      // Replication worked above with the stack's internal token; without it a node's log is not for the asking.
      const node = t.topology.sets[0]?.nodes[0];
      assert.ok(node);
      const fetched = await request(`http://${node.host}:${node.adminPort}/internal/replication/0/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node: node.id, epoch: 1, fromLsn: 1, lastEpoch: 0 }),
      });
      assert.equal(fetched.statusCode, 401, await fetched.body.text());

      // The banner's snippet works pasted as printed: the read through the last region carries the
      // write's session and sees the write (it answered 400 with a placeholder session before).
      const snippet = /^# try it:.*\n((?:.+\n)+)/m.exec(out)?.[1];
      assert.ok(snippet, `no snippet in:\n${out}`);
      const pasted = await promisify(execFile)('bash', ['-c', snippet], { timeout: 60_000 });
      const [, profile, cart] = pasted.stdout.split(/^(?=HTTP\/)/m);
      assert.match(profile ?? '', /^HTTP\/1\.1 200 /, pasted.stdout);
      assert.match(profile ?? '', /"displayName":"Ada"/);
      assert.match(pasted.stdout, /^PUT session: \S+$/m);
      assert.match(cart ?? '', /^HTTP\/1\.1 200 [\s\S]*"sku":"book-1"/, pasted.stdout);

      await killedNodeRestartsInPlace(out, dataDir, node);

      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0);
      assert.ok(!existsSync(join(dataDir, 'launcher.json')), 'the launcher file outlives the launcher');
      for (const port of allPorts(t.topology)) assert.ok(await portIsFree(port), `port ${port} still answers`);
    } finally {
      run.child.kill('SIGKILL');
      t.cleanup();
    }
  });

  it('refuses a topology with several mistakes, lists them all, exits non-zero and starts nothing', async () => {
    const broken = new URL('../../config/test/fixtures/broken-topology.yaml', import.meta.url).pathname;
    const run = runStart(broken, '/tmp/setgate-never-used');
    const code = await run.exited;
    assert.equal(code, 2);
    const err = run.stderr();
    assert.match(err, /topology refused with \d+ problem/);
    for (const path of ['/sets/2/region', '/placements/5/leader', '/placements/7/replicas', '/rtt', '/placements']) {
      assert.ok(err.includes(`  ${path}: `), `missing ${path} in:\n${err}`);
    }
    assert.ok(!/^entry /m.test(run.stdout()));
  });

  it('names a process that fails to start and stops all the others', async () => {
    // One region's six processes show it as well as sixteen, and start faster on a busy machine.
    const t = await freshTopology(oneRegion());
    const victim = t.topology.sets[1]?.nodes[0];
    assert.ok(victim);
    // Hold the node's port so its listen fails with EADDRINUSE.
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(victim.port, '127.0.0.1', () => r()));
    const run = runStart(t.configPath, join(t.dir, 'data'));
    try {
      const code = await run.exited;
      assert.equal(code, 1);
      assert.match(run.stderr(), new RegExp(`${victim.id} failed to start`));
      assert.match(run.stderr(), /EADDRINUSE/);
      await new Promise<void>((r) => blocker.close(() => r()));
      for (const port of allPorts(t.topology)) assert.ok(await portIsFree(port), `port ${port} still answers`);
    } finally {
      run.child.kill('SIGKILL');
      blocker.close();
      t.cleanup();
    }
  });
});
