import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';

/** How a raw exchange ended: the status line the server sent (if any) and when the connection closed. */
export interface RawOutcome {
  /** Status code of the first response, or undefined when the server closed without one. */
  readonly status: number | undefined;
  readonly contentType: string | undefined;
  /** ms from connect until the first response byte (or the close, when none came). */
  readonly answeredAfterMs: number;
  /** True when the server ended the connection (the client never did). */
  readonly closedByServer: boolean;
}

/** A client that dribbles a request out byte by byte: slow headers or a slow body. */
export interface SlowClient {
  readonly done: Promise<RawOutcome>;
  /** Stops sending and closes the socket (when the server has not answered yet). */
  close(): void;
}

export interface SlowRequest {
  readonly port: number;
  /** The client's own loopback address: one "client" per address. */
  readonly localAddress: string;
  /** Sent at once: the request line and (for a slow body) the whole header block. */
  readonly head: string;
  /** Sent one byte per `intervalMs` after the head, until the server answers. */
  readonly trickle: string;
  readonly intervalMs: number;
}

/** Opens a raw connection, sends `head`, then `trickle` one byte at a time until the server answers or closes. */
export function slowRequest(opts: SlowRequest): SlowClient {
  const started = performance.now();
  const socket: Socket = connect({ host: '127.0.0.1', port: opts.port, localAddress: opts.localAddress });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let response = '';
  let answeredAfterMs: number | undefined;
  let closedByUs = false;
  const done = new Promise<RawOutcome>((resolve) => {
    const finish = () => {
      if (timer) clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
      const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(response)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        contentType,
        answeredAfterMs: answeredAfterMs ?? performance.now() - started,
        closedByServer: !closedByUs,
      });
    };
    socket.on('connect', () => {
      socket.write(opts.head);
      timer = setInterval(() => {
        if (sent >= opts.trickle.length || !socket.writable) return;
        socket.write(opts.trickle[sent++] as string);
      }, opts.intervalMs);
    });
    socket.on('data', (chunk) => {
      answeredAfterMs ??= performance.now() - started;
      response += chunk.toString('latin1');
      // The answer is in: stop sending, so the server is not fed more bytes of a refused request.
      if (timer) clearInterval(timer);
    });
    socket.on('error', () => {});
    socket.on('close', finish);
  });
  return {
    done,
    close() {
      closedByUs = true;
      socket.destroy();
    },
  };
}

/** One plain request from a given local address; resolves with the status (0 on a transport error or timeout). */
export function requestFrom(
  url: string,
  localAddress: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; contentType: string | undefined; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers, localAddress, agent: false });
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error('client timeout')));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          retryAfter: res.headers['retry-after'] as string | undefined,
          body,
        }),
      );
      res.on('error', () => resolve({ status: 0, contentType: undefined, retryAfter: undefined, body }));
    });
    req.on('error', () => resolve({ status: 0, contentType: undefined, retryAfter: undefined, body: '' }));
    req.end(opts.body);
  });
}
