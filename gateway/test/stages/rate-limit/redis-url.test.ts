import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LoadedTopology, loadTopologyFile, validateTopology } from '@setgate/config';
import { rateLimitRedisUrl } from '../../../src/stages/rate-limit/options.js';

const root = new URL('../../../../', import.meta.url).pathname;

/** The shipped topology with `edit` applied to a plain copy, validated again. */
function variant(edit: (doc: { regions: Array<Record<string, unknown>>; gateway: { rateLimit: Record<string, unknown> } }) => void): LoadedTopology {
  const doc = structuredClone(loadTopologyFile(`${root}config/topology.yaml`)) as never;
  edit(doc);
  const result = validateTopology(doc);
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
  return result.topology;
}

describe('rate-limit Redis of a region', () => {
  it("is the region's own when it names one, the topology-wide one otherwise", () => {
    const t = variant((d) => {
      d.gateway.rateLimit.redisUrl = 'redis://shared:6379';
      const [first] = d.regions;
      if (first) first.rateLimitRedisUrl = 'redis://redis-us-east:6379';
    });
    assert.equal(rateLimitRedisUrl(t, 'us-east'), 'redis://redis-us-east:6379');
    assert.equal(rateLimitRedisUrl(t, 'eu-west'), 'redis://shared:6379');
  });

  it('is undefined (local counting) when neither is set', () => {
    const t = variant(() => {});
    assert.equal(rateLimitRedisUrl(t, 'us-east'), undefined);
  });

  it('refuses a region Redis that is not a redis:// URL', () => {
    const doc = structuredClone(loadTopologyFile(`${root}config/topology.yaml`)) as unknown as { regions: Array<Record<string, unknown>> };
    if (doc.regions[0]) doc.regions[0].rateLimitRedisUrl = 'http://redis:6379';
    const result = validateTopology(doc);
    assert.equal(result.ok, false);
  });
});
