// Showing stored JSON values to people.
import type { Json, JsonObject } from './types';
import { formatDateTime, formatDate } from './format';
// The one label table, shared with the subject-access report (crates/core/src/labels.rs).
import labels from '../../../crates/core/src/labels.json';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A JSON value known to be an object (a disclosure's content is stored as
 *  one; core's type says only `JsonValue`), else an empty object. */
export function objectOf(v: Json | undefined): JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** A value as short text: times humanised, objects as compact JSON. */
export function showValue(v: Json | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (RFC3339.test(v)) return formatDateTime(v);
    if (DATE.test(v)) return formatDate(v);
    return v;
  }
  return JSON.stringify(v);
}

/** Activity entities in the order a member page shows them. */
export const ACTIVITY_ORDER = [
  'posts',
  'private_messages',
  'login_events',
  'competition_entries',
  'survey_responses',
  'helpdesk_tickets',
  'local_listings',
  'reviews',
  'newsletter_engagement',
  'children',
  'social_accounts',
];

/** Short names of the entities (staff-facing), from the shared label table. */
export const ENTITY_LABELS: Record<string, string> = Object.fromEntries(
  Object.entries(labels.entities).map(([k, v]) => [k, v.short]),
);

function humanise(key: string): string {
  const s = key.replace(/[_.]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A field's label in plain words (the shared table), or its key humanised. */
export function fieldLabel(key: string): string {
  return (labels.fields as Record<string, string>)[key] ?? humanise(key);
}

/** A consent purpose in plain words (the shared table), or its key humanised. */
export function purposeLabel(p: string): string {
  return (labels.purposes as Record<string, string>)[p] ?? humanise(p);
}

/** The activity entities of a member record: known order, then any others (not consent). */
export function activityEntities(totals: Record<string, unknown>): string[] {
  const keys = Object.keys(totals).filter((k) => k !== 'consent_events' && k !== 'members');
  return [...ACTIVITY_ORDER.filter((k) => keys.includes(k)), ...keys.filter((k) => !ACTIVITY_ORDER.includes(k)).sort()];
}

/** Columns for a table of rows: the union of their keys, in first-seen order, internal ones last. */
export function columnsOf(rows: Record<string, Json>[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return [...cols.filter((c) => !c.startsWith('_')), ...cols.filter((c) => c.startsWith('_'))];
}

export function channelLabel(c: string): string {
  return (
    { email: 'Email', web: 'Web form', post: 'Post', phone: 'Phone', other: 'In person or other' } as Record<string, string>
  )[c] ?? c;
}

/** A site's bank-holiday calendar in words ("England and Wales"). */
export function calendarLabel(c: string): string {
  return ({ england_and_wales: 'England and Wales', scotland: 'Scotland' } as Record<string, string>)[c] ?? c;
}

export function outcomeLabel(o: string): string {
  return (
    {
      answered: 'Answered',
      refused_manifestly_unfounded: 'Refused — manifestly unfounded',
      refused_excessive: 'Refused — excessive',
      withdrawn: 'Withdrawn by the requester',
    } as Record<string, string>
  )[o] ?? o;
}

export function statusLabel(s: string): string {
  return (
    { awaiting_identity: 'Awaiting identity', open: 'Open', paused: 'Paused', closed: 'Closed' } as Record<string, string>
  )[s] ?? s;
}

/** Consent event sources in plain words (the shared table); unknown ones as given. */
export function sourceLabel(s: string): string {
  return (labels.sources as Record<string, string>)[s] ?? s;
}
