import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommonErrors, SetgateError } from '@setgate/contracts';
import { GatewayErrors } from '../src/errors.js';

const codes = Object.keys(GatewayErrors.catalogue) as (keyof typeof GatewayErrors.catalogue)[];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('gateway error catalogue', () => {
  it('uses unique SETGATE_GW_ codes that no common error shares', () => {
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) {
      assert.match(code, /^SETGATE_GW_[A-Z0-9_]+$/);
      assert.equal(code in CommonErrors.catalogue, false, `${code} also in CommonErrors`);
    }
  });

  it('gives every code an HTTP error status and a title', () => {
    for (const code of codes) {
      const spec = GatewayErrors.catalogue[code];
      assert.equal(Number.isInteger(spec.status), true, code);
      assert.equal(spec.status >= 400 && spec.status <= 599, true, `${code}: ${spec.status}`);
      assert.notEqual(spec.title.trim(), '', code);
    }
  });

  it('creates errors whose problem carries the code and status', () => {
    for (const code of codes) {
      const err = GatewayErrors.create(code, { detail: 'why' });
      assert.equal(err instanceof SetgateError, true);
      const problem = err.toProblem('req-1');
      assert.equal(problem.code, code);
      assert.equal(problem.status, GatewayErrors.catalogue[code].status);
      assert.equal(problem.type, `urn:setgate:error:${code}`);
      assert.equal(problem.instance, 'req-1');
    }
  });

  it('has no code that the gateway never raises', () => {
    const src = new URL('../src', import.meta.url).pathname;
    const text = sourcesOf(src)
      .filter((f) => f !== join(src, 'errors.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const code of codes) assert.equal(text.includes(`'${code}'`), true, `${code} is never raised`);
  });
});
