import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type CertificateFiles, makeCertificate, servedCopy } from '@setgate/process-supervisor';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { createService, TLS_POLL_MS } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'tls-test', logLevel: 'silent' });

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
  let served: CertificateFiles;
  const fingerprint = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;
  let a: CertificateFiles;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'setgate-tls-unit-'));
    a = makeCertificate(dir, 'a');
    served = servedCopy(dir, a);
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
    const b = makeCertificate(dir, 'b');
    const c = makeCertificate(dir, 'c');
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
