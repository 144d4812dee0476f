/** One thing wrong with a topology document, at a JSON-pointer path. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a document is refused; carries every problem found. */
export class TopologyError extends Error {
  readonly code = 'SETGATE_CONFIG_INVALID';
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly source?: string,
  ) {
    super(
      `${source ? `${source}: ` : ''}topology refused with ${problems.length} problem(s):\n` +
        problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'),
    );
    this.name = 'TopologyError';
  }
}
