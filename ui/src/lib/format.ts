// Human dates and numbers (en-GB). Pure functions: the time zone is a
// parameter so tests are deterministic; screens use the machine's zone.

const LOCALE = 'en-GB';

function validDate(d: Date): boolean {
  return !Number.isNaN(d.getTime());
}

/** "23 Nov 2026, 10:15" from an RFC 3339 instant. */
export function formatDateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (!validDate(d)) return iso;
  const date = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(d);
  const time = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(d);
  return `${date}, ${time}`;
}

/** "23 Nov 2026" from a `YYYY-MM-DD` date (or an instant). */
export function formatDate(s: string | null | undefined): string {
  if (!s) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) {
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
  }
  const d = new Date(s);
  if (!validDate(d)) return s;
  return new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/** "due in 3 days", "due today", "overdue by 2 days" from core's `days_left`. */
export function relativeDue(daysLeft: number | null | undefined): string {
  if (daysLeft === null || daysLeft === undefined) return '';
  if (daysLeft === 0) return 'due today';
  if (daysLeft === 1) return 'due tomorrow';
  if (daysLeft > 0) return `due in ${days(daysLeft)}`;
  return `overdue by ${days(-daysLeft)}`;
}

export type DueTone = 'overdue' | 'soon' | 'paused' | 'closed' | 'ok';

/** The colour class of a register row: overdue red, ≤7 days amber, paused grey, closed muted. */
export function dueTone(r: { status: string; overdue: boolean; paused: boolean; days_left: number | null; outcome: string | null }): DueTone {
  if (r.outcome || r.status === 'closed') return 'closed';
  if (r.paused || r.status === 'paused') return 'paused';
  if (r.overdue || (r.days_left !== null && r.days_left < 0)) return 'overdue';
  if (r.days_left !== null && r.days_left <= 7) return 'soon';
  return 'ok';
}

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(LOCALE).format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "12,300 rows/s" */
export function formatRate(rate: number | null | undefined, unit = 'rows'): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '';
  return `${formatNumber(Math.round(rate))} ${unit}/s`;
}

/** `snake_case_words` → "Snake case words". */
export function humanise(code: string): string {
  const s = code.replace(/[_.]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Today as `YYYY-MM-DD` in the machine's zone. */
export function todayIso(now: Date = new Date()): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** A `datetime-local` value (local wall time) → RFC 3339 UTC, or null. */
export function localToRfc3339(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  if (!validDate(d)) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 → a `datetime-local` value in the machine's zone. */
export function rfc3339ToLocal(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (!validDate(d)) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
