/** The chain a probe build runs: client → gateway → node, or client → regional proxy → gateway → node. */
export type ProbeSubject = 'gateway' | 'path';

/** What starts each line a probe build (probe-main.ts) writes for its parent (probe-process.ts); other lines are not its answers. */
export const PROBE_LINE = 'probe:';
