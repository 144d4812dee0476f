#!/usr/bin/env node
// `setgate` (the root package's bin): runs the compiled CLI. A fresh clone has no
// build yet, so the first call builds once (`tsc -b`); after a source change,
// `npx tsc -b` (or `npm start`, which builds first) brings it up to date.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../.tsbuild/control-plane/src/cli/setgate.js', import.meta.url);
if (!existsSync(compiled)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  process.stderr.write('setgate: no compiled CLI yet; building once (tsc -b)...\n');
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const built = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) {
    process.stderr.write('setgate: the build failed (see above); fix it and run `npx tsc -b`\n');
    process.exit(1);
  }
}
await import(compiled.href);
