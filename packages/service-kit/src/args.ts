import { parseArgs } from 'node:util';
import { defaultTopologyPath, type LoadedTopology, loadTopologyFile, TopologyError } from '@setgate/config';

export interface ComponentArgs {
  readonly id: string;
  readonly configPath: string;
  readonly dataDir: string;
  readonly topology: LoadedTopology;
}

/**
 * Common command line of every component: `--id <instance> [--config FILE] [--data DIR]`.
 * A bad topology is printed with every problem and the process exits 2.
 */
export function componentArgs(argv = process.argv.slice(2)): ComponentArgs {
  const { values } = parseArgs({
    args: argv,
    options: { id: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' } },
  });
  if (!values.id) {
    process.stderr.write('missing --id <instance id from the topology>\n');
    process.exit(2);
  }
  const configPath = values.config ?? defaultTopologyPath();
  try {
    const topology = loadTopologyFile(configPath);
    return { id: values.id, configPath, dataDir: values.data ?? 'data', topology };
  } catch (err) {
    process.stderr.write(`${err instanceof TopologyError ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
