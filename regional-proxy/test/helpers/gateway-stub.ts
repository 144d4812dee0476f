import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a stub gateway saw of one request. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** How a stub answers; the default echoes who it is with routing headers. */
export type Responder = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface GatewayStub {
  readonly id: string;
  readonly url: string;
  /** Where active checks probe it: the stub answers its own health route, like a gateway's admin listener. */
  readonly healthUrl: string;
  /** Requests other than health probes. */
  readonly received: Received[];
  /** Health probes answered so far. */
  probes: number;
  /** Status the health route answers with; 200 unless a test takes the stub down. */
  healthStatus: number;
  close(): Promise<void>;
}

/** Answers like a gateway would: status 200, JSON naming the gateway, x-setgate-* routing headers. */
export function answerAsGateway(id: string): Responder {
  return (_req, res, body) => {
    const payload = JSON.stringify({ gateway: id, bytes: body.length });
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-setgate-region': 'us-east',
      'x-setgate-set': 'us-east-a',
      'x-setgate-shard': '7',
      'keep-alive': 'timeout=5',
    });
    res.end(payload);
  };
}

const HEALTH_PATH = '/_setgate/health';

/**
 * A real HTTP server on an ephemeral loopback port standing in for a gateway;
 * it records every request but health probes, which it answers with `healthStatus`.
 */
export async function startGatewayStub(id: string, respond: Responder = answerAsGateway(id)): Promise<GatewayStub> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    if (req.url === HEALTH_PATH) {
      stub.probes++;
      res.writeHead(stub.healthStatus, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      respond(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const stub: GatewayStub = {
    id,
    url,
    healthUrl: `${url}${HEALTH_PATH}`,
    received,
    probes: 0,
    healthStatus: 200,
    close: () =>
      new Promise<void>((resolve) => {
        // Held responses would keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}

/** A gateway at a loopback port nobody listens on (bound once, then released): traffic and probes are refused. */
export async function deadGateway(): Promise<{ url: string; healthUrl: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const url = `http://127.0.0.1:${port}`;
  return { url, healthUrl: `${url}${HEALTH_PATH}` };
}
