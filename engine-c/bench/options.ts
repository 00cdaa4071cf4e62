// options.ts — what the benchmark scripts' option parsers share.

/** An option's value as a positive integer; anything else goes to `fail`, naming the option. */
export function positiveInt(
  value: string | undefined,
  option: string,
  fail: (message: string) => never,
): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`${option} needs a positive integer, got ${value}`);
  return n;
}
