import { ControlPlaneErrors } from '../errors.js';
import { ConfigBodies } from './config-routes.js';
import { OpsBodies } from './ops-routes.js';

type Role = 'viewer' | 'operator' | 'admin';

interface Op {
  readonly summary: string;
  readonly role?: Role;
  readonly body?: unknown;
  readonly ok: number;
}

const problem = { description: 'application/problem+json', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

/** Every route of the control plane API: the single source the OpenAPI document is built from. */
export const ROUTES: Readonly<Record<string, Readonly<Record<string, Op>>>> = {
  '/openapi.json': { get: { summary: 'This document', ok: 200 } },
  '/v1/config': { get: { summary: 'The current version with its audit facts and document', role: 'viewer', ok: 200 } },
  '/v1/config/versions/{version}': { get: { summary: 'Version N', role: 'viewer', ok: 200 } },
  '/v1/config/history': { get: { summary: 'Versions newest first (author, reason, time, action, diff); ?limit=&before=', role: 'viewer', ok: 200 } },
  '/v1/config/validate': {
    post: { summary: 'Dry run: every problem, or the diff and its impact (shards, commands, regions, sets)', role: 'viewer', body: ConfigBodies.document, ok: 200 },
  },
  '/v1/config/diff': {
    get: { summary: 'Diff and impact between two stored versions (?from=&to=)', role: 'viewer', ok: 200 },
    post: { summary: 'Diff and impact of a document against the current version', role: 'viewer', body: ConfigBodies.document, ok: 200 },
  },
  '/v1/config/apply': {
    post: { summary: 'Store a document as the next version; 409 unless baseVersion is current; 413 past the document limits; admin for auth, controlPlane, network, limits, trust, secret references and anonymous commands (403 lists the fields)', role: 'operator', body: ConfigBodies.apply, ok: 201 },
  },
  '/v1/config/rollback': { post: { summary: "Make version N's document current again, as a new version", role: 'operator', body: ConfigBodies.rollback, ok: 201 } },
  '/v1/config/watch': {
    get: { summary: 'Long-poll: the newest record once past ?after=N, 204 after ?timeoutMs without a change', role: 'viewer', ok: 200 },
  },
  '/v1/status': {
    get: {
      summary: "Regions, sets, nodes, shards and leaders at a glance, and the failover controller's state (probed nodes, suppressed and recent failovers)",
      role: 'viewer',
      ok: 200,
    },
  },
  '/v1/ops/shards/{shard}/move': {
    post: { summary: 'Planned switchover of one shard to another replica set (202: poll the operation)', role: 'operator', body: OpsBodies.move, ok: 202 },
  },
  '/v1/ops/drain': { post: { summary: 'Drain a region or set: its leaders move by switchover, proxies avoid it', role: 'operator', body: OpsBodies.drain, ok: 202 } },
  '/v1/ops/undrain': { post: { summary: 'Clear a drain flag', role: 'operator', body: OpsBodies.drain, ok: 201 } },
  '/v1/ops/failover/pause': { post: { summary: 'Pause automated failover', role: 'operator', body: OpsBodies.reason, ok: 201 } },
  '/v1/ops/failover/resume': { post: { summary: 'Resume automated failover', role: 'operator', body: OpsBodies.reason, ok: 201 } },
  '/v1/ops/operations/{id}': { get: { summary: 'Progress and result of a long operation', role: 'viewer', ok: 200 } },
};

const paramsOf = (path: string) =>
  [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: m[1] === 'id' ? 'string' : 'integer' } }));

/** The OpenAPI 3.1 document served at `/openapi.json`. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(ROUTES)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const errors = op.role ? { 401: problem, 403: problem, 400: problem, 404: problem, 409: problem, 422: problem } : {};
      (paths[path] as Record<string, unknown>)[method] = {
        summary: op.summary,
        ...(op.role ? { security: [{ bearer: [] }], 'x-setgate-role': op.role } : { security: [] }),
        parameters: paramsOf(path),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
        responses: { [op.ok]: { description: 'success', content: { 'application/json': {} } }, ...errors },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'setgate control plane', version: '1', description: 'Versions, hot reload and ops actions of the routing config.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Roles: viewer < operator < admin.' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(ControlPlaneErrors.catalogue) },
            detail: { type: 'string' },
            problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths,
  };
}
