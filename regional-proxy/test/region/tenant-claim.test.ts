import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tenantOf } from '../../src/region/tenant-claim.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jws = (payload: unknown) => `${b64({ alg: 'HS256' })}.${b64(payload)}.c2lnbmF0dXJl`;

describe('tenantOf', () => {
  it('reads the named claim of a bearer JWS, whatever the scheme case', () => {
    assert.equal(tenantOf(`Bearer ${jws({ sub: 'u', tenant: 'acme' })}`, 'tenant'), 'acme');
    assert.equal(tenantOf(`bearer ${jws({ org: 'globex' })}`, 'org'), 'globex');
  });

  it('yields no tenant for anything it cannot read', () => {
    for (const header of [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      'Bearer not-a-jwt',
      `Bearer ${jws({ sub: 'u' })}`,
      `Bearer ${jws({ tenant: 42 })}`,
      `Bearer ${jws({ tenant: '' })}`,
      `Bearer ${jws(['tenant'])}`,
      'Bearer aGVhZGVy.bm90IGpzb24.c2ln',
      // A JWE (five parts): its payload is ciphertext.
      `Bearer ${b64({ alg: 'dir' })}.${b64({ tenant: 'acme' })}.iv.ct.tag`,
    ]) {
      assert.equal(tenantOf(header, 'tenant'), undefined, String(header));
    }
  });
});
