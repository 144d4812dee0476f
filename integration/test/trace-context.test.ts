import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shardOf } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';

/** Log lines of one component that carry the given trace id. */
function linesWithTrace(logDir: string, instance: string, traceId: string): Array<Record<string, unknown>> {
  let text = '';
  try {
    text = readFileSync(join(logDir, `${instance}.log`), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.trace_id === traceId);
}

describe('W3C trace context across every hop', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack?.close());

  it('carries the client trace id through proxy and gateway into the node logs', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sub = `trace-${Date.now()}`;
    // A profile that does not exist: the node answers 404 and logs the problem with its trace ids.
    const res = await request(`${stack.entry('eu-west')}/v1/profile`, {
      headers: {
        authorization: `Bearer ${await stack.token(sub)}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    assert.equal(res.statusCode, 404);
    await res.body.dump();
    // profile.get tolerates staleness, so any replica of the shard may have served it.
    const replicas = stack.view.replicaNodes(shardOf(sub, stack.view.shardCount)).map((n) => n.id);
    let lines: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && lines.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      lines = replicas.flatMap((id) => linesWithTrace(stack.logDir, id, traceId));
    }
    assert.ok(lines.length > 0, `no line with trace_id ${traceId} in the logs of ${replicas.join(', ')}`);
    assert.match(String(lines[0]?.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(lines[0]?.span_id, '00f067aa0ba902b7', 'the node logs its own span, a descendant of the client span');
  });
});
