/** A command line as node:util parseArgs gives it back. */
export interface ParsedLine<V> {
  readonly values: V;
  readonly positionals: string[];
}

/**
 * Parses a command line, or prints the usage and says how to exit: 2 for a
 * line the parser refuses or one without a command, 0 for --help. What
 * `setgate` and each of its sub-CLIs (wan, node) do before anything else.
 */
export function parseOrUsage<V extends { readonly help?: boolean | undefined }>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => ParsedLine<V>,
  usage: string,
  out: (s: string) => void,
  err: (s: string) => void,
): ParsedLine<V> | number {
  let parsed: ParsedLine<V>;
  try {
    parsed = parse(argv);
  } catch (e) {
    err(`${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    out(`${usage}\n`);
    return parsed.values.help ? 0 : 2;
  }
  return parsed;
}
