import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const RULES_DIR = new URL('../../deploy/prometheus/', import.meta.url).pathname;

function promtool(...args: string[]): { status: number | null; output: string } {
  const res = spawnSync('promtool', args, { cwd: RULES_DIR, encoding: 'utf8' });
  assert.equal(res.error, undefined, `promtool could not run (Debian's prometheus package): ${res.error?.message}`);
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('deploy/prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 8 rules found/);
  });

  it("fire on the series that should raise them and stay silent on healthy ones (promtool test rules)", () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    assert.equal(status, 0, output);
  });
});
