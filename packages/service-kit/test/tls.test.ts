import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { createService, TLS_POLL_MS } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'tls-test', logLevel: 'silent' });

/** A self-signed pair for 127.0.0.1 made with the openssl CLI. */
function makePair(dir: string, name: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { certFile, keyFile };
}

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('HTTPS listener from certificate files', () => {
  let dir: string;
  let app: FastifyInstance;
  let port: number;
  const served = { certFile: '', keyFile: '' };
  const fingerprint = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;
  let a: { certFile: string; keyFile: string };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'setgate-tls-unit-'));
    a = makePair(dir, 'a');
    served.certFile = join(dir, 'served.crt');
    served.keyFile = join(dir, 'served.key');
    copyFileSync(a.certFile, served.certFile);
    copyFileSync(a.keyFile, served.keyFile);
    app = createService({ telemetry, tls: served });
    app.get('/hello', async () => ({ hello: 'tls' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the files it was given', async () => {
    assert.equal(await servedFingerprint(port), fingerprint(a.certFile));
  });

  it('keeps the pair in force when the new key does not match the certificate, and takes a matching pair', async () => {
    const b = makePair(dir, 'b');
    const c = makePair(dir, 'c');
    copyFileSync(b.certFile, served.certFile);
    copyFileSync(c.keyFile, served.keyFile); // not b's key
    await sleep(TLS_POLL_MS * 3);
    assert.equal(await servedFingerprint(port), fingerprint(a.certFile), 'a mismatched pair is refused');
    copyFileSync(b.keyFile, served.keyFile);
    const deadline = Date.now() + 30_000;
    while ((await servedFingerprint(port)) !== fingerprint(b.certFile)) {
      assert.ok(Date.now() < deadline, 'the matching pair was never taken');
      await sleep(100);
    }
  });
});
