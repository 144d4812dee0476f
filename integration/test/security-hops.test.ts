import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { signDevToken, type Stack, startStack } from '@setgate/launcher';
import { type CertificateFiles, makeCertificate, servedCopy } from '@setgate/process-supervisor';
import { shardOf, type TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { freshTopology } from './harness.js';

/**
 * Trust boundaries, class 2 ("nodes trust the network"), on real processes: every hop
 * inside setgate authenticates its caller with the stack's hop secret. The stack runs
 * with a rotated secret from a secrets file: CURRENT is sent, PREVIOUS is still
 * accepted, RETIRED (the one before) is refused like any wrong secret; the last test
 * rotates the file under load.
 */
const CURRENT = randomBytes(24).toString('base64url');
const PREVIOUS = randomBytes(24).toString('base64url');
const RETIRED = randomBytes(24).toString('base64url');

const REGION = 'us-east';
const PROXY = 'us-east-proxy-1';
const GATEWAY = 'us-east-gw-1';
const LEADER = 'us-east-a-1';
const FOLLOWER = 'eu-west-b-1';
const READY_TIMEOUT_MS = 180_000;

/** The SHA-256 fingerprint of the certificate a TLS listener serves now (a new connection each time). */
function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Only the certificate is read here; whether it is trusted is checked by the HTTPS requests.
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** A subject whose shard is led by LEADER (and followed by FOLLOWER). */
function subjectLedBy(view: TopologyView, node: string, prefix: string): { sub: string; shard: number } {
  for (let n = 0; n < 100_000; n++) {
    const sub = `${prefix}${n}`;
    const shard = shardOf(sub, view.shardCount);
    if (view.writePoint(shard).id === node) return { sub, shard };
  }
  throw new Error(`no subject led by ${node}`);
}

describe('authenticated hops (real processes)', () => {
  let stack: Stack;
  let cleanup = () => {};
  let certDir = '';
  let secretsFile = '';
  let first: CertificateFiles;
  let served: CertificateFiles;
  const started = new Set([PROXY, GATEWAY, LEADER, FOLLOWER]);

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'setgate-tls-'));
    first = makeCertificate(certDir, 'first');
    served = servedCopy(certDir, first);
    secretsFile = join(certDir, 'hop-secrets');
    writeFileSync(secretsFile, `${CURRENT}\n${PREVIOUS}\n`, { mode: 0o600 });
    const t = await freshTopology((doc) => {
      const regions = doc.regions as Array<{ name: string; gateways: Array<{ id: string }>; proxies: Array<Record<string, unknown>> }>;
      const r = regions.find((x) => x.name === REGION);
      if (r) r.gateways = r.gateways.filter((g) => g.id === GATEWAY);
      // The entry serves HTTPS from files the test replaces later (the other proxies stay HTTP).
      const proxy = r?.proxies.find((p) => p.id === PROXY);
      if (proxy) proxy.tls = served;
      // A starved test machine stalls event loops: no shedding for that here, so every refusal the
      // rotation test could see is one of a hop.
      const gateway = (doc.gateway ?? {}) as { admission?: Record<string, unknown> };
      gateway.admission = { ...gateway.admission, maxEventLoopDelayMs: 60_000 };
      doc.gateway = gateway;
      // Only some nodes run: a shard acknowledges on its write-point's own append.
      for (const p of doc.placements as Array<Record<string, unknown>>) Object.assign(p, { mode: 'async', minInsync: 0 });
    });
    cleanup = t.cleanup;
    try {
      stack = await startStack({
        configPath: t.configPath,
        dataDir: join(t.dir, 'data'),
        logDir: join(t.dir, 'logs'),
        only: (i) => started.has(i.id),
        readyTimeoutMs: READY_TIMEOUT_MS,
        // Every process follows this file (it wins over the launcher's SETGATE_INTERNAL_TOKEN).
        env: { SETGATE_INTERNAL_TOKEN_FILE: secretsFile },
      });
    } catch (err) {
      cleanup();
      throw err;
    }
  });
  after(async () => {
    await stack?.stop();
    cleanup();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  const token = (sub: string) => signDevToken(stack.topology, { sub });
  /** A client that trusts the certificate `certFile` (the entry serves HTTPS). */
  const trusting = (certFile: string) => new Agent({ connect: { ca: readFileSync(certFile) } });

  /** The node headers a gateway asserts for a profile command, plus `extra`. */
  function asserted(sub: string, shard: number, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-setgate-key': sub,
      'x-setgate-shard': String(shard),
      'x-setgate-epoch': String(stack.view.placement(shard).epoch),
      'x-setgate-subject': sub,
      'x-setgate-command': 'profile.put',
      'x-setgate-config-version': String(stack.topology.version),
      ...extra,
    };
  }

  async function expectRefused(res: Awaited<ReturnType<typeof request>>, code: string): Promise<void> {
    const text = await res.body.text();
    assert.equal(res.statusCode, 401, text);
    assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE), String(res.headers['content-type']));
    assert.equal((JSON.parse(text) as { code: string }).code, code, text);
  }

  it("refuses a node's traffic port without the hop secret, with a wrong one and with a retired one; nothing is written", async () => {
    const { sub, shard } = subjectLedBy(stack.view, LEADER, 'hop-node-');
    const node = stack.url(LEADER);
    const path = `/cmd/profile/${encodeURIComponent(sub)}`;
    const body = JSON.stringify({ displayName: 'Mallory' });
    for (const authorization of [undefined, `Bearer ${RETIRED}`, `Bearer ${CURRENT}x`, CURRENT, 'Bearer ']) {
      const headers = asserted(sub, shard, { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) });
      await expectRefused(await request(`${node}${path}`, { method: 'PUT', headers, body }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
      await expectRefused(await request(`${node}${path}`, { headers }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
      await expectRefused(await request(`${node}/state/${shard}/${encodeURIComponent(sub)}`, { method: 'PUT', headers, body }), 'SETGATE_NODE_HOP_UNAUTHENTICATED');
    }
    // Read through the proper path: the refused writes never reached a handler.
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const read = await request(`${stack.url(PROXY)}/v1/profile`, { headers: auth, dispatcher: trusting(served.certFile) });
    const text = await read.body.text();
    assert.equal(read.statusCode, 404, text);
    assert.equal(read.headers['x-setgate-node'], LEADER, 'the write-point itself said there is no profile');
  });

  it('serves the whole path (proxy → gateway → node) and a caller holding the current or the previous secret', async () => {
    const { sub, shard } = subjectLedBy(stack.view, LEADER, 'hop-path-');
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const put = await request(`${stack.url(PROXY)}/v1/profile`, {
      method: 'PUT',
      dispatcher: trusting(served.certFile),
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Ada' }),
    });
    assert.equal(put.statusCode, 201, await put.body.text());
    for (const secret of [CURRENT, PREVIOUS]) {
      const res = await request(`${stack.url(LEADER)}/cmd/profile/${encodeURIComponent(sub)}`, {
        headers: asserted(sub, shard, { authorization: `Bearer ${secret}`, 'x-setgate-command': 'profile.get' }),
      });
      const text = await res.body.text();
      assert.equal(res.statusCode, 200, text);
      assert.match(text, /Ada/);
    }
  });

  it('refuses a replication fetch without the secret or with a retired one, and serves the previous one', async () => {
    const { shard } = subjectLedBy(stack.view, LEADER, 'hop-repl-');
    const admin = stack.view.node(LEADER)?.adminUrl as string;
    const fetch = (authorization?: string) =>
      request(`${admin}/internal/replication/${shard}/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ node: FOLLOWER, epoch: stack.view.placement(shard).epoch, fromLsn: 1, lastEpoch: 0, maxWaitMs: 0 }),
      });
    for (const authorization of [undefined, `Bearer ${RETIRED}`]) await expectRefused(await fetch(authorization), 'SETGATE_NODE_UNAUTHORIZED');
    const ok = await fetch(`Bearer ${PREVIOUS}`);
    assert.equal(ok.statusCode, 200, await ok.body.text());
  });

  it('serves a client reaching a gateway directly with its token, and refuses a wrong proxy hop credential', async () => {
    const { sub } = subjectLedBy(stack.view, LEADER, 'hop-direct-');
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const gateway = stack.url(GATEWAY);
    const direct = await request(`${gateway}/v1/profile`, { headers: auth });
    const text = await direct.body.text();
    assert.equal(direct.statusCode, 404, text);
    assert.equal(direct.headers['x-setgate-node'], LEADER, 'the node answered: the gateway forwarded with the hop secret');
    await expectRefused(await request(`${gateway}/v1/profile`, { headers: { ...auth, 'x-setgate-hop': RETIRED } }), 'SETGATE_GW_HOP_UNAUTHENTICATED');
    const asProxy = await request(`${gateway}/v1/profile`, { headers: { ...auth, 'x-setgate-hop': PREVIOUS } });
    assert.equal(asProxy.statusCode, 404, await asProxy.body.text());
  });

  it('serves HTTPS at the regional proxy and takes a replaced certificate without a restart', async () => {
    const entry = stack.url(PROXY);
    assert.match(entry, /^https:\/\//, 'the ready URL says https');
    const { sub } = subjectLedBy(stack.view, LEADER, 'hop-tls-');
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const fingerprintOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;
    assert.equal(await servedFingerprint(entry), fingerprintOf(first.certFile));
    const put = await request(`${entry}/v1/profile`, {
      method: 'PUT',
      dispatcher: trusting(first.certFile),
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Over TLS' }),
    });
    assert.equal(put.statusCode, 201, await put.body.text());

    // Rotate: a new pair replaces the files (key first, each by an atomic rename); the process stays up.
    const pid = stack.supervisor.get(PROXY)?.pid;
    const next = makeCertificate(certDir, 'next');
    renameSync(next.keyFile, served.keyFile);
    renameSync(next.certFile, served.certFile);
    const want = fingerprintOf(served.certFile);
    const deadline = Date.now() + 60_000;
    for (let seen = await servedFingerprint(entry); seen !== want; seen = await servedFingerprint(entry)) {
      assert.ok(Date.now() < deadline, `still serving ${seen} a minute after the files were replaced`);
      await sleep(200);
    }
    assert.equal(stack.supervisor.get(PROXY)?.pid, pid, 'the proxy was not restarted');
    const get = await request(`${entry}/v1/profile`, { dispatcher: trusting(served.certFile), headers: auth });
    const text = await get.body.text();
    assert.equal(get.statusCode, 200, text);
    assert.match(text, /Over TLS/);
    // A client pinned to the old certificate no longer gets through.
    await assert.rejects(request(`${entry}/v1/profile`, { dispatcher: trusting(first.certFile), headers: auth }));
  });

  it('rotates the hop secret through the file under load without one failed request', async () => {
    const NEXT = randomBytes(24).toString('base64url');
    const { sub } = subjectLedBy(stack.view, LEADER, 'hop-rotate-');
    const auth = { authorization: `Bearer ${await token(sub)}` };
    const client = trusting(served.certFile);
    const entry = stack.url(PROXY);
    const seed = await request(`${entry}/v1/profile`, { method: 'PUT', dispatcher: client, headers: { ...auth, 'content-type': 'application/json' }, body: '{"displayName":"R"}' });
    assert.equal(seed.statusCode, 201, await seed.body.text());
    const statuses = new Map<string, number>();
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const res = await request(`${entry}/v1/profile`, { dispatcher: client, headers: auth });
        const text = await res.body.text();
        // A refusal is told by its code (e.g. 503 SETGATE_GW_OVERLOADED on a starved machine vs 401 at a hop).
        const code = res.statusCode === 200 ? '' : ` ${String((JSON.parse(text) as { code?: string }).code)}`;
        const answer = `${res.statusCode}${code}`;
        statuses.set(answer, (statuses.get(answer) ?? 0) + 1);
        await sleep(20);
      }
    })();
    const node = stack.url(LEADER);
    const nodeAnswers = async (secret: string) => {
      const res = await request(`${node}/_setgate/health`, { headers: { authorization: `Bearer ${secret}` } });
      await res.body.dump();
      return res.statusCode;
    };
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 60_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
        await sleep(100);
      }
    };
    // Each step gives every process time to re-read the file (polled every second) before the next.
    const settle = () => sleep(5000);
    try {
      writeFileSync(secretsFile, `${CURRENT}\n${NEXT}\n`); // 1: accept the new secret everywhere
      await until('the node to accept the new secret', async () => (await nodeAnswers(NEXT)) === 200);
      await until('the node to refuse PREVIOUS', async () => (await nodeAnswers(PREVIOUS)) === 401);
      await settle();
      writeFileSync(secretsFile, `${NEXT}\n${CURRENT}\n`); // 2: send the new secret, still accept the old one
      await settle();
      writeFileSync(secretsFile, `${NEXT}\n`); // 3: the old secret is gone
      await until('the node to refuse the old secret', async () => (await nodeAnswers(CURRENT)) === 401);
      await settle();
    } finally {
      stop = true;
      await load;
    }
    assert.deepEqual([...statuses.keys()], ['200'], `answers during the rotation: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get('200') ?? 0) > 50, `only ${statuses.get('200')} requests during the rotation`);
    assert.equal(await nodeAnswers(NEXT), 200);
  });
});
