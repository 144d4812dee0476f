import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The lowest port handed out: above the well-known and registered services a machine may run. */
const LOW_PORT = 10000;
/** Below this many ports between LOW_PORT and the ephemeral range, pick from the kernel's range instead. */
const MIN_RANGE = 2000;

/**
 * Ports below the kernel's ephemeral range (`ip_local_port_range`, 32768 by
 * default): an outgoing connection never takes one of them, so a port found
 * free stays free until the component it is meant for binds it. (Ports from
 * bind(0) come from the ephemeral range, where any process's next connect
 * could take one in between; with several stacks starting side by side that
 * happened, as EADDRINUSE at start.) Undefined when the range leaves too
 * little room below it.
 */
function portsBelowEphemeral(): { low: number; high: number } | undefined {
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (ephemeralLow === undefined || !Number.isInteger(ephemeralLow) || ephemeralLow - LOW_PORT < MIN_RANGE) return undefined;
    return { low: LOW_PORT, high: ephemeralLow };
  } catch {
    return undefined;
  }
}

/**
 * Ports handed out on this machine, one file each (`<tmp>/setgate-ports/<port>`, holding the pid
 * that took it), so that processes picking ports side by side never take each other's, even once
 * a port is unbound for a while: a killed member or node restarted on its own port found it taken
 * by another test's stack. A port is held while the process that took it lives.
 */
const CLAIMS = join(tmpdir(), 'setgate-ports');
const claimed: number[] = [];

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when this process now holds `port` (it was unclaimed, or its claimer is gone). */
function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  try {
    mkdirSync(CLAIMS, { recursive: true });
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true;
    const holder = Number(readFileSync(file, 'utf8'));
    if (holder === process.pid) return false;
    if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) return false;
    writeFileSync(file, String(process.pid));
  }
  if (claimed.length === 0) process.once('exit', releaseClaims);
  claimed.push(port);
  return true;
}

function releaseClaims(): void {
  for (const port of claimed.splice(0)) {
    try {
      if (readFileSync(join(CLAIMS, String(port)), 'utf8') === String(process.pid)) rmSync(join(CLAIMS, String(port)));
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function listen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, host, () => resolve(s));
  });
}

/**
 * Finds `count` distinct free TCP ports on `host`, holding every socket until
 * all are picked so no port is handed out twice. Ports are drawn at random
 * below the ephemeral range (see portsBelowEphemeral), each checked by
 * binding it and claimed for this process (see CLAIMS); where that range is
 * missing, the kernel picks (port 0).
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const range = portsBelowEphemeral();
  const servers: Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (range && tries > count * 50) throw new Error(`no ${count} free ports found between ${range.low} and ${range.high}`);
      const port = range ? range.low + Math.floor(Math.random() * (range.high - range.low)) : 0;
      const s = await listen(port, host);
      if (s && (!range || claim(port))) servers.push(s);
      else if (s) await new Promise<void>((r) => s.close(() => r()));
      else if (!range) throw new Error(`could not bind a port on ${host}`);
    }
    return servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
