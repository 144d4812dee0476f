import { readFileSync, type Stats, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';

/** Certificate and key files of an HTTPS listener (the topology's `tls` of an entry instance). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** How often the files are checked for a change. */
export const TLS_POLL_MS = 1000;

/** Reads the pair; throws when a file cannot be read. */
export function readTlsPair(files: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/**
 * Keeps an HTTPS listener's certificate in step with its files: when either
 * changes (polled, so a replacement by rename is seen too) the pair is read
 * again and swapped in with setSecureContext; new connections get it, open
 * ones keep theirs. A pair that cannot be used (a file half-written, a key
 * that does not match) is refused and the one in force kept; the next change
 * tries again. Returns a function that stops watching.
 */
export function watchTlsFiles(server: Server, files: TlsFiles, log: FastifyBaseLogger): () => void {
  const reload = (now: Stats) => {
    if (now.mtimeMs === 0) return; // removed: keep serving the pair in force until a new file appears
    try {
      server.setSecureContext(readTlsPair(files));
      log.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      // OpenSSL's message names the problem (e.g. key values mismatch), never key material.
      log.warn({ certFile: files.certFile, reason: (err as Error).message }, 'TLS certificate reload refused; keeping the one in force');
    }
  };
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval: TLS_POLL_MS, persistent: false }, reload);
  return () => {
    for (const file of [files.certFile, files.keyFile]) unwatchFile(file, reload);
  };
}
