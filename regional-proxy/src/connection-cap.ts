import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { CommonErrors } from '@setgate/contracts';
import { addressGroup, rawProblemResponse } from '@setgate/service-kit';

/** Lets a refused connection read its answer, then closes it whatever the client does. */
const REFUSED_LINGER_MS = 1000;

/**
 * Caps open connections per peer address (IPv6 by /64): past `maxPerAddress` a new
 * connection is answered 429 problem+json and closed before the HTTP server
 * sees it (over TLS, where no plain answer can be written, it is just closed).
 * `exempt` peers (trusted edges, which carry many clients) are not counted.
 * The map holds only addresses with an open connection.
 */
export function capConnectionsPerAddress(server: Server, maxPerAddress: number, exempt: (peer: string) => boolean): () => number {
  const open = new Map<string, number>();
  const tls = server instanceof TlsServer;
  const refusal = rawProblemResponse(
    CommonErrors.create('SETGATE_CLIENT_BUSY', {
      detail: `At most ${maxPerAddress} connections from one address are open at a time.`,
      headers: { 'retry-after': '1' },
    }),
  );
  // The HTTP server's own listeners run only for admitted connections.
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress;
    if (peer === undefined || exempt(peer)) {
      for (const l of listeners) l.call(server, socket);
      return;
    }
    const group = addressGroup(peer);
    const count = open.get(group) ?? 0;
    if (count >= maxPerAddress) {
      refuse(socket, tls ? undefined : refusal);
      return;
    }
    open.set(group, count + 1);
    socket.once('close', () => {
      const n = open.get(group) ?? 1;
      if (n <= 1) open.delete(group);
      else open.set(group, n - 1);
    });
    for (const l of listeners) l.call(server, socket);
  });
  return () => open.size;
}

function refuse(socket: Socket, answer: string | undefined): void {
  socket.on('error', () => {});
  if (answer === undefined) {
    socket.destroy();
    return;
  }
  // Whatever the client sends is read and dropped, so the close is not a reset that loses the answer.
  socket.resume();
  socket.end(answer);
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
