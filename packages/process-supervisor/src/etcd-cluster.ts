import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './ports.js';

/** One member of a local etcd cluster. */
export interface EtcdMember {
  readonly name: string;
  /** Client URL (http://127.0.0.1:<port>): what the etcd3 client and etcdctl talk to. */
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** PID of the current process (-1 while stopped; changes on restart). */
  readonly pid: number;
  running(): boolean;
  /** SIGKILL by PID, the way a crash looks; resolves once it has exited. Safe to call twice. */
  kill(): Promise<void>;
  /** Starts it again with its data (killing the old process first if it still runs); resolves once healthy. */
  restart(): Promise<void>;
}

/** A local etcd cluster of a test's, benchmark's or `npm start`'s own, on free loopback ports. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL, what a client is given so it can move to another member. */
  readonly endpoints: readonly string[];
  /** Where the members keep their data (a temp dir unless given); removed by stop() when it was made here. */
  readonly dataDir: string;
  /** The name of the member that leads now (asked of the running members); undefined while none says it does. */
  leader(): Promise<string | undefined>;
  /** Kills every member by PID and removes a temp data dir. */
  stop(): Promise<void>;
}

export interface EtcdClusterOptions {
  /** 1 or 3 (default 1). */
  readonly size?: 1 | 3;
  /** The etcd binary (default: `etcd` on PATH, Debian's etcd-server puts it at /usr/bin/etcd). */
  readonly binary?: string;
  /** Data directory; default a fresh temp dir removed on stop. */
  readonly dataDir?: string;
  /** Where each member's stdout/stderr go (a file descriptor); default ignored. */
  readonly logFd?: number;
  /** Longest wait for the cluster to become healthy (default 60 s: slow on a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
}

/** True when the member answers /health with {"health":"true"} (it has a leader and can serve). */
function healthy(clientUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${clientUrl}/health`, { timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The member's id and its leader's, from etcd's maintenance status (the v3 JSON gateway); undefined when it does not answer. */
function memberStatus(clientUrl: string): Promise<{ member: string; leader: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(`${clientUrl}/v3/maintenance/status`, { method: 'POST', timeout: 2000, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        try {
          const s = JSON.parse(body) as { header?: { member_id?: string }; leader?: string };
          resolve(s.header?.member_id && s.leader ? { member: s.header.member_id, leader: s.leader } : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end('{}');
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Launches of a restarted member whose port was taken meanwhile (see restart). */
const RESTART_ATTEMPTS = 10;

/** The last error-level line etcd wrote (zap JSON), or its last line. */
function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const line = [...lines].reverse().find((l) => /"level":"(error|fatal|panic)"/.test(l)) ?? lines[lines.length - 1] ?? '';
  return line.slice(0, 500);
}

interface MemberSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/**
 * Starts a local etcd cluster (1 or 3 members) on free ports and waits until
 * every member reports healthy. Members run with short heartbeats so that a
 * killed member's peers elect a new leader within about a second.
 */
export async function startEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const size = opts.size ?? 1;
  const binary = opts.binary ?? 'etcd';
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'setgate-etcd-')));
  const ports = await freePorts(size * 2);
  const specs: MemberSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `etcd-${i + 1}`,
    clientPort: ports[i * 2] as number,
    peerPort: ports[i * 2 + 1] as number,
  }));
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  const token = `setgate-${process.pid}-${Date.now()}`;

  const launch = (s: MemberSpec, existing: boolean): ChildProcess => {
    const args = [
      '--name', s.name,
      '--data-dir', join(dataDir, s.name),
      '--listen-client-urls', `http://127.0.0.1:${s.clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${s.clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${s.peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${s.peerPort}`,
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', token,
      '--initial-cluster-state', existing ? 'existing' : 'new',
      // Loopback: a fast heartbeat gives fast leader elections after a kill. While etcd has no
      // leader no control-plane replica can grant a write-point lease (it reads revocations
      // linearizably), so an election must end well inside replication.leaseMs (2000 ms by
      // default) minus a renewal interval: 500 ms lets followers campaign 0.5–1 s after the
      // leader died, where etcd's default 1000 ms let leases lapse on a leader kill.
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
      '--logger', 'zap',
      '--log-level', 'warn',
    ];
    const out = opts.logFd ?? 'ignore';
    // Without a log file, stderr is kept (its last few KB) so a member that exits can say why.
    const child = spawn(binary, args, { stdio: ['ignore', out, opts.logFd ?? 'pipe'] });
    child.on('error', () => undefined);
    tails.set(s.name, '');
    child.stderr?.on('data', (chunk: Buffer) => tails.set(s.name, `${tails.get(s.name) ?? ''}${chunk.toString()}`.slice(-4096)));
    return child;
  };
  const tails = new Map<string, string>();

  const children: (ChildProcess | undefined)[] = specs.map((s) => launch(s, false));
  const alive = (i: number) => {
    const c = children[i];
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  };
  const waitHealthy = async (indexes: readonly number[]) => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 60000);
    for (;;) {
      const ok = await Promise.all(indexes.map((i) => alive(i) && healthy(`http://127.0.0.1:${specs[i]?.clientPort}`)));
      if (ok.every(Boolean)) return;
      const dead = indexes.filter((i) => !alive(i));
      if (dead.length > 0) {
        const why = dead.map((i) => lastError(tails.get(specs[i]?.name ?? '') ?? '')).filter((w) => w.length > 0);
        throw new Error(`etcd member(s) ${dead.map((i) => specs[i]?.name).join(', ')} exited while starting (is etcd installed?)${why.length > 0 ? `: ${why.join('; ')}` : ''}`);
      }
      if (Date.now() > deadline) throw new Error('etcd cluster did not become healthy in time');
      await sleep(100);
    }
  };

  const stopAll = async () => {
    await Promise.all(children.map((c) => stop(c)));
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(specs.map((_, i) => i));
  } catch (err) {
    await stopAll();
    throw err;
  }

  const members = specs.map(
    (s, i): EtcdMember => ({
      name: s.name,
      clientUrl: `http://127.0.0.1:${s.clientPort}`,
      peerUrl: `http://127.0.0.1:${s.peerPort}`,
      get pid() {
        return alive(i) ? (children[i]?.pid ?? -1) : -1;
      },
      running: () => alive(i),
      kill: async () => {
        await stop(children[i]);
        children[i] = undefined;
      },
      restart: async () => {
        await stop(children[i]);
        // Its data dir holds the membership: it rejoins as an existing member. Its ports are fixed
        // (they are its identity in the cluster), and while it was down any process's outgoing
        // connection may have taken one as its local port: then it is tried again once that frees.
        for (let attempt = 1; ; attempt++) {
          children[i] = launch(s, true);
          try {
            await waitHealthy([i]);
            return;
          } catch (err) {
            if (attempt >= RESTART_ATTEMPTS || !/address already in use/i.test(tails.get(s.name) ?? '')) throw err;
            await stop(children[i]);
            await sleep(1000);
          }
        }
      },
    }),
  );
  const leader = async () => {
    for (const m of members) {
      if (!m.running()) continue;
      const s = await memberStatus(m.clientUrl);
      if (s && s.member === s.leader) return m.name;
    }
    return undefined;
  };
  return { members, endpoints: members.map((m) => m.clientUrl), dataDir, leader, stop: stopAll };
}
