// Showing stored JSON values to people.
import type { Json } from './types';
import { formatDateTime, formatDate } from './format';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

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

export const ENTITY_LABELS: Record<string, string> = {
  posts: 'Posts',
  private_messages: 'Private messages',
  login_events: 'Logins',
  competition_entries: 'Competition entries',
  survey_responses: 'Survey responses',
  helpdesk_tickets: 'Helpdesk tickets',
  local_listings: 'Local listings',
  reviews: 'Reviews',
  newsletter_engagement: 'Newsletters',
  children: 'Children',
  social_accounts: 'Social accounts',
  consent_events: 'Consent events',
};

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

/** Consent event sources (production-export-v1.md), in plain words; unknown ones as given. */
export function sourceLabel(s: string): string {
  return (
    {
      registration: 'Registration',
      profile_settings: 'Profile settings',
      unsubscribe_link: 'Unsubscribe link',
      cmp: 'Cookie banner (CMP)',
      helpdesk: 'Helpdesk',
      competition_entry: 'Competition entry',
      survey: 'Survey',
      inactivity_expiry: 'Expired after inactivity',
      legacy_import: 'Legacy import',
    } as Record<string, string>
  )[s] ?? s;
}
