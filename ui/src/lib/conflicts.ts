// What the conflicts screen computes from a stored check.
import { formatNumber } from './format';
import type { ConflictCount } from './types';

/** Conflicts per kind (for one site, or all sites), largest first. */
export function kindTotals(counts: ConflictCount[], site: string | null): { kind: string; count: number }[] {
  const m = new Map<string, number>();
  for (const c of counts) {
    if (site !== null && c.site !== site) continue;
    m.set(c.kind, (m.get(c.kind) ?? 0) + c.count);
  }
  return [...m.entries()]
    .map(([kind, count]) => ({ kind, count }))
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}

/** "101–200 of 1,234" (or "None" for an empty page). */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (shown === 0) return total === 0 ? 'None' : `None beyond ${formatNumber(total)}`;
  return `${formatNumber(offset + 1)}–${formatNumber(offset + shown)} of ${formatNumber(total)}`;
}
