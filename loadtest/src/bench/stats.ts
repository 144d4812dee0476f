/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median that ignores rounds where the figure could not be computed (e.g.
 * CPU per request when no request completed); null when none could.
 */
export function medianOfKnown(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : median(known);
}

/** `value / baseline`; null when either is unknown or the baseline is 0 (no meaningful ratio). */
export function ratio(value: number | null, baseline: number | null): number | null {
  if (value === null || baseline === null || baseline === 0) return null;
  return value / baseline;
}

/**
 * A figure of row `a` against row `b` compared round by round, then the median:
 * rounds are interleaved, so round i of both ran seconds apart and shared the
 * machine's drift, which a ratio of the two rows' own medians does not cancel.
 * Rounds where either figure is unknown are skipped; null when none is left.
 */
export function pairedMedian(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
  compare: (a: number, b: number) => number | null,
): number | null {
  const paired: (number | null)[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    paired.push(x === null || y === null ? null : compare(x, y));
  }
  return medianOfKnown(paired);
}

/** The value at quantile q of sorted values (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * The distribution-free 95% interval of the median of `sorted` (n values): the order statistics
 * n/2 ∓ 0.98·√n.
 */
export function medianCi95(sorted: readonly number[]): [number, number] {
  const n = sorted.length;
  const half = 0.98 * Math.sqrt(n);
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [sorted[lo] as number, sorted[hi] as number];
}

/** What a probe's paired batches say (gateway/bench/paired-batches.ts): each build's median and their paired difference. */
export interface PairedBatchFigures {
  /** Medians of each build's µs per request. */
  readonly aUs: number;
  readonly bUs: number;
  /** Median over pairs of (a − b), per request. */
  readonly differenceUs: number;
  /** A 95% confidence interval of that median: what a goal is judged by. */
  readonly differenceCi95Us: readonly [number, number];
  /** The 10th and 90th percentiles of the paired differences: the spread the median comes from. */
  readonly differenceP10Us: number;
  readonly differenceP90Us: number;
  readonly pairs: number;
}

/** The figures of two builds' batches, `a[i]` run beside `b[i]`. */
export function pairedBatchFigures(a: readonly number[], b: readonly number[]): PairedBatchFigures {
  const diffs = a.map((x, i) => x - (b[i] as number)).sort((x, y) => x - y);
  return {
    aUs: median(a),
    bUs: median(b),
    differenceUs: median(diffs),
    differenceCi95Us: medianCi95(diffs),
    differenceP10Us: quantile(diffs, 0.1),
    differenceP90Us: quantile(diffs, 0.9),
    pairs: diffs.length,
  };
}

/** Student's t at 97.5% for 1…30 degrees of freedom; beyond, the normal's 1.96 is within 2%. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 95% t-interval of the mean of `values` (2 at least). */
export function meanCi95(values: readonly number[]): [number, number] {
  const n = values.length;
  if (n < 2) throw new RangeError('a confidence interval needs two values at least');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const half = (T_975[n - 2] ?? 1.96) * Math.sqrt(variance / n);
  return [mean - half, mean + half];
}

/** What paired batches over several couples of builds say, each couple in processes of its own. */
export interface CoupledBatchFigures extends PairedBatchFigures {
  /** Each couple's median paired difference. */
  readonly coupleDifferencesUs: readonly number[];
}

/**
 * The figures of paired batches run on several couples of builds (`couples[k].a[i]` beside
 * `couples[k].b[i]`). Batches of one couple share its two processes' luck (where heap and code landed;
 * twin processes here read up to ~20% apart over a whole run), so they are not independent samples of the
 * difference: the couple is the unit. The difference is the mean of the couples' medians and its
 * interval the t-interval over couples; each build's figure and the spread of pairs are pooled.
 */
export function coupledBatchFigures(couples: readonly { a: readonly number[]; b: readonly number[] }[]): CoupledBatchFigures {
  const pooled = pairedBatchFigures(
    couples.flatMap((c) => c.a),
    couples.flatMap((c) => c.b),
  );
  const coupleDifferencesUs = couples.map((c) => pairedBatchFigures(c.a, c.b).differenceUs);
  const [lo, hi] = meanCi95(coupleDifferencesUs);
  return { ...pooled, differenceUs: (lo + hi) / 2, differenceCi95Us: [lo, hi], coupleDifferencesUs };
}
