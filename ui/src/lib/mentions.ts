// Mentions and free-text search: labels and small rules the screens share
// (pure; the rules themselves live in core, crates/core/src/mentions).
import type { Author, Kind, MentionsPage, SnippetPart, TextResults } from './types';

const KIND_LABELS: Record<Kind, string> = {
  at_username: '@username',
  username: 'username',
  email: 'email',
  phone: 'phone',
  name: 'first name and surname',
  posted_as: 'name posted as',
};

export function kindLabel(k: Kind): string {
  return KIND_LABELS[k] ?? k;
}

/** Who wrote the words: a username, or what is known of them. */
export function authorLabel(a: Author): string {
  switch (a.kind) {
    case 'member':
      return a.username ?? a.member_id ?? 'a member';
    case 'former_member':
      return `a former member (${a.member_id ?? '?'})`;
    case 'staff':
      return 'helpdesk staff';
    default:
      return 'a helpdesk requester without an account';
  }
}

/** The snippet as plain text, the mention between « » (for titles, copies). */
export function snippetText(parts: SnippetPart[]): string {
  return parts.map((p) => (p.mark ? `«${p.text}»` : p.text)).join('');
}

/** "Items 21–40 of 312", or null with nothing on the page. */
export function pageRange(p: Pick<MentionsPage, 'page' | 'page_size' | 'total'>, shown: number): string | null {
  if (shown === 0) return null;
  const first = (p.page - 1) * p.page_size + 1;
  return `Items ${first.toLocaleString('en-GB')}–${(first + shown - 1).toLocaleString('en-GB')} of ${p.total.toLocaleString('en-GB')}`;
}

export function hasNext(p: Pick<MentionsPage, 'page' | 'page_size' | 'total'>): boolean {
  return p.page * p.page_size < p.total;
}

/** What a text search could not read, in words; empty when it read all. */
export function incompleteNotes(r: TextResults): string[] {
  return r.sites
    .filter((s) => !s.complete)
    .map((s) =>
      s.indexed
        ? `${s.site}: ${s.rows_read.toLocaleString('en-GB')} candidates were checked and not all of them; add words or dates to narrow the search.`
        : `${s.site}: only the newest ${s.rows_read.toLocaleString('en-GB')} items were read. Turn on the site's text index to search everything.`,
    );
}

/** A date field's value, or an explanation of what is wrong with it. */
export function checkDate(s: string): string | null {
  const t = s.trim();
  if (!t) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(Date.parse(`${t}T00:00:00Z`))) return null;
  if (!Number.isNaN(Date.parse(t)) && /T/.test(t)) return null;
  return 'a date (YYYY-MM-DD) or a time (RFC 3339)';
}

/** Whether the words are enough to search for (core says the same). */
export function searchable(text: string): boolean {
  return text.replace(/[^\p{L}\p{N}]/gu, '').length >= 2;
}

export const ENTITY_NAMES: Record<string, string> = {
  posts: 'Post',
  private_messages: 'Private message',
  helpdesk_tickets: 'Helpdesk ticket',
  reviews: 'Review',
  local_listings: 'Local listing',
};
