#!/usr/bin/env node
import { runCli } from './run.js';

/** `setgate`: the ops CLI over the control plane admin API (see `setgate --help`). */
const code = await runCli(
  process.argv.slice(2),
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
);
process.exitCode = code;
