import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type ConnectVerdict, RelayedConnection } from './connection.js';
import { Direction } from './direction.js';
import { FaultTable, type PairSelector, type PartitionMode } from './faults.js';
import type { PipeCounters } from './pipe.js';
import { checkPlan, type WanPlan, type WanTarget } from './plan.js';
import { endpointKey } from './routes.js';

/** One listener: connections from `from` to `target` (in another region). */
interface Link {
  readonly from: string;
  readonly target: WanTarget;
  readonly server: Server;
  port: number;
  readonly connections: Set<RelayedConnection>;
  /** Every socket of this listener's connections (client and upstream), for stop(). */
  readonly sockets: Set<Socket>;
  accepted: number;
}

/** What `/status` reports. */
export interface RelayStatus {
  readonly regions: readonly string[];
  readonly rttMs: WanPlan['rttMs'];
  readonly jitterMs: number;
  readonly faults: ReturnType<FaultTable['list']>;
  readonly links: number;
  readonly connections: { readonly open: number; readonly accepted: number; readonly heldConnects: number };
  readonly traffic: { readonly chunks: number; readonly bytes: number; readonly heldBytes: number; readonly timerFires: number };
  readonly directions: ReadonlyArray<{ from: string; to: string; delayMs: number; chunks: number; bytes: number; heldBytes: number }>;
  /** The relay process's CPU since it started, and per forwarded chunk and KiB. */
  readonly cpu: { readonly userUs: number; readonly systemUs: number; readonly usPerChunk: number | null; readonly usPerKiB: number | null; readonly uptimeMs: number };
}

/**
 * A WAN relay: one TCP listener per (source region, target endpoint in another
 * region), all in this process; each connection pays the RTT matrix's delay
 * both ways and obeys the run-time faults of its region pair.
 */
export class WanRelay {
  readonly faults: FaultTable;
  private readonly directions = new Map<string, Direction>();
  private readonly links: Link[] = [];
  private readonly counters: PipeCounters = { chunks: 0, bytes: 0, timerFires: 0 };
  private jitter: number;
  private readonly cpuAtStart = process.cpuUsage();
  private readonly startedAt = performance.now();

  constructor(readonly plan: WanPlan) {
    checkPlan(plan);
    this.faults = new FaultTable(plan.regions);
    this.jitter = plan.jitterMs ?? 0;
    for (const a of plan.regions) {
      for (const b of plan.regions) {
        if (a === b) continue;
        const rtt = plan.rttMs[a]?.[b] ?? 0;
        this.directions.set(`${a}>${b}`, new Direction(a, b, rtt / 2, this.faults, () => this.jitter));
      }
    }
  }

  /** Opens every listener (on free ports). */
  async start(): Promise<void> {
    const host = this.plan.host ?? '127.0.0.1';
    for (const target of this.plan.targets) {
      for (const from of this.plan.regions) {
        if (from === target.region) continue;
        const link: Link = { from, target, server: createServer({ allowHalfOpen: true, noDelay: true }), port: 0, connections: new Set(), sockets: new Set(), accepted: 0 };
        link.server.on('connection', (socket) => {
          link.accepted++;
          link.sockets.add(socket);
          socket.once('close', () => link.sockets.delete(socket));
          const conn = new RelayedConnection(socket, {
            target,
            ...(this.plan.upstreamLocalAddress ? { localAddress: this.plan.upstreamLocalAddress } : {}),
            forward: this.direction(from, target.region),
            backward: this.direction(target.region, from),
            counters: this.counters,
            verdict: () => this.verdict(from, target.region),
            onClosed: (c) => link.connections.delete(c),
          });
          link.connections.add(conn);
        });
        await new Promise<void>((resolve, reject) => {
          link.server.once('error', reject);
          link.server.listen(0, host, () => resolve());
        });
        link.port = (link.server.address() as { port: number }).port;
        this.links.push(link);
      }
    }
  }

  /** Per source region: target `host:port` → this relay's `host:port` for it. */
  routes(): Record<string, Record<string, string>> {
    const host = this.plan.host ?? '127.0.0.1';
    const out: Record<string, Record<string, string>> = Object.fromEntries(this.plan.regions.map((r) => [r, {}]));
    for (const l of this.links) {
      (out[l.from] as Record<string, string>)[endpointKey(l.target.host, l.target.port)] = endpointKey(host, l.port);
    }
    return out;
  }

  /** Cuts a pair (or one direction); `reset` also resets the connections it crosses. */
  partition(sel: PairSelector, mode: PartitionMode): void {
    this.faults.partition(sel, mode);
    if (mode === 'reset') {
      for (const l of this.links) {
        if (!this.touches(l, sel)) continue;
        for (const c of [...l.connections]) c.reset();
      }
    }
  }

  /** Adds one-way delay and/or a bandwidth cap. */
  slow(sel: PairSelector, extraDelayMs?: number, bandwidthKbps?: number): void {
    this.faults.slow(sel, extraDelayMs, bandwidthKbps);
  }

  /** Heals a pair (or everything): held connects proceed and held bytes flow. */
  heal(pair?: { a: string; b: string }): void {
    this.faults.heal(pair);
    for (const l of this.links) for (const c of l.connections) c.healed();
  }

  setJitter(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('jitterMs must be ≥ 0');
    this.jitter = ms;
  }

  status(): RelayStatus {
    const cpu = process.cpuUsage(this.cpuAtStart);
    const total = cpu.user + cpu.system;
    let open = 0;
    let accepted = 0;
    let heldConnects = 0;
    for (const l of this.links) {
      open += l.connections.size;
      accepted += l.accepted;
      for (const c of l.connections) if (c.waiting) heldConnects++;
    }
    const directions = [...this.directions.values()].map((d) => ({ from: d.from, to: d.to, delayMs: d.delayMs(), ...d.stats }));
    return {
      regions: this.plan.regions,
      rttMs: this.plan.rttMs,
      jitterMs: this.jitter,
      faults: this.faults.list(),
      links: this.links.length,
      connections: { open, accepted, heldConnects },
      traffic: { ...this.counters, heldBytes: directions.reduce((n, d) => n + d.heldBytes, 0) },
      directions,
      cpu: {
        userUs: cpu.user,
        systemUs: cpu.system,
        usPerChunk: this.counters.chunks > 0 ? total / this.counters.chunks : null,
        usPerKiB: this.counters.bytes > 0 ? total / (this.counters.bytes / 1024) : null,
        uptimeMs: performance.now() - this.startedAt,
      },
    };
  }

  /** Closes every listener and connection. */
  async stop(): Promise<void> {
    for (const l of this.links) {
      for (const c of [...l.connections]) c.reset();
      for (const s of l.sockets) s.destroy();
    }
    await Promise.all(this.links.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
  }

  private direction(from: string, to: string): Direction {
    return this.directions.get(`${from}>${to}`) as Direction;
  }

  /** A connect needs both directions: a refusing cut either way refuses, a holding one holds. */
  private verdict(from: string, to: string): ConnectVerdict {
    const modes = [this.faults.get(from, to)?.partition, this.faults.get(to, from)?.partition];
    if (modes.some((m) => m === 'refuse' || m === 'reset')) return 'refuse';
    if (modes.some((m) => m === 'hold')) return 'hold';
    return 'pass';
  }

  private touches(l: Link, sel: PairSelector): boolean {
    const t = l.target.region;
    return (l.from === sel.a && t === sel.b) || (l.from === sel.b && t === sel.a);
  }
}
