import { resolve } from 'node:path';
import { defaultTopologyPath, loadTopologyFile, TopologyError } from '@setgate/config';
import { signDevToken } from './dev-token.js';
import { banner } from './banner.js';
import { controlPlaneMode, type EtcdMode, etcdModeBanner, prepareEtcdMode } from './etcd-mode.js';
import { type Stack, startStack } from './stack.js';
import { wanFromArgs, type WanOptions } from './wan.js';
import { wanBanner } from './wan-banner.js';

/**
 * `npm start`: the whole topology on one machine. Exit codes: 0 after a clean
 * Ctrl-C, 1 when a process failed to start (the others are stopped), 2 when
 * the topology is refused (nothing is started).
 */
async function main(): Promise<number> {
  const configPath = resolve(defaultTopologyPath());
  let topology: ReturnType<typeof loadTopologyFile>;
  try {
    topology = loadTopologyFile(configPath);
  } catch (err) {
    process.stderr.write(`${err instanceof TopologyError ? err.message : String(err)}\n`);
    return 2;
  }
  const dataDir = resolve(process.env.SETGATE_DATA_DIR ?? 'data');
  let mode: ReturnType<typeof controlPlaneMode>;
  try {
    mode = controlPlaneMode(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  let wan: WanOptions | undefined;
  try {
    wan = wanFromArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  let etcd: EtcdMode | undefined;
  process.stdout.write(`starting ${configPath} (config version ${topology.version})\n`);

  let stack: Stack | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${stack?.supervisor.components().length ?? 0} processes\n`);
    await stack?.stop();
    await etcd?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    // etcd mode: a local 3-member etcd cluster, and two control-plane replicas sharing it.
    if (mode === 'etcd') etcd = await prepareEtcdMode({ configPath, outPath: resolve(dataDir, 'topology.etcd.json'), logDir: resolve(dataDir, 'logs') });
    stack = await startStack({
      configPath: etcd?.configPath ?? configPath,
      dataDir,
      logDir: resolve(dataDir, 'logs'),
      ...(etcd ? { controlPlaneReplicas: etcd.replicas } : {}),
      ...(wan ? { wan } : {}),
    });
  } catch (err) {
    await etcd?.stop();
    process.stderr.write(`${(err as Error).message}\nstopped every process that had started.\n`);
    return 1;
  }
  for (const c of stack.supervisor.components()) {
    void c.exited.then((info) => {
      if (!stopping) process.stderr.write(`exited ${c.name} (${info.signal ?? `code ${info.code}`}); see its log\n`);
    });
  }
  const token = await signDevToken(topology, { sub: 'user-42', ttlSec: 24 * 3600 });
  process.stdout.write(banner(stack, token));
  if (etcd) process.stdout.write(etcdModeBanner(etcd, stack.controlPlaneUrls ?? []));
  process.stdout.write(wanBanner(stack));
  return new Promise<number>(() => {}); // runs until a signal stops it
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
