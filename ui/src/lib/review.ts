// What the review screen computes (pure; docs/review-api.md): code-point
// offsets, highlighted segments, words for states and decisions, the keys,
// the values of a row that are not text, and the problems of a decision.
import type {
  Consent,
  DiscloseGround,
  DraftState,
  JsonValue,
  Party,
  PartyKind,
  Proposal,
  ProposalKind,
  ReviewSummary,
  Span,
  ThreeStep,
  ThreeStepInput,
  Verdict,
} from './generated';
import { toDeskError } from './errors';
import { formatNumber } from './format';
import { fieldLabel, ENTITY_LABELS } from './display';
import labels from '../../../crates/core/src/labels.json';

// ---------------------------------------------------------------- offsets
// Core counts Unicode scalar values (code points); JS strings count UTF-16
// units. They differ on emoji and other astral characters.

/** How many code points `text` has. */
export function cpLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The text between code points `start` and `end` (end exclusive). */
export function cpSlice(text: string, start: number, end?: number): string {
  return Array.from(text).slice(start, end).join('');
}

/** The UTF-16 offset of code point `cp`. */
export function cpToUtf16(text: string, cp: number): number {
  let u = 0;
  let n = 0;
  for (const ch of text) {
    if (n >= cp) break;
    u += ch.length;
    n++;
  }
  return u;
}

/** The code point at UTF-16 offset `u` (a DOM selection's offset). Inside a
 *  surrogate pair it rounds down, or up when `roundUp` (a span's end), so a
 *  span never cuts an emoji in half. */
export function utf16ToCp(text: string, u: number, roundUp = false): number {
  let at = 0;
  let n = 0;
  for (const ch of text) {
    if (at >= u) return n;
    if (at + ch.length > u) return roundUp ? n + 1 : n;
    at += ch.length;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------- highlights

export type MarkKind = 'proposal' | 'span';
export interface Mark {
  kind: MarkKind;
  /** The proposal's or span's id. */
  id: number;
  start: number;
  end: number;
}
export interface Segment {
  text: string;
  /** Code points. */
  start: number;
  end: number;
  /** The marks covering it (none: plain text). */
  marks: Mark[];
}

/** Cut `text` into segments at every mark's boundary (offsets in code
 *  points, clamped to the text); each segment lists the marks covering it. */
export function segments(text: string, marks: Mark[]): Segment[] {
  const chars = Array.from(text);
  const len = chars.length;
  const ms = marks
    .map((m) => ({ ...m, start: Math.max(0, Math.min(len, m.start)), end: Math.max(0, Math.min(len, m.end)) }))
    .filter((m) => m.end > m.start);
  const cuts = new Set<number>([0, len]);
  for (const m of ms) {
    cuts.add(m.start);
    cuts.add(m.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [s, e] = [points[i], points[i + 1]];
    out.push({ text: chars.slice(s, e).join(''), start: s, end: e, marks: ms.filter((m) => m.start <= s && m.end >= e) });
  }
  return out;
}

/** The marks of one text field: its proposals with a span, and the reviewer's span redactions. */
export function fieldMarks(path: string, proposals: Proposal[], spans: Span[]): Mark[] {
  const out: Mark[] = [];
  for (const p of proposals) {
    if (p.field === path && p.start !== null && p.end !== null) out.push({ kind: 'proposal', id: p.id, start: p.start, end: p.end });
  }
  for (const s of spans) if (s.field === path) out.push({ kind: 'span', id: s.id, start: s.start, end: s.end });
  return out;
}

export type ProposalState = 'undecided' | 'redact' | 'disclose';
export function proposalState(p: Pick<Proposal, 'effective'>): ProposalState {
  return p.effective === null ? 'undecided' : p.effective.decide;
}

// ---------------------------------------------------------------- words

export const STATE_LABELS: Record<DraftState, string> = {
  draft: 'Draft',
  in_review: 'Submitted for approval',
  approved: 'Approved',
  released: 'Released',
  withdrawn: 'Withdrawn',
};

export const GROUND_LABELS: Record<DiscloseGround, string> = {
  consented: 'They consented',
  known_to_requester: 'The requester already knows it',
  reasonable: 'Reasonable without consent',
};

export const CONSENT_LABELS: Record<Consent, string> = {
  given: 'Yes, they consented',
  refused: 'No, they refused',
  not_sought: 'Not asked',
  cannot_be_sought: 'Cannot be asked',
};

export const PARTY_KIND_LABELS: Record<PartyKind, string> = {
  member: 'Member',
  former_member: 'Former member',
  email: 'Email address',
  phone: 'Phone number',
  postcode: 'Postcode',
  address: 'Address',
  name: 'Name',
};

export const PROPOSAL_KIND_LABELS: Record<ProposalKind, string> = {
  participant: 'other participant',
  member_id: 'member id',
  username: 'user name',
  email: 'email address',
  phone: 'phone number',
  name: 'name',
  postcode: 'postcode',
  address: 'address',
};

/** A verdict in a few words: "Redact", "Disclose (they consented)", "Undecided". */
export function verdictLabel(v: Verdict | null | undefined): string {
  if (!v) return 'Undecided';
  if (v.decide === 'redact') return 'Redact';
  return `Disclose (${GROUND_LABELS[v.ground].toLowerCase()})`;
}

/** "143 of 512 items reviewed" */
export function progressLabel(s: Pick<ReviewSummary, 'items' | 'items_reviewed'>): string {
  return `${formatNumber(s.items_reviewed)} of ${formatNumber(s.items)} item${s.items === 1 ? '' : 's'} reviewed`;
}

const ONE: Record<string, string> = Object.fromEntries(Object.entries(labels.entities).map(([k, v]) => [k, (v as { one: string }).one]));

// ---------------------------------------------------------------- candidate items

/** The kind of candidate items from mentions (docs/review-api.md). */
export const CANDIDATE_KIND = 'mentions';
/** How the screen (and the bundle) name them. */
export const CANDIDATE_TITLE = 'What others wrote about you';

export type CandidateState = 'accepted' | 'declined' | 'undecided';

/** A candidate item's answer: accepted (released), declined, or undecided (not released). */
export function candidateState(accepted: boolean | null): CandidateState {
  return accepted === true ? 'accepted' : accepted === false ? 'declined' : 'undecided';
}

export const CANDIDATE_LABELS: Record<CandidateState, string> = {
  accepted: 'Accepted: in the bundle',
  declined: 'Declined: not in the bundle',
  undecided: 'Not decided: left out unless accepted',
};

/** The candidates line of the summary ("2 accepted, 1 declined, 4 to decide"), or '' when there are none. */
export function candidatesLine(c: { items: number; accepted: number; declined: number; undecided: number }): string {
  if (!c.items) return '';
  const parts = [`${formatNumber(c.accepted)} accepted`, `${formatNumber(c.declined)} declined`];
  if (c.undecided) parts.push(`${formatNumber(c.undecided)} not decided (left out)`);
  return `${CANDIDATE_TITLE}: ${formatNumber(c.items)} candidate item${c.items === 1 ? '' : 's'} — ${parts.join(', ')}`;
}

/** One item of a kind in words: "Post", "Private message", "Profile". */
export function kindOne(kind: string): string {
  if (kind === CANDIDATE_KIND) return 'Mention';
  const l = kind === 'profile' ? 'profile' : (ONE[kind] ?? kind.replace(/_/g, ' '));
  return l.charAt(0).toUpperCase() + l.slice(1);
}

/** A kind in words, plural ("Posts"; the profile is "Profile"). */
export function kindLabel(kind: string): string {
  if (kind === 'profile') return 'Profile';
  if (kind === CANDIDATE_KIND) return CANDIDATE_TITLE;
  const l = ENTITY_LABELS[kind];
  if (l) return l.charAt(0).toUpperCase() + l.slice(1);
  const s = kind.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------- JSON Pointers

/** A JSON Pointer's tokens (`/messages/2/body` → ['messages', '2', 'body']). */
export function pointerTokens(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerOf(tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** A field path in words: `/messages/2/body` → "Messages 3 › Body". */
export function pathLabel(path: string): string {
  const parts: string[] = [];
  for (const t of pointerTokens(path)) {
    if (/^\d+$/.test(t) && parts.length) parts[parts.length - 1] += ` ${Number(t) + 1}`;
    else parts.push(fieldLabel(t));
  }
  return parts.join(' › ') || 'Value';
}

export interface OtherValue {
  path: string;
  value: string;
}

/** The row's values that are not text fields (ids, times, flags), flattened
 *  to pointers; an array shows its first `perArray` values and says how
 *  many more there are. */
export function otherValues(row: JsonValue, textPaths: Set<string>, perArray = 50): { values: OtherValue[]; more: { path: string; count: number }[] } {
  const values: OtherValue[] = [];
  const more: { path: string; count: number }[] = [];
  const walk = (v: JsonValue, tokens: (string | number)[]) => {
    const path = pointerOf(tokens);
    if (textPaths.has(path)) return;
    if (Array.isArray(v)) {
      v.slice(0, perArray).forEach((x, i) => walk(x, [...tokens, i]));
      if (v.length > perArray) more.push({ path, count: v.length - perArray });
      if (v.length === 0 && tokens.length) values.push({ path, value: '(none)' });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...tokens, k]);
    } else if (tokens.length) {
      values.push({ path, value: v === null ? '—' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v) });
    }
  };
  walk(row, []);
  return { values, more };
}

// ---------------------------------------------------------------- three steps

/** The grounds a party's three-step record supports. */
export function groundsAllowed(t: Pick<ThreeStepInput, 'consent' | 'reasonable'> | null): DiscloseGround[] {
  if (!t) return [];
  const out: DiscloseGround[] = [];
  if (t.consent === 'given') out.push('consented');
  out.push('known_to_requester');
  if (t.reasonable === true) out.push('reasonable');
  return out;
}

/** The ground `d` applies at once from a party's record, if the record
 *  settles it (consent given, or found reasonable with the factors noted);
 *  null: the reviewer must say (the form opens). */
export function autoGround(t: ThreeStep | null): DiscloseGround | null {
  if (!t) return null;
  if (t.consent === 'given') return 'consented';
  if (t.reasonable === true && t.note.trim()) return 'reasonable';
  return null;
}

export function emptyThreeStep(): ThreeStepInput {
  return { also_about_requester: true, consent: 'not_sought', reasonable: null, note: '' };
}

export function threeStepOf(p: Pick<Party, 'three_step'>): ThreeStepInput {
  const t = p.three_step;
  return t ? { also_about_requester: t.also_about_requester, consent: t.consent, reasonable: t.reasonable, note: t.note } : emptyThreeStep();
}

/** A decision's problems by field, without the `decisions[i].` prefix
 *  (`verdict.reason`, `three_step.note`, `items[0].withhold`, …). */
export function decisionProblems(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of toDeskError(e).problems) {
    const f = p.field.replace(/^decisions\[\d+\]\.?/, '') || 'decision';
    if (!(f in out)) out[f] = p.message;
  }
  return out;
}

// ---------------------------------------------------------------- keys

export type KeyAction =
  | 'next-item'
  | 'prev-item'
  | 'next-proposal'
  | 'prev-proposal'
  | 'redact-party'
  | 'disclose-party'
  | 'redact-proposal'
  | 'disclose-proposal'
  | 'clear-proposal'
  | 'undo'
  | 'withhold'
  | 'mark'
  | 'accept'
  | 'decline'
  | 'released'
  | 'three-step'
  | 'filters'
  | 'help';

/** The keyboard map, for the handler and for the "?" list. */
export const KEYS: { keys: string[]; action: KeyAction; words: string }[] = [
  { keys: ['j', '↓'], action: 'next-item', words: 'Next item' },
  { keys: ['k', '↑'], action: 'prev-item', words: 'Previous item' },
  { keys: ['n'], action: 'next-proposal', words: 'Next proposal in the item (then the next item with one)' },
  { keys: ['p'], action: 'prev-proposal', words: 'Previous proposal' },
  { keys: ['r'], action: 'redact-party', words: 'Redact: the selected text if any, else the proposal’s third party (all their proposals)' },
  { keys: ['d'], action: 'disclose-party', words: 'Disclose the third party (on their three-step record; opens it if it does not settle the ground)' },
  { keys: ['R'], action: 'redact-proposal', words: 'Redact only this proposal' },
  { keys: ['D'], action: 'disclose-proposal', words: 'Disclose only this proposal' },
  { keys: ['c'], action: 'clear-proposal', words: 'Clear this proposal’s own decision (back to its third party’s)' },
  { keys: ['u'], action: 'undo', words: 'Undo your last action' },
  { keys: ['w'], action: 'withhold', words: 'Withhold the item under an exemption…' },
  { keys: ['m'], action: 'mark', words: 'Mark the item reviewed (or not)' },
  { keys: ['a'], action: 'accept', words: 'Accept a candidate item (what others wrote): it goes into the bundle' },
  { keys: ['x'], action: 'decline', words: 'Decline a candidate item: it stays out of the bundle' },
  { keys: ['v'], action: 'released', words: 'Show the item as it would be released (or as stored)' },
  { keys: ['t'], action: 'three-step', words: 'Go to the third party’s three-step record' },
  { keys: ['/'], action: 'filters', words: 'Go to the item filters' },
  { keys: ['?'], action: 'help', words: 'Show these keys' },
];

const BY_KEY: Record<string, KeyAction> = {
  j: 'next-item',
  ArrowDown: 'next-item',
  k: 'prev-item',
  ArrowUp: 'prev-item',
  n: 'next-proposal',
  p: 'prev-proposal',
  r: 'redact-party',
  d: 'disclose-party',
  R: 'redact-proposal',
  D: 'disclose-proposal',
  c: 'clear-proposal',
  u: 'undo',
  w: 'withhold',
  m: 'mark',
  a: 'accept',
  x: 'decline',
  v: 'released',
  t: 'three-step',
  '/': 'filters',
  '?': 'help',
};

/** The screen's action for a key press, or null: typing in a field, a
 *  modifier held (the webview's own shortcuts), or a key with no action. */
export function keyAction(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target' | 'defaultPrevented'>): KeyAction | null {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return null;
  const t = e.target as HTMLElement | null;
  if (t && typeof t.closest === 'function') {
    if (t.closest('input, textarea, select, [contenteditable="true"], dialog[open]')) return null;
  }
  return BY_KEY[e.key] ?? null;
}

// ---------------------------------------------------------------- selection

/** A mouse selection in a text field, waiting to be redacted. */
export interface PendingSpan {
  item: number;
  field: string;
  /** Code points. */
  start: number;
  end: number;
  text: string;
}

/** The UTF-16 offset of a DOM point within `container`'s text. */
function textOffset(container: Node, node: Node, offset: number): number {
  const r = document.createRange();
  r.selectNodeContents(container);
  r.setEnd(node, offset);
  return r.toString().length;
}

/** A DOM selection inside one field's text, as code points of `text`
 *  (the field's stored text, which the container shows unchanged), or null
 *  when it is empty or leaves the container. */
export function selectionInField(container: Node, range: Range, text: string): { start: number; end: number } | null {
  if (range.collapsed) return null;
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  const a = textOffset(container, range.startContainer, range.startOffset);
  const b = textOffset(container, range.endContainer, range.endOffset);
  const start = utf16ToCp(text, Math.min(a, b));
  const end = utf16ToCp(text, Math.max(a, b), true);
  return end > start ? { start, end } : null;
}
