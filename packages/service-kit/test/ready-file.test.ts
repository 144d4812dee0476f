import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startTelemetry } from '@setgate/telemetry';
import { createAdminServer, createService, localAdminUrl, READY_FILE_ENV, runComponent } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'ready-test', logLevel: 'silent' });
const healthcheck = new URL('../src/healthcheck.ts', import.meta.url).pathname;

/**
 * Runs the image's health check as Docker does: a separate process with the container's environment
 * (asynchronously: the listeners it probes live in this process).
 */
function runHealthcheck(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', healthcheck], { encoding: 'utf8', env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
    });
  });
}

describe('ready file and container health check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-ready-'));
  const file = join(dir, 'ready');
  const app = createService({ telemetry });
  const admin = createAdminServer({ telemetry, status: () => ({}) });
  after(async () => {
    delete process.env[READY_FILE_ENV];
    await Promise.allSettled([app.close(), admin.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches a listener on every address through loopback', () => {
    assert.equal(localAdminUrl('0.0.0.0', 7001), 'http://127.0.0.1:7001');
    assert.equal(localAdminUrl('::', 7001), 'http://[::1]:7001');
    assert.equal(localAdminUrl('10.1.2.3', 7001), 'http://10.1.2.3:7001');
  });

  it('is unhealthy before the component is up, healthy once both listeners are', async () => {
    const before = await runHealthcheck({ [READY_FILE_ENV]: file });
    assert.equal(before.status, 1);
    assert.match(before.stderr, /not ready yet/);
    process.env[READY_FILE_ENV] = file;
    await runComponent({ id: 'ready-test', kind: 'gateway', host: '127.0.0.1', port: 0, adminPort: 0, app, admin, telemetry });
    assert.ok(existsSync(file));
    assert.equal((await runHealthcheck({ [READY_FILE_ENV]: file })).status, 0);
  });

  it('is unhealthy when the admin listener no longer answers', async () => {
    await admin.close();
    const r = await runHealthcheck({ [READY_FILE_ENV]: file });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /_setgate\/health/);
  });
});
