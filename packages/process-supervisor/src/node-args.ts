/**
 * The package-export condition that selects a workspace package's TypeScript
 * sources instead of its compiled `.tsbuild/` JavaScript (see every package.json's
 * `exports`, and `customConditions` in tsconfig.base.json).
 */
export const SOURCE_CONDITION = 'setgate-source';

/**
 * Node flags that run `entry`: compiled JavaScript runs as it is; a TypeScript
 * entry (unit tests start components from their sources) runs through tsx and
 * resolves the other workspace packages to their sources as well, so one
 * process never mixes a source and a compiled copy of a package.
 */
export function nodeArgsFor(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', 'tsx', `--conditions=${SOURCE_CONDITION}`] : [];
}
