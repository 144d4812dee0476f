import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

/** A PEM certificate and its key, as files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A self-signed certificate for 127.0.0.1 (P-256, one day), made with the
 * system's openssl CLI as an operator would make one, written to
 * `dir/<name>.crt` and `dir/<name>.key`. For tests of HTTPS listeners.
 */
export function makeCertificate(dir: string, name: string): CertificateFiles {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=setgate-test-${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

/**
 * `dir/served.{crt,key}`, a copy of `pair`: the files a listener is pointed
 * at, so a test can replace them later and watch the listener follow.
 */
export function servedCopy(dir: string, pair: CertificateFiles): CertificateFiles {
  const served = { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') };
  copyFileSync(pair.certFile, served.certFile);
  copyFileSync(pair.keyFile, served.keyFile);
  return served;
}
