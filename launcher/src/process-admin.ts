import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AdminRoleName, type AdminTokenDef, adminTokenMatcher, bearerToken, roleAllows } from '@setgate/config';
import { defineErrors, LauncherPath, PROBLEM_CONTENT_TYPE, type ProcessView, type RestartAnswer, type SetgateError } from '@setgate/contracts';
import type { RunningComponent } from '@setgate/process-supervisor';
import type { Stack } from './stack.js';

export const LauncherErrors = defineErrors({
  SETGATE_LAUNCHER_UNAUTHENTICATED: { status: 401, title: 'A control-plane admin token is required' },
  SETGATE_LAUNCHER_FORBIDDEN: { status: 403, title: 'The token’s role may not do this' },
  SETGATE_LAUNCHER_NOT_FOUND: { status: 404, title: 'No such process or route' },
  SETGATE_LAUNCHER_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  SETGATE_LAUNCHER_RESTART_IN_PROGRESS: { status: 409, title: 'This process is already being restarted' },
  SETGATE_LAUNCHER_RESTART_FAILED: { status: 500, title: 'The process did not come back' },
});

const unauthenticated = (detail: string) =>
  LauncherErrors.create('SETGATE_LAUNCHER_UNAUTHENTICATED', { detail, headers: { 'www-authenticate': 'Bearer realm="setgate-launcher"' } });

/** Longest URL and id taken: anything longer is no process of ours. */
const MAX_URL = 512;

export interface ProcessAdmin {
  readonly url: string;
  close(): Promise<void>;
}

export interface ProcessAdminOptions {
  /** The control plane's admin tokens (hashes): viewer lists, operator and admin restart. */
  readonly tokens: readonly AdminTokenDef[];
  /** Told of each process restarted (the launcher watches its exit again). */
  readonly onRestarted?: (component: RunningComponent) => void;
}

/**
 * The launcher's process API (packages/contracts launcher-api.ts) on a
 * loopback port: a killed node is started again in place, with its data
 * directory, ports and secrets, by `setgate node restart`. Why not the
 * control plane: it runs inside the stack and may be the process that died;
 * only the launcher, which spawned every process, can start one again.
 */
export async function startProcessAdmin(stack: Pick<Stack, 'supervisor' | 'restart'>, opts: ProcessAdminOptions): Promise<ProcessAdmin> {
  const match = adminTokenMatcher(opts.tokens);
  const restarting = new Set<string>();
  const restarts = new Map<string, number>();

  const view = (c: RunningComponent): ProcessView => {
    const ready = stack.supervisor.ready.get(c.name);
    const exit = c.exit;
    return {
      id: c.name,
      ...(ready ? { kind: ready.kind, url: ready.url } : {}),
      pid: c.pid,
      state: restarting.has(c.name) ? 'restarting' : c.running ? 'running' : 'exited',
      ...(exit ? { exit: { code: exit.code, signal: exit.signal } } : {}),
      restarts: restarts.get(c.name) ?? 0,
    };
  };

  const authorize = (req: IncomingMessage, role: AdminRoleName): void => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) throw unauthenticated('send authorization: Bearer <control-plane admin token>');
    const principal = match(token);
    if (!principal) throw unauthenticated('the token is not known');
    if (!roleAllows(principal.role, role)) {
      throw LauncherErrors.create('SETGATE_LAUNCHER_FORBIDDEN', { detail: `${principal.name} is ${principal.role}; this needs ${role}` });
    }
  };

  const restart = async (id: string): Promise<RestartAnswer> => {
    if (!stack.supervisor.get(id)) throw LauncherErrors.create('SETGATE_LAUNCHER_NOT_FOUND', { detail: `no process ${id}` });
    if (restarting.has(id)) throw LauncherErrors.create('SETGATE_LAUNCHER_RESTART_IN_PROGRESS', { detail: `${id} is being restarted` });
    restarting.add(id);
    const began = performance.now();
    try {
      await stack.restart(id);
    } catch (err) {
      // The process's own last words are in its log; the answer says where to look, not what it printed.
      throw LauncherErrors.create('SETGATE_LAUNCHER_RESTART_FAILED', { detail: `${id} did not report ready again; see its log`, cause: err });
    } finally {
      restarting.delete(id);
    }
    restarts.set(id, (restarts.get(id) ?? 0) + 1);
    const component = stack.supervisor.get(id) as RunningComponent;
    opts.onRestarted?.(component);
    return { process: view(component), readyAfterMs: Math.round(performance.now() - began) };
  };

  const route = async (req: IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const url = req.url ?? '/';
    if (url.length > MAX_URL) throw LauncherErrors.create('SETGATE_LAUNCHER_NOT_FOUND', { detail: 'no such route' });
    const path = url.split('?')[0] as string;
    if (path === LauncherPath.processes) {
      if (req.method !== 'GET') throw LauncherErrors.create('SETGATE_LAUNCHER_METHOD_NOT_ALLOWED', { detail: `${LauncherPath.processes} takes GET` });
      authorize(req, 'viewer');
      return { status: 200, body: { processes: stack.supervisor.components().map(view) } };
    }
    const m = /^\/v1\/processes\/([^/]+)\/restart$/.exec(path);
    if (m) {
      if (req.method !== 'POST') throw LauncherErrors.create('SETGATE_LAUNCHER_METHOD_NOT_ALLOWED', { detail: 'restart takes POST' });
      authorize(req, 'operator');
      return { status: 200, body: await restart(decodeURIComponent(m[1] as string)) };
    }
    throw LauncherErrors.create('SETGATE_LAUNCHER_NOT_FOUND', { detail: 'no such route' });
  };

  const reply = (res: ServerResponse, status: number, type: string, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    // No route takes a body: whatever a caller sends is drained, never buffered.
    req.resume();
    route(req).then(
      (r) => reply(res, r.status, 'application/json', r.body),
      (err: unknown) => {
        const e = (err as SetgateError).code?.startsWith('SETGATE_LAUNCHER_') ? (err as SetgateError) : LauncherErrors.create('SETGATE_LAUNCHER_RESTART_FAILED');
        reply(res, e.status, PROBLEM_CONTENT_TYPE, e.toProblem(), e.headers);
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // a restart waits for the process to report ready, which may take long on a busy machine
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
