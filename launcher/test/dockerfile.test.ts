import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { freePorts } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import { parse } from 'yaml';
import { COMPOSE_TOPOLOGY_PATH, generateCompose, HEALTHCHECK_MODULE, renderK8s } from '../src/index.js';
import { knownSecretValues } from './helpers/secret-values.js';

const root = new URL('../../', import.meta.url).pathname;
const READY_DEADLINE_MS = 120_000;

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): Array<{ op: string; args: string }> {
  const text = readFileSync(`${root}deploy/Dockerfile`, 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The last stage's instructions: what the image runs. */
function runtimeStage() {
  const all = instructions();
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

/** The modules the compose services and Kubernetes containers start (`node <module> ...`). */
function startedModules(): string[] {
  const compose = parse(generateCompose(`${root}config/topology.yaml`, root).compose) as { services: Record<string, { command?: string[] }> };
  const fromCompose = Object.values(compose.services).flatMap((s) => (s.command?.[0] === 'node' ? [s.command[1] ?? ''] : []));
  const k8s = [...renderK8s(loadTopologyFile(`${root}config/topology.yaml`), root).files.values()].flat() as Array<{
    spec?: { template?: { spec?: { containers?: Array<{ args?: string[] }> } } };
  }>;
  const fromK8s = k8s.flatMap((o) => o.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.args?.[0] === 'node' ? [c.args[1] ?? ''] : []));
  return [...new Set([...fromCompose, ...fromK8s])];
}

describe('deploy/Dockerfile', () => {
  it('builds in one stage and runs in another, both on node:24-slim pinned by digest', () => {
    const all = instructions();
    const froms = all.filter((i) => i.op === 'FROM').map((i) => i.args);
    assert.ok(froms.length >= 2, 'multi-stage');
    const arg = all.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args.slice('NODE_IMAGE='.length);
    assert.match(arg ?? '', /^node:24-slim@sha256:[0-9a-f]{64}$/);
    for (const f of froms) assert.match(f, /^(\$\{NODE_IMAGE\}|[^ ]+@sha256:[0-9a-f]{64})( AS \w+)?$/i, `${f} is pinned`);
    const build = all.slice(0, all.map((i) => i.op).lastIndexOf('FROM'));
    assert.ok(build.some((i) => i.op === 'RUN' && i.args.includes('tsc -b') && i.args.includes('deploy/runtime-tree.sh')), 'the build stage compiles');
  });

  it('runs as a non-root user under an init, with a HEALTHCHECK and the topology ports exposed', () => {
    const stage = runtimeStage();
    const user = stage.filter((i) => i.op === 'USER').at(-1)?.args;
    assert.ok(user && user !== 'root' && user !== '0', `USER ${user}`);
    assert.match(stage.find((i) => i.op === 'ENTRYPOINT')?.args ?? '', /tini/);
    const health = stage.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    assert.ok(health.endsWith(`CMD ["node", "${HEALTHCHECK_MODULE}"]`), health);
    const exposed = stage
      .filter((i) => i.op === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((r) => r.split('-').map(Number) as [number, number?]);
    const covered = (p: number) => exposed.some(([a, b]) => p >= a && p <= (b ?? a));
    for (const file of ['config/topology.yaml', COMPOSE_TOPOLOGY_PATH]) {
      const t = loadTopologyFile(`${root}${file}`);
      const ports = new TopologyView(t).allInstances().flatMap((i) => [i.port, i.adminPort]);
      if (t.controlPlane) ports.push(t.controlPlane.port, t.controlPlane.adminPort);
      for (const p of ports) assert.ok(covered(p), `${file}: port ${p} is exposed`);
    }
    assert.ok(!stage.some((i) => i.op === 'ENV' && /TOKEN|SECRET|PASSWORD/.test(i.args)), 'no secret in the image environment');
  });

  describe('the runtime tree it copies (deploy/runtime-tree.sh on this checkout, after npx tsc -b)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setgate-image-'));
    const tree = join(dir, 'app');
    let cp: ChildProcess | undefined;
    before(() => {
      const r = spawnSync('bash', [`${root}deploy/runtime-tree.sh`, root, tree], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => {
      cp?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('holds compiled JavaScript and production dependencies only', () => {
      const modules = readdirSync(join(tree, 'node_modules'));
      for (const dev of ['tsx', 'typescript', '@biomejs', 'fast-check', 'kubernetes-models', 'autocannon', 'playwright-core']) {
        assert.ok(!modules.includes(dev), `${dev} is not in the image`);
      }
      const sources = spawnSync('find', [tree, '-path', '*/node_modules', '-prune', '-o', '(', '-name', '*.ts', '-o', '-path', '*/.tsbuild/test/*', ')', '-print'], { encoding: 'utf8' });
      assert.equal(sources.stdout.trim(), '', 'no TypeScript source or compiled test');
      assert.ok(!existsSync(join(tree, 'loadtest')) && !existsSync(join(tree, 'integration')));
    });

    it('holds no secret value (the development tokens, npm start\'s generated secrets, this environment\'s)', () => {
      const files = spawnSync('find', [tree, '-path', '*/node_modules', '-prune', '-o', '-type', 'f', '-print'], { encoding: 'utf8' }).stdout.trim().split('\n');
      assert.ok(files.length > 100, `${files.length} files`);
      const values = knownSecretValues(root);
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        for (const v of values) assert.ok(!text.includes(v), `${f} holds a secret value`);
      }
      assert.ok(!existsSync(join(tree, 'data')), 'no local data (data/secrets) in the image');
    });

    it('contains every module the compose file and the Kubernetes manifests start', () => {
      const modules = startedModules();
      assert.ok(modules.length >= 4, modules.join(' '));
      for (const m of modules) {
        assert.match(m, /\.js$/, `${m} is compiled`);
        assert.ok(existsSync(join(tree, m)), `${m} is in the image`);
      }
    });

    it('starts a component from it with plain node, HEALTHCHECK says healthy, SIGTERM stops it', async () => {
      const [port = 0, adminPort = 0] = await freePorts(2);
      const doc = structuredClone(loadTopologyFile(`${root}config/topology.yaml`)) as unknown as { controlPlane: Record<string, unknown> };
      Object.assign(doc.controlPlane, { port, adminPort });
      const topologyFile = join(dir, 'topology.json');
      writeFileSync(topologyFile, JSON.stringify(doc));
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        SETGATE_BIND_HOST: '127.0.0.1',
        SETGATE_READY_FILE: join(dir, 'ready'),
        SETGATE_INTERNAL_TOKEN: 'image-test-internal-token-0123456789abcdef',
        SETGATE_LOG_LEVEL: 'warn',
      };
      const main = startedModules().find((m) => m.includes('control-plane')) ?? '';
      cp = spawn(process.execPath, [main, '--config', topologyFile, '--data', join(dir, 'data')], { cwd: tree, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      cp.stderr?.on('data', (d) => (stderr += String(d)));
      const until = Date.now() + READY_DEADLINE_MS;
      while (!existsSync(env.SETGATE_READY_FILE)) {
        assert.ok(Date.now() < until && cp.exitCode === null, `the control plane did not get ready: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const check = await new Promise<number>((resolve) =>
        execFile(process.execPath, [HEALTHCHECK_MODULE], { cwd: tree, env }, (err) => resolve(err ? 1 : 0)),
      );
      assert.equal(check, 0, 'HEALTHCHECK passes');
      const exited = new Promise<number | null>((resolve) => cp?.once('exit', (code) => resolve(code)));
      cp.kill('SIGTERM');
      assert.equal(await exited, 0, 'a clean exit on SIGTERM');
      assert.ok(!existsSync(env.SETGATE_READY_FILE), 'not healthy once stopping');
    });
  });
});
