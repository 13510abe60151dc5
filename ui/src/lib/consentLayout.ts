// The consent timeline picture: events → one lane per purpose, granted spans
// as bars with x positions over a time range, and a marker for each event.
// Drawing only: the state of a purpose at an instant comes from `consent`.

export interface ConsentEventLike {
  event_id?: unknown;
  purpose?: unknown;
  action?: unknown;
  occurred_at?: unknown;
}

/** Purposes in the export contract (production-export-v1.md §4), in order. */
export const KNOWN_PURPOSES = [
  'newsletter.parenting_news',
  'newsletter.pregnancy_weekly',
  'newsletter.baby_monthly',
  'newsletter.bloggers_network',
  'partner_emails',
  'market_research_contact',
  'competition.share_with_sponsor',
  'survey.share_with_partner',
  'research_panel',
  'special_category_data',
  'local_listing_offers',
  'cookies.essential',
  'cookies.preferences',
  'cookies.analytics',
  'cookies.advertising',
  'cookies.social',
  'identity_partner_sharing',
];

export interface Span {
  start: number; // ms since epoch
  end: number;
  x1: number;
  x2: number;
  /** Still granted at the end of the range. */
  open: boolean;
}

export interface Mark {
  at: number;
  x: number;
  action: 'granted' | 'withdrawn';
  eventId: string;
}

export interface Lane {
  purpose: string;
  known: boolean;
  spans: Span[];
  marks: Mark[];
}

export interface TimeRange {
  from: number;
  to: number;
}

export interface Layout {
  range: TimeRange;
  lanes: Lane[];
}

interface Ev {
  id: string;
  purpose: string;
  action: 'granted' | 'withdrawn';
  t: number;
}

function clean(events: ConsentEventLike[]): Ev[] {
  const out: Ev[] = [];
  for (const e of events) {
    const t = typeof e.occurred_at === 'string' ? Date.parse(e.occurred_at) : NaN;
    if (Number.isNaN(t) || typeof e.purpose !== 'string') continue;
    if (e.action !== 'granted' && e.action !== 'withdrawn') continue;
    out.push({ id: String(e.event_id ?? ''), purpose: e.purpose, action: e.action, t });
  }
  // Core's order: by instant, then event_id compared as text.
  out.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

const DAY = 86_400_000;

/** A range covering every event and `now`, padded a little on both sides. */
export function timeRange(events: ConsentEventLike[], now: number): TimeRange {
  const ts = clean(events).map((e) => e.t);
  if (ts.length === 0) return { from: now - 30 * DAY, to: now };
  let from = Math.min(...ts);
  let to = Math.max(now, ...ts);
  if (to - from < DAY) {
    from -= DAY;
    to += DAY;
  }
  const pad = (to - from) * 0.02;
  return { from: from - pad, to: Math.max(to, now) };
}

/** Purposes in contract order, then unknown ones in order of first appearance. */
export function orderPurposes(purposes: string[]): string[] {
  const seen = new Set(purposes);
  const known = KNOWN_PURPOSES.filter((p) => seen.has(p));
  const unknown: string[] = [];
  for (const p of purposes) if (!KNOWN_PURPOSES.includes(p) && !unknown.includes(p)) unknown.push(p);
  return [...known, ...unknown];
}

export function xOf(t: number, range: TimeRange, x0: number, width: number): number {
  const span = range.to - range.from;
  if (span <= 0) return x0;
  const f = (t - range.from) / span;
  return x0 + Math.min(1, Math.max(0, f)) * width;
}

/**
 * Lay out the timeline: x positions run from `x0` to `x0 + width` over
 * `range`. A grant opens a bar (a repeated grant keeps it open), a withdrawal
 * closes it; a bar still open runs to the end of the range.
 */
export function layoutConsent(events: ConsentEventLike[], range: TimeRange, x0: number, width: number): Layout {
  const evs = clean(events);
  const purposes = orderPurposes(evs.map((e) => e.purpose));
  const lanes: Lane[] = purposes.map((purpose) => {
    const spans: Span[] = [];
    const marks: Mark[] = [];
    let openAt: number | null = null;
    for (const e of evs) {
      if (e.purpose !== purpose) continue;
      marks.push({ at: e.t, x: xOf(e.t, range, x0, width), action: e.action, eventId: e.id });
      if (e.action === 'granted') {
        if (openAt === null) openAt = e.t;
      } else if (openAt !== null) {
        spans.push({ start: openAt, end: e.t, x1: xOf(openAt, range, x0, width), x2: xOf(e.t, range, x0, width), open: false });
        openAt = null;
      }
    }
    if (openAt !== null) {
      spans.push({ start: openAt, end: range.to, x1: xOf(openAt, range, x0, width), x2: x0 + width, open: true });
    }
    return { purpose, known: KNOWN_PURPOSES.includes(purpose), spans, marks };
  });
  return { range, lanes };
}

/** About `n` evenly spaced axis ticks. */
export function ticks(range: TimeRange, x0: number, width: number, n = 5): { t: number; x: number }[] {
  const out: { t: number; x: number }[] = [];
  for (let i = 0; i <= n; i++) {
    const t = range.from + ((range.to - range.from) * i) / n;
    out.push({ t, x: xOf(t, range, x0, width) });
  }
  return out;
}
