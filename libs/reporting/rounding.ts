/** Hours and days to two decimals (36 seconds, 15 minutes): enough for a report, stable to read. */
export function round2(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100) / 100;
}
