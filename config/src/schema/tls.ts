import { Type } from '@sinclair/typebox';

/**
 * HTTPS on an entry listener (a regional proxy, or a gateway clients reach
 * directly). The files are read at start and re-read when either changes,
 * without a restart: new connections get the new certificate, open ones keep
 * theirs. Without it the listener speaks plain HTTP (the local default).
 */
export const EntryTls = Type.Object(
  {
    certFile: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'PEM file with the certificate chain the traffic listener serves (leaf first). Watched: replacing it takes effect within about a second.',
    }),
    keyFile: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: "PEM file with the certificate's private key. Watched like certFile; a key that does not match the certificate is refused and the pair in force is kept.",
    }),
  },
  { additionalProperties: false, description: 'HTTPS on the traffic listener, from certificate files reloaded without a restart.' },
);
