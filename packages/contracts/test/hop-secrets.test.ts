import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { HopSecrets, hopSecretsFromEnv, stopWatchingHopSecrets } from '../src/hop-secrets.js';

describe('hop secrets', () => {
  it('accepts the current and previous secrets, in a header or as a bearer, and nothing else', () => {
    const s = new HopSecrets('new-secret', ['old-secret']);
    assert.equal(s.current, 'new-secret');
    assert.equal(s.bearer, 'Bearer new-secret');
    for (const ok of ['new-secret', 'old-secret']) {
      assert.equal(s.accepts(ok), true, ok);
      assert.equal(s.acceptsBearer(`Bearer ${ok}`), true, ok);
    }
    for (const bad of [undefined, '', 'new-secre', 'new-secretx', 'NEW-SECRET', 'retired']) assert.equal(s.accepts(bad), false, String(bad));
    for (const bad of [undefined, 'new-secret', 'bearer new-secret', 'Bearer  new-secret', 'Basic new-secret']) assert.equal(s.acceptsBearer(bad), false, String(bad));
  });

  it('refuses a secret with anything after it, whatever the characters, or any part of it, and secrets of other lengths', () => {
    const s = new HopSecrets('0123456789abcdef', ['short', 'a-much-longer-previous-secret-0123456789']);
    const tails = ['x', ' ', '\u0000', 'é', '€', '😀', '\ud800', 'é'.repeat(8), '😀'.repeat(20)];
    for (const secret of ['0123456789abcdef', 'short', 'a-much-longer-previous-secret-0123456789']) {
      assert.equal(s.accepts(secret), true, secret);
      for (const tail of tails) assert.equal(s.accepts(`${secret}${tail}`), false, JSON.stringify(`${secret}${tail}`));
      for (let cut = 1; cut < secret.length; cut++) assert.equal(s.accepts(secret.slice(0, cut)), false, secret.slice(0, cut));
    }
    // Multi-byte strings whose UTF-8 length equals an accepted secret's are compared, and refused.
    assert.equal(s.accepts('é'.repeat(8)), false);
    assert.equal(new HopSecrets('ééé-secret').accepts('ééé-secret'), true, 'a non-ASCII secret is accepted as itself');
    assert.equal(new HopSecrets('ééé-secret').accepts('ééé-secretx'), false);
  });

  it('rotates in place: the old current secret stays accepted only while listed', () => {
    const s = new HopSecrets('a');
    s.update('b', ['a']);
    assert.equal(s.current, 'b');
    assert.equal(s.accepts('a'), true);
    s.update('b');
    assert.equal(s.accepts('a'), false);
    assert.throws(() => s.update(''));
  });

  it('reads SETGATE_INTERNAL_TOKEN and a comma-separated SETGATE_INTERNAL_TOKEN_PREVIOUS; none set: undefined', () => {
    assert.equal(hopSecretsFromEnv({}), undefined);
    assert.equal(hopSecretsFromEnv({ SETGATE_INTERNAL_TOKEN: '' }), undefined);
    const s = hopSecretsFromEnv({ SETGATE_INTERNAL_TOKEN: 'cur', SETGATE_INTERNAL_TOKEN_PREVIOUS: 'p1, p2' });
    assert.ok(s);
    assert.deepEqual(['cur', 'p1', 'p2', 'p3'].map((x) => s.accepts(x)), [true, true, true, false]);
  });

  it('follows a secrets file without a restart, and keeps the secrets in force when it becomes unusable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'setgate-hop-'));
    const file = join(dir, 'hop-secrets');
    const env = { SETGATE_INTERNAL_TOKEN_FILE: file, SETGATE_INTERNAL_TOKEN: 'ignored' };
    try {
      writeFileSync(file, 'first\n');
      const reloads: Array<Error | undefined> = [];
      const s = hopSecretsFromEnv(env, (err) => reloads.push(err));
      assert.ok(s);
      assert.equal(s.current, 'first');
      assert.equal(s.accepts('ignored'), false, 'the file takes precedence over the variable');
      // Step 2 of a rotation: send the new one, still accept the old one.
      writeFileSync(file, 'second\nfirst\n');
      const current = (): string => s.current;
      // The file is polled every second: wait for the state, with a deadline a loaded CI machine cannot break.
      for (let i = 0; i < 1200 && current() !== 'second'; i++) await sleep(50);
      assert.equal(s.current, 'second');
      assert.equal(s.accepts('first'), true);
      writeFileSync(file, '\n');
      for (let i = 0; i < 1200 && !reloads.some((e) => e !== undefined); i++) await sleep(50);
      assert.equal(s.current, 'second', 'an empty file changes nothing');
      assert.equal(s.accepts('first'), true);
    } finally {
      stopWatchingHopSecrets(env);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
