import assert from 'node:assert/strict';
import { Header, PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/** Asserts a problem+json response with this status and code; returns its body. */
export function assertProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body);
  assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE), String(res.headers['content-type']));
  const body = res.json() as Record<string, unknown>;
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(body.type, `urn:setgate:error:${code}`);
  return body;
}

/** Asserts the node identity and shard headers every shard-routed response carries. */
export function assertShardHeaders(
  res: LightMyRequestResponse,
  expected: { node: string; set: string; region: string; shard: number; epoch: number; lsn: number },
): void {
  assert.equal(res.headers[Header.node], expected.node);
  assert.equal(res.headers[Header.set], expected.set);
  assert.equal(res.headers[Header.region], expected.region);
  assert.equal(res.headers[Header.shard], String(expected.shard));
  assert.equal(res.headers[Header.epoch], String(expected.epoch));
  assert.equal(res.headers[Header.lsn], String(expected.lsn));
}

/** `app.inject` with its promise overload picked, for tests that inject many requests. */
export function injector(app: () => FastifyInstance): (opts: InjectOptions) => Promise<LightMyRequestResponse> {
  return (opts) => app().inject(opts);
}
