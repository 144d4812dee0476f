import { type HopSecrets, processHopSecrets } from '@setgate/contracts';
import type { LoadedTopology } from '@setgate/config';
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { WitnessPanel, WitnessVote } from './witness.js';

/** The gateway's witness route (gateway/src/health/witness.ts). */
const WITNESS_PATH = '/_setgate/witness';

interface WitnessReport {
  readonly witness: string;
  readonly region: string;
  readonly lagMs: number;
  readonly observations: ReadonlyArray<{ node: string; reachable: boolean; failure?: string; detail?: string; ms: number }>;
}

type Observation = WitnessReport['observations'][number];

/** One gateway's observation of one node as a vote. */
function voteOf(g: { id: string; region: string }, o: Observation): WitnessVote {
  const who = { witness: g.id, region: g.region };
  if (o.reachable) return { ...who, verdict: 'up', ms: o.ms };
  if (o.failure === 'unknown-node') return { ...who, verdict: 'abstain', detail: 'does not know the node' };
  const failure = o.failure === 'refused' ? 'refused' : o.failure === 'timeout' ? 'timeout' : 'error';
  return { ...who, verdict: 'down', failure, ...(o.detail ? { detail: o.detail } : {}), ms: o.ms };
}

/**
 * Every gateway of the topology as a witness: each is asked, in parallel,
 * to check the suspect nodes from its own region. A gateway that does not
 * answer in time, answers badly, or reports an event-loop stall longer than
 * the limit casts no vote on any node.
 */
export class GatewayWitnesses implements WitnessPanel {
  private topology: LoadedTopology | undefined;

  /** @param current the version in force (ConfigService.current): its gateways are the witnesses. */
  constructor(
    private readonly current: () => Promise<{ readonly topology: LoadedTopology }>,
    private readonly dispatcher: Dispatcher,
    // The stack's hop secrets, read per call: a rotated secrets file takes effect at once.
    private readonly secrets: HopSecrets | undefined = processHopSecrets(),
  ) {}

  witnesses() {
    return this.gateways().map((g) => ({ witness: g.id, region: g.region }));
  }

  async ask(nodes: readonly string[], timeoutMs: number, lagLimitMs: number): Promise<Map<string, WitnessVote[]>> {
    const out = new Map<string, WitnessVote[]>(nodes.map((n) => [n, []]));
    if (nodes.length === 0) return out;
    this.topology = (await this.current()).topology;
    await Promise.all(
      this.gateways().map(async (g) => {
        const abstain = (detail: string) => {
          for (const n of nodes) out.get(n)?.push({ witness: g.id, region: g.region, verdict: 'abstain', detail });
        };
        let report: WitnessReport;
        try {
          // The witness's own checks are bounded by timeoutMs; its answer gets the same again.
          const res = await request(`${g.adminUrl}${WITNESS_PATH}?nodes=${nodes.map(encodeURIComponent).join(',')}&timeoutMs=${timeoutMs}`, {
            dispatcher: this.dispatcher,
            signal: AbortSignal.timeout(2 * timeoutMs),
            headers: this.secrets ? { authorization: this.secrets.bearer } : {},
          });
          const text = await res.body.text();
          if (res.statusCode !== 200) return abstain(`witness answered ${res.statusCode}`);
          report = JSON.parse(text) as WitnessReport;
        } catch (err) {
          return abstain(`not reachable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        if (report.lagMs > lagLimitMs) return abstain(`starved: event loop stalled ${report.lagMs} ms`);
        for (const o of report.observations) out.get(o.node)?.push(voteOf(g, o));
      }),
    );
    return out;
  }

  private gateways() {
    return (this.topology?.regions ?? []).flatMap((r) =>
      r.gateways.map((g) => ({ id: g.id, region: r.name, adminUrl: `http://${g.host.includes(':') ? `[${g.host}]` : g.host}:${g.adminPort}` })),
    );
  }
}
