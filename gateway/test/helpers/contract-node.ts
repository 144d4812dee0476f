import type { ServerResponse } from 'node:http';
import { Header, type LogPosition } from '@setgate/contracts';
import { type FakeNode, startFakeNode } from './upstream.js';

/** The replication state a contract node reports; tests change it between requests. */
export interface ContractState {
  /** True: this node is the write-point and applies writes. */
  leader: boolean;
  /** Applied position (on the leader, the last write's). */
  position: LogPosition;
  /** How long since this replica was last known caught up (0 on the leader). */
  stalenessMs: number;
  /** Answer 421 to everything (the shard moved away). */
  misdirected: boolean;
}

/** A stand-in set-runtime node implementing the read-freshness contract of node-api.ts. */
export interface ContractNode extends FakeNode {
  readonly name: string;
  readonly state: ContractState;
  /** Values by key as this node holds them. */
  readonly values: Map<string, string>;
}

/** Appends a write (or, `replayed`, answers as an idempotent replay of the last one: its position, nothing appended). */
function applyWrite(state: ContractState, replayed: boolean, name: string, res: ServerResponse): void {
  if (!replayed) state.position = { epoch: state.position.epoch, lsn: state.position.lsn + 1 };
  res.writeHead(200, {
    'content-type': 'application/json',
    [Header.epoch]: String(state.position.epoch),
    [Header.lsn]: String(state.position.lsn),
    [Header.node]: name,
    ...(replayed ? { [Header.replayed]: 'true' } : {}),
  });
  res.end(JSON.stringify({ node: name, lsn: state.position.lsn }));
}

/**
 * Starts a node that honours x-setgate-min-position and
 * x-setgate-max-staleness-ms with 409 ReadRefusedProblems, returns its
 * position and staleness on reads and a write's epoch/lsn, and 421s when told.
 */
export async function startContractNode(name: string, init: Partial<ContractState> = {}): Promise<ContractNode> {
  const state: ContractState = { leader: false, position: { epoch: 1, lsn: 0 }, stalenessMs: 0, misdirected: false, ...init };
  const values = new Map<string, string>();
  const node = await startFakeNode((req, res) => {
    const key = String(req.headers[Header.key]);
    const problem = (status: number, code: string, extra: object = {}) => {
      res.writeHead(status, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: `urn:setgate:error:${code}`, title: code, status, code, ...extra }));
    };
    if (state.misdirected) return problem(421, 'SETGATE_NODE_MISDIRECTED', { shard: 0, owner: null, configVersion: 1 });
    if (req.method !== 'GET') {
      if (!state.leader) return problem(421, 'SETGATE_NODE_MISDIRECTED', { shard: 0, owner: null, configVersion: 1 });
      values.set(key, req.body);
      return applyWrite(state, req.headers['x-test-replayed'] === 'true', name, res);
    }
    const maxStaleness = req.headers[Header.maxStalenessMs];
    const staleness = state.leader ? 0 : state.stalenessMs;
    const refused = { shard: 0, position: state.position, stalenessMs: staleness, owner: null };
    if (maxStaleness !== undefined && staleness > Number(maxStaleness)) return problem(409, 'SETGATE_NODE_TOO_STALE', refused);
    const min = String(req.headers[Header.minPosition] ?? '');
    const m = /^(\d+):(\d+)$/.exec(min);
    if (m) {
      const [epoch, lsn] = [Number(m[1]), Number(m[2])];
      const p = state.position;
      if (p.epoch < epoch || (p.epoch === epoch && p.lsn < lsn)) return problem(409, 'SETGATE_NODE_BEHIND_POSITION', refused);
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      [Header.epoch]: String(state.position.epoch),
      [Header.lsn]: String(state.position.lsn),
      [Header.stalenessMs]: String(staleness),
      [Header.lagEntries]: '0',
      [Header.node]: name,
    });
    res.end(JSON.stringify({ node: name, value: values.get(key) ?? null }));
  });
  return Object.assign(node, { name, state, values });
}
