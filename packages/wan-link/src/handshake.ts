import type { Socket } from 'node:net';

/**
 * The relay's one-byte connect handshake. A kernel completes a TCP handshake
 * before user space sees the connection, so a relay cannot refuse or delay a
 * connect by itself. Instead the relay answers every accepted connection with
 * one byte once the emulated handshake is over: {@link HANDSHAKE_OK} after one
 * RTT when it reached the target, {@link HANDSHAKE_REFUSED} when the target
 * refused or the link refuses new connections, nothing while a partition holds
 * packets. The client side ({@link awaitRelayHandshake}) turns these into what
 * a direct connect would give: a socket, ECONNREFUSED, or a connect timeout.
 * Only relay clients speak it; relays are never exposed to anyone else.
 */
export const HANDSHAKE_OK = 0x4b;
/** See {@link HANDSHAKE_OK}. */
export const HANDSHAKE_REFUSED = 0x52;

/** An error shaped like Node's own failed connect, so callers classify it the same way. */
export function connectRefused(host: string, port: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException & { address?: string; port?: number } = new Error(`connect ECONNREFUSED ${host}:${port}`);
  err.code = 'ECONNREFUSED';
  err.errno = -111;
  err.syscall = 'connect';
  err.address = host;
  err.port = port;
  return err;
}

/** A connect that did not complete in time (packets held by a partition). */
export class RelayConnectTimeoutError extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  constructor(target: string, timeoutMs: number) {
    super(`Connect Timeout Error (attempted address: ${target}, timeout: ${timeoutMs}ms, through the WAN relay)`);
    this.name = 'ConnectTimeoutError';
  }
}

/**
 * Waits for the relay's handshake byte on a freshly connected socket. Resolves
 * when the relay reached the target (any bytes after the handshake byte are put
 * back on the socket); rejects with ECONNREFUSED, a connect timeout after
 * `timeoutMs` (0: none), or the socket's own error. On rejection the socket is destroyed.
 */
export function awaitRelayHandshake(socket: Socket, target: { host: string; port: number }, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      if (timer) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve();
      }
    };
    const onData = (chunk: Buffer) => {
      const byte = chunk[0];
      if (byte === HANDSHAKE_OK) {
        socket.pause();
        if (chunk.length > 1) socket.unshift(chunk.subarray(1));
        done();
      } else {
        done(connectRefused(target.host, target.port));
      }
    };
    const onError = (err: Error) => done(err);
    const onClose = () => done(connectRefused(target.host, target.port));
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (timeoutMs > 0) timer = setTimeout(() => done(new RelayConnectTimeoutError(`${target.host}:${target.port}`, timeoutMs)), timeoutMs);
  });
}
