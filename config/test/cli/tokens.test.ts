import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadTopologyFile } from '@setgate/config';
import { jwtVerify } from 'jose';
import { runCli } from '../../src/cli/run.js';
import type { TokenFile } from '../../src/cli/tokens.js';

const root = new URL('../../../', import.meta.url).pathname;
const topologyPath = `${root}config/topology.yaml`;
const topology = loadTopologyFile(topologyPath);
const issuer = topology.auth.issuers[0];
const key = issuer?.keys[0];
const variable = key?.secret.env;
if (!issuer || !key || !variable) throw new Error('config/topology.yaml has no HS256 issuer key given by environment variable');
// The shipped topology names its key by reference; this test plays the environment npm start sets up.
const secret = randomBytes(32).toString('base64url');
process.env[variable] = secret;

/** Verifies as the gateway does: jose, the topology's issuer, audience, algorithms and key. */
const verify = (token: string) =>
  jwtVerify(token, new TextEncoder().encode(secret), { issuer: issuer.issuer, audience: issuer.audience, algorithms: [...issuer.algorithms] });

describe('setgate tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(args, (s) => { out += s; }, (s) => { err += s; });
    return { code, out, err };
  };

  it('writes N tokens, one per user, that verify against the topology issuer, to a file only its owner reads', async () => {
    const out = join(dir, 'tokens.json');
    const r = await cli('tokens', '--users', '5', '--out', out, '--ttl', '600', '--config', topologyPath);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote 5 tokens/);
    const file = JSON.parse(readFileSync(out, 'utf8')) as TokenFile;
    assert.equal(file.issuer, issuer.issuer);
    assert.equal(file.audience, issuer.audience);
    assert.deepEqual(file.users.map((u) => u.sub), ['k6-user-0', 'k6-user-1', 'k6-user-2', 'k6-user-3', 'k6-user-4']);
    for (const u of file.users) {
      const { payload, protectedHeader } = await verify(u.token);
      assert.equal(payload.sub, u.sub);
      assert.equal(protectedHeader.kid, key.kid);
      assert.ok((payload.exp ?? 0) * 1000 >= Date.parse(file.expiresAt), 'no token expires before the file says');
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 600);
    }
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.ok(!readFileSync(out, 'utf8').includes(secret), 'the signing secret is not in the file');
  });

  it('prints the token file without --out, with the prefix and scope asked for', async () => {
    const r = await cli('tokens', '--users', '2', '--prefix', 'drill-', '--scope', 'shop:write', '--config', topologyPath);
    assert.equal(r.code, 0, r.err);
    const file = JSON.parse(r.out) as TokenFile;
    assert.deepEqual(file.users.map((u) => u.sub), ['drill-0', 'drill-1']);
    const { payload } = await verify(file.users[1]?.token ?? '');
    assert.equal(payload.scope, 'shop:write');
    assert.ok(!r.out.includes(secret) && !r.err.includes(secret));
  });

  it('refuses a bad count (exit 2) and a topology it cannot read (exit 1), signing nothing', async () => {
    for (const users of ['0', '-3', '2.5', 'many']) {
      const r = await cli('tokens', '--users', users, '--config', topologyPath);
      assert.equal(r.code, 2, `--users ${users}`);
      assert.match(r.err, /--users/);
    }
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'regions: nope\n');
    const r = await cli('tokens', '--users', '1', '--config', broken);
    assert.equal(r.code, 1);
    assert.match(r.out, /cannot use/);
  });

  it('reads the key npm start generated for its data directory when the variable is unset, and says which variable is missing otherwise', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SETGATE_CONFIG: topologyPath };
    delete env[variable];
    const run = (dataDir: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', `${root}config/src/cli/setgate.ts`, 'tokens', '--users', '1'], {
        env: { ...env, SETGATE_DATA_DIR: dataDir },
      }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    const missing = await run(join(dir, 'no-data'));
    assert.equal((missing as { code?: number }).code, 1);
    assert.match(`${missing.stdout}${missing.stderr}`, new RegExp(`environment variable ${variable} is not set`));
    const data = join(dir, 'data');
    mkdirSync(join(data, 'secrets'), { recursive: true });
    writeFileSync(join(data, 'secrets', variable), `${secret}\n`, { mode: 0o600 });
    const ok = await run(data);
    const file = JSON.parse(ok.stdout) as TokenFile;
    assert.equal((await verify(file.users[0]?.token ?? '')).payload.sub, 'k6-user-0');
  });

  it('runs as the setgate command, reading SETGATE_CONFIG', async () => {
    const out = join(dir, 'bin.json');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `${root}config/src/cli/setgate.ts`, 'tokens', '--users', '3', '--out', out], {
      env: { ...process.env, SETGATE_CONFIG: topologyPath },
    });
    assert.match(stdout, /wrote 3 tokens/);
    const file = JSON.parse(readFileSync(out, 'utf8')) as TokenFile;
    for (const u of file.users) assert.equal((await verify(u.token)).payload.sub, u.sub);
  });
});
