// A fake review backend (docs/review-api.md) for the UI dev server
// (`npm run dev:mock`, through mock.ts) and for Vitest. It keeps a draft in
// memory and follows the core's rules where the screen can see them: the
// states and who may take each step (four eyes), the decision rules (all or
// nothing, every problem at once, named `decisions[i].…`), undo, code-point
// offsets (emoji included), staleness, the disclosure-log decisions, the
// release. Made-up data.
import type {
  Applied,
  DecisionInput,
  DiscloseGround,
  DisclosureCheck,
  DisclosureDecision,
  DraftState,
  ErrorBody,
  ErrorCode,
  ItemFilter,
  ItemPage,
  ItemSummary,
  JsonValue,
  ReviewKindCount,
  Party,
  PartyKind,
  PartyPage,
  ProblemBody,
  Proposal,
  ProposalKind,
  ReviewEvent,
  ReviewItem,
  ReviewSummary,
  Role,
  Span,
  Staleness,
  TextField,
  ThreeStep,
  Undone,
  Verdict,
  Withheld,
} from './generated';
import type { BundleMade, Progress } from './types';
import { ITEM_PARTIES } from './generated';

export interface ReviewMockOptions {
  /** The request with a draft at start (others have none until made). */
  reference?: string;
  site?: string;
  memberId?: string;
  /** Posts of the member (the list pages at 100). */
  posts?: number;
  fourEyes?: boolean;
  /** The vault changed since the draft. */
  stale?: boolean;
  /** The member is in the disclosure log (D-0003, touching a post). */
  disclosure?: boolean;
  /** The site's privacy facts are still the shipped default. */
  factsDefault?: boolean;
  /** Start with no draft at all. */
  noDraft?: boolean;
}

export interface Who {
  user: string;
  role: Role;
}

function fail(code: ErrorCode, message: string, problems: ProblemBody[] = []): never {
  const body: ErrorBody = { code, message, problems, more_problems: 0 };
  throw body;
}
const problem = (field: string, message: string): ProblemBody => ({ file: null, line: null, field, message });

/** Code points of `text` before its first `needle` (and after it). */
function spanOf(text: string, needle: string): [number, number] | null {
  const i = text.indexOf(needle);
  if (i < 0) return null;
  const start = Array.from(text.slice(0, i)).length;
  return [start, start + Array.from(needle).length];
}
const cps = (s: string) => Array.from(s);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

interface MParty {
  party: number;
  label: string;
  kind: PartyKind;
  member_id: string | null;
  display: string;
  /** What is looked for in text. */
  needles: { text: string; kind: ProposalKind }[];
  verdict: Verdict | null;
  three_step: ThreeStep | null;
}
interface MItem {
  n: number;
  kind: string;
  entity: string;
  row_id: string;
  bundle_id: string;
  at: string | null;
  row: Record<string, JsonValue>;
  /** Text fields' pointers. */
  texts: string[];
  withheld: Withheld | null;
  marked: boolean;
  /** The member's row, or a candidate item from mentions. */
  source: 'member' | 'mention';
  /** A candidate's answer (null: undecided, not released). */
  accepted: boolean | null;
}
interface MProposal {
  id: number;
  item: number;
  field: string;
  start: number | null;
  end: number | null;
  kind: ProposalKind;
  party: number;
  verdict: Verdict | null;
}
interface Decisions {
  parties: { verdict: Verdict | null; three_step: ThreeStep | null }[];
  proposals: (Verdict | null)[];
  items: { withheld: Withheld | null; marked: boolean; accepted: boolean | null }[];
  spans: Span[];
  disclosures: Record<string, DisclosureDecision>;
}
interface MDraft {
  id: number;
  created_at: string;
  created_by: string;
  replaces: number | null;
  carried: number;
  vault_sequence: number;
  events: ReviewEvent[];
  items: MItem[];
  parties: MParty[];
  proposals: MProposal[];
  spans: Span[];
  disclosures: Record<string, DisclosureDecision>;
  actions: { user: string; what: string; before: Decisions; undone: boolean }[];
}

const OTHERS: [string, string, string][] = [
  ['m-2210', 'sunflower_jo', 'Jo Simmons'],
  ['m-0311', 'tiredmumof3', 'Priya Natt'],
  ['m-4400', 'BakingDad', 'Tom Okafor'],
  ['m-0917', 'lilybird', 'Lily Harte'],
  ['m-5120', 'NightFeedNina', 'Nina Cole'],
  ['m-6001', 'wellies_and_wine', 'Kate Brown'],
];

const BODIES = [
  'Sending you a hug, it does get easier.',
  'We went with the cheaper one and honestly, no regrets.',
  'Has anyone tried the new sleep sack? 😴 Ours arrived today.',
  'YABU, sorry, but you did agree to it.',
  'Batch cooking on Sundays saved my sanity 🍲🍲',
];

/** The member's rows, and the parties found in them. */
function build(o: Required<ReviewMockOptions>): { items: MItem[]; parties: MParty[]; proposals: MProposal[] } {
  const parties: MParty[] = [];
  const letter = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26)));
  OTHERS.forEach(([id, user, name], i) =>
    parties.push({
      party: i, label: `Member ${letter(i)}`, kind: 'member', member_id: id, display: user,
      needles: [{ text: user, kind: 'username' }, { text: name, kind: 'name' }, { text: id, kind: 'member_id' }], verdict: null, three_step: null,
    }),
  );
  const value = (kind: PartyKind, label: string, display: string, pk: ProposalKind) =>
    parties.push({ party: parties.length, label, kind, member_id: null, display, needles: [{ text: display, kind: pk }], verdict: null, three_step: null });
  value('email', 'Email 1', 'jo.s@example.net', 'email');
  value('phone', 'Phone 1', '07700 900123', 'phone');
  value('postcode', 'Postcode 1', 'M21 9QX', 'postcode');
  value('name', 'Name 1', 'Auntie Bev', 'name');

  const items: MItem[] = [];
  const add = (kind: string, entity: string, row_id: string, at: string | null, row: Record<string, JsonValue>, texts: string[], bundle_id = row_id) =>
    items.push({ n: items.length, kind, entity, row_id, bundle_id, at, row, texts, withheld: null, marked: false, source: 'member', accepted: null });
  add('profile', 'members', o.memberId, '2026-11-20T21:15:00Z', {
    member_id: o.memberId, username: 'sunnymum84', first_name: 'Sunita', surname: 'Shah', email: 'sunny@example.org', email_verified: true,
    postcode: 'M20 2AB', date_of_birth: '1984-04-02', children_count: 2, signup_at: '2019-03-01T11:00:00Z', status: 'active',
  }, ['/username', '/first_name', '/surname', '/email', '/postcode']);
  for (let i = 0; i < 3; i++) {
    add('consent_events', 'consent_events', `ce-${i + 1}`, `2023-0${i + 2}-01T10:00:00Z`, {
      event_id: `ce-${i + 1}`, purpose: ['newsletter.parenting_news', 'partner_emails', 'cookies.analytics'][i], action: 'granted', occurred_at: `2023-0${i + 2}-01T10:00:00Z`, source: 'registration',
    }, []);
  }
  const special: Record<number, string> = {
    0: '🎉🎉 Congratulations to sunflower_jo on the new baby! 👶 Text Jo on 07700 900123 if you want to send something.',
    1: 'Auntie Bev says the M21 9QX playgroup is lovely. 🌈 Ask tiredmumof3, she goes every Tuesday.',
    2: 'Email me at sunny@example.org or Jo at jo.s@example.net — we are organising a swap. 👕👖',
    3: 'BakingDad’s lemon drizzle recipe 🍋 is the best thing on this forum.',
    4: 'A long post.\n\n' + 'We have been trying everything for the sleep regression. '.repeat(40) + 'Thanks to lilybird for the tip about the white noise 🎶.',
  };
  for (let i = 0; i < o.posts; i++) {
    const body = special[i] ?? BODIES[i % BODIES.length];
    const d = new Date(Date.UTC(2020, 0, 1) + i * 86400000 * 3).toISOString().replace('.000', '');
    add('posts', 'posts', `p-${700 + i}`, d, { post_id: `p-${700 + i}`, member_id: o.memberId, thread_id: `t-${i % 9}`, thread_title: i % 7 === 0 ? 'Sleep regression at 4 months' : 'Weaning', posted_at: d, body, status: 'visible' }, ['/thread_title', '/body']);
  }
  for (let i = 0; i < 24; i++) {
    const other = OTHERS[i % OTHERS.length][0];
    const incoming = i % 2 === 0;
    const d = new Date(Date.UTC(2025, 5, 1) + i * 86400000).toISOString().replace('.000', '');
    const body = i === 0 ? 'Hi! It was lovely to meet you and Auntie Bev at the group 😊 — my number is 07700 900123.' : `Message ${i + 1}: see you at the weekend!`;
    add('private_messages', 'private_messages', `pm-${100 + i}`, d, {
      message_id: `pm-${100 + i}`, conversation_id: `cv-${i % 6}`, sender_id: incoming ? other : o.memberId, recipient_ids: incoming ? [o.memberId] : [other],
      sent_at: d, subject: i % 3 ? 'Re: meet-up' : 'Meet-up', body,
    }, ['/subject', '/body'], `message-${String(i + 1).padStart(4, '0')}`);
  }
  add('helpdesk_tickets', 'helpdesk_tickets', 'ht-9', '2026-02-02T09:00:00Z', {
    ticket_id: 'ht-9', opened_at: '2026-02-02T09:00:00Z', subject: 'Someone is posting about me',
    messages: [
      { from: 'member', at: '2026-02-02T09:00:00Z', body: 'NightFeedNina keeps posting about my family. 😟' },
      { from: 'staff', at: '2026-02-02T11:00:00Z', body: 'Thank you, we have spoken to the member concerned.' },
    ],
  }, ['/subject', '/messages/0/body', '/messages/1/body']);
  add('survey_responses', 'survey_responses', 'sr-3', '2025-09-01T12:00:00Z', {
    response_id: 'sr-3', survey_id: 'sv-1', submitted_at: '2025-09-01T12:00:00Z', answers: { 'How did you hear of us': 'My friend wellies_and_wine told me', 'Rating': '5' },
  }, ['/answers/How did you hear of us', '/answers/Rating']);

  // Candidate items from mentions: what others wrote about the member, cut
  // to the sentences about them (core's review/candidates.rs).
  const mentions: [string, string, string, string][] = [
    ['p-9001', 'm-0311', '2026-03-02T08:10:00Z', 'I think sunnymum84 was the one who reported it, ask BakingDad.'],
    ['p-9002', 'm-5120', '2026-04-11T19:45:00Z', 'Sunita Shah is lovely 🌸 … She helped at the playgroup with Auntie Bev.'],
    ['p-9003', 'm-4400', '2026-05-20T07:30:00Z', 'Saw @sunnymum84 at the swap yesterday.'],
  ];
  mentions.forEach(([id, author, at, text], k) => {
    items.push({
      n: items.length, kind: 'mentions', entity: 'mentions', row_id: `posts/${id}`, bundle_id: `mention-${String(k + 1).padStart(4, '0')}`, at,
      row: { mention_id: `mention-${String(k + 1).padStart(4, '0')}`, entity: 'posts', written_at: at, author: 'member', author_id: author, sentences: [{ field: 'body', written_by: 'author', text }] },
      texts: ['/sentences/0/text'], withheld: null, marked: false, source: 'mention', accepted: null,
    });
  });

  // Proposals: participants, then mentions in text, in field order.
  const proposals: MProposal[] = [];
  const at = (row: JsonValue, path: string): JsonValue | undefined => {
    let v: JsonValue | undefined = row;
    for (const t of path.slice(1).split('/')) v = v && typeof v === 'object' ? (v as Record<string, JsonValue>)[t] : undefined;
    return v;
  };
  for (const it of items) {
    if (it.entity === 'private_messages') {
      const other = it.row.sender_id === o.memberId ? (it.row.recipient_ids as string[])[0] : (it.row.sender_id as string);
      const p = parties.find((x) => x.member_id === other)!;
      proposals.push({ id: proposals.length, item: it.n, field: it.row.sender_id === o.memberId ? '/recipient_ids/0' : '/sender_id', start: null, end: null, kind: 'participant', party: p.party, verdict: null });
    }
    if (it.source === 'mention') {
      const p = parties.find((x) => x.member_id === it.row.author_id)!;
      proposals.push({ id: proposals.length, item: it.n, field: '/author_id', start: null, end: null, kind: 'participant', party: p.party, verdict: null });
    }
    if (it.entity === 'members') continue;
    for (const path of it.texts) {
      const text = at(it.row, path);
      if (typeof text !== 'string') continue;
      const found: MProposal[] = [];
      for (const p of parties) {
        for (const nd of p.needles) {
          const s = spanOf(text, nd.text);
          if (s) found.push({ id: 0, item: it.n, field: path, start: s[0], end: s[1], kind: nd.kind, party: p.party, verdict: null });
        }
      }
      found.sort((a, b) => a.start! - b.start!);
      for (const f of found) proposals.push({ ...f, id: proposals.length });
    }
  }
  // Only parties that were found, numbered from 0 in order of appearance.
  const used = [...new Set(proposals.map((p) => p.party))];
  const renum = new Map(used.map((p, i) => [p, i]));
  const kept = used.map((p, i) => ({ ...parties[p], party: i }));
  let m = 0;
  for (const k of kept) if (k.kind === 'member') k.label = `Member ${letter(m++)}`;
  for (const p of proposals) p.party = renum.get(p.party)!;
  return { items, parties: kept, proposals };
}

const ts = () => new Date().toISOString();

/** A made-up draft for one request, and the review commands on it. */
export function createReviewMock(options: ReviewMockOptions = {}) {
  const o: Required<ReviewMockOptions> = {
    reference: 'SAR-2026-0007', site: 'netmums', memberId: 'm-1042', posts: 230, fourEyes: false, stale: false,
    disclosure: true, factsDefault: false, noDraft: false, ...options,
  };
  let fourEyes = o.fourEyes;
  let sequence = 12;
  let nextDraft = 1;
  const drafts = new Map<string, MDraft>();
  const requestEvents = new Map<string, ReviewEvent[]>();
  const info = new Map<string, { site: string; member_id: string }>([[o.reference, { site: o.site, member_id: o.memberId }]]);

  function event(ref: string, d: MDraft, user: string, kind: string, detail: Record<string, JsonValue>) {
    const e: ReviewEvent = { at: ts(), user, kind, detail: { draft: d.id, ...detail } };
    d.events.push(e);
    (requestEvents.get(ref) ?? requestEvents.set(ref, []).get(ref)!).push(e);
  }

  function make(ref: string, user: string, previous: MDraft | null): MDraft {
    const b = build(o);
    const d: MDraft = {
      id: nextDraft++, created_at: ts(), created_by: user, replaces: previous?.id ?? null, carried: 0, vault_sequence: sequence,
      events: [], items: b.items, parties: b.parties, proposals: b.proposals, spans: [], disclosures: {}, actions: [],
    };
    if (previous) {
      for (const p of d.parties) {
        const old = previous.parties.find((x) => x.member_id === p.member_id && x.display === p.display);
        if (old && (old.verdict || old.three_step)) {
          p.verdict = old.verdict;
          p.three_step = old.three_step;
          d.carried++;
        }
      }
      d.items.forEach((it, i) => {
        const old = previous.items[i];
        if (old && !changedItems().includes(i) && (old.withheld || old.marked)) {
          it.withheld = old.withheld;
          it.marked = old.marked;
          d.carried++;
        }
        if (old && old.source === 'mention' && it.source === 'mention' && old.row_id === it.row_id && old.accepted !== null) {
          it.accepted = old.accepted;
          d.carried++;
        }
      });
    }
    event(ref, d, user, 'draft_created', { items: d.items.length, proposals: d.proposals.length, parties: d.parties.length, vault_sequence: sequence, replaces: d.replaces, carried: d.carried });
    return d;
  }

  const changedItems = () => [3, 17];

  function replay(d: MDraft): { state: DraftState; submitted_by: string | null; approved_digest: string | null } {
    let state: DraftState = 'draft';
    let submitted_by: string | null = null;
    let approved_digest: string | null = null;
    for (const e of d.events) {
      if (e.kind === 'draft_created' || e.kind === 'review_reopened') {
        state = 'draft';
        submitted_by = null;
        approved_digest = null;
      } else if (e.kind === 'review_submitted') {
        state = 'in_review';
        submitted_by = e.user;
      } else if (e.kind === 'review_approved') {
        state = 'approved';
        approved_digest = String((e.detail as Record<string, JsonValue>).digest);
      } else if (e.kind === 'draft_withdrawn') state = 'withdrawn';
      else if (e.kind === 'bundle') state = 'released';
    }
    return { state, submitted_by, approved_digest };
  }

  function current(ref: string): MDraft {
    if (!info.has(ref)) fail('not_found', `there is no request ${ref}`);
    const d = drafts.get(ref);
    if (!d) fail('not_found', `request ${ref} has no draft: make one first (desk review ${ref} --create)`);
    return d;
  }

  const effective = (d: MDraft, p: MProposal): Verdict | null => p.verdict ?? d.parties[p.party].verdict;
  /** An item's undecided proposals (none when withheld or declined). */
  const undecidedOf = (d: MDraft, it: MItem) => (it.withheld || it.accepted === false ? 0 : d.proposals.filter((p) => p.item === it.n && !effective(d, p)).length);
  /** Undecided proposals that block: in items that go out (a candidate only when accepted). */
  const blockingOf = (d: MDraft, it: MItem) => (it.source === 'mention' && it.accepted !== true ? 0 : undecidedOf(d, it));
  const digest = (d: MDraft) => {
    const s = JSON.stringify([d.parties.map((p) => [p.verdict, p.three_step]), d.proposals.map((p) => p.verdict), d.items.map((i) => [i.withheld, i.marked, i.accepted]), d.spans, d.disclosures]);
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return (h >>> 0).toString(16).padStart(8, '0').repeat(8);
  };

  function summaryItem(d: MDraft, it: MItem): ItemSummary {
    const props = d.proposals.filter((p) => p.item === it.n);
    const undecided = undecidedOf(d, it);
    const mainText = [...it.texts].sort((a, b) => Number(b.endsWith('/body')) - Number(a.endsWith('/body'))).map((t) => textAt(it.row, t)).find((x) => typeof x === 'string' && x) ?? Object.values(it.row).find((v) => typeof v === 'string' && !/^\d{4}-/.test(v) && v !== it.row_id) ?? '';
    const reviewed =
      it.source === 'mention'
        ? it.marked || it.accepted === false || (it.accepted === true && undecided === 0)
        : !!it.withheld || it.marked || (props.length > 0 && undecided === 0);
    return {
      n: it.n, kind: it.kind, source: it.source, row_id: it.row_id, bundle_id: it.bundle_id, at: it.at, preview: cps(String(mainText)).slice(0, 120).join(''),
      proposals: props.length, undecided, spans: d.spans.filter((s) => s.item === it.n).length, withheld: it.withheld,
      reviewed, accepted: it.source === 'mention' ? it.accepted : null,
    };
  }

  function textAt(row: JsonValue, path: string): JsonValue | undefined {
    let v: JsonValue | undefined = row;
    for (const t of path.slice(1).split('/')) {
      if (v === null || typeof v !== 'object') return undefined;
      v = Array.isArray(v) ? v[Number(t)] : (v as Record<string, JsonValue>)[t];
    }
    return v;
  }
  function setAt(row: JsonValue, path: string, value: JsonValue) {
    const toks = path.slice(1).split('/');
    let v = row as Record<string, JsonValue> | JsonValue[];
    for (const t of toks.slice(0, -1)) v = (Array.isArray(v) ? v[Number(t)] : v[t]) as Record<string, JsonValue>;
    const last = toks[toks.length - 1];
    if (Array.isArray(v)) v[Number(last)] = value;
    else v[last] = value;
  }

  function disclosureChecks(d: MDraft): DisclosureCheck[] {
    if (!o.disclosure) return [];
    const post = d.items.find((i) => i.row_id === 'p-702');
    return [{
      disclosure: 'D-0003', disclosed_at: '2026-11-04T16:20:00Z', recipient: 'Greater Manchester Police',
      touched: [{ entity: 'posts', id: 'p-702', item: post ? post.n : null }, { entity: 'posts', id: 'p-1', item: null }],
      decision: d.disclosures['D-0003'] ?? null,
    }];
  }
  const complete = (c: DisclosureCheck) => !!c.decision && c.touched.every((t) => t.item === null || c.decision!.items.some((a) => a.item === t.item));

  function summary(ref: string, d: MDraft, who: Who): ReviewSummary {
    const r = replay(d);
    const stale = sequence !== d.vault_sequence;
    const undecided = d.items.reduce((n, it) => n + blockingOf(d, it), 0);
    const partiesUndecided = d.parties.filter((p) => !p.verdict).length;
    const disclosures = disclosureChecks(d);
    const blockers: string[] = [];
    if (stale) blockers.push(`the vault changed since the draft was made (export ${d.vault_sequence} then, ${sequence} now): make a new draft (decisions carry over to what did not change)`);
    if (undecided) blockers.push(partiesUndecided ? `${undecided.toLocaleString('en-GB')} ${undecided === 1 ? 'proposal' : 'proposals'} undecided, about ${partiesUndecided.toLocaleString('en-GB')} ${partiesUndecided === 1 ? 'third party' : 'third parties'}: decide each third party (or each proposal)` : `${undecided.toLocaleString('en-GB')} ${undecided === 1 ? 'proposal' : 'proposals'} undecided: decide each`);
    for (const c of disclosures.filter((x) => !complete(x)))
      blockers.push(`the member is in the disclosure log: record whether revealing ${c.disclosure} would prejudice crime prevention or a child's safeguarding, and answer for each item it touched`);
    const ready = blockers.length === 0;
    if (r.state === 'in_review' && fourEyes && r.submitted_by) blockers.push(`four eyes: a dpo other than ${r.submitted_by} (who submitted it) approves`);
    if (r.state === 'approved' && o.factsDefault) blockers.push("the site's privacy facts are still the shipped default: a dpo should review them first (or release with allow_default_facts, which the manifest records)");
    const may = who.role !== 'auditor';
    const secondOk = !fourEyes || (who.role === 'dpo' && r.submitted_by !== null && r.submitted_by !== who.user);
    const kinds: ReviewKindCount[] = [];
    for (const it of d.items) {
      let k = kinds.find((x) => x.kind === it.kind);
      if (!k) kinds.push((k = { kind: it.kind, items: 0, undecided: 0, withheld: 0 }));
      k.items++;
      if (blockingOf(d, it) || (it.source === 'mention' && it.accepted === null)) k.undecided++;
      if (it.withheld) k.withheld++;
    }
    const sums = d.items.map((it) => summaryItem(d, it));
    const cands = d.items.filter((i) => i.source === 'mention');
    const candidates = {
      items: cands.length, accepted: cands.filter((i) => i.accepted === true).length, declined: cands.filter((i) => i.accepted === false).length,
      undecided: cands.filter((i) => i.accepted === null).length,
    };
    return {
      ref, site: o.site, member_id: o.memberId, draft: d.id, state: r.state, created_at: d.created_at, created_by: d.created_by,
      replaces: d.replaces, carried_over: d.carried, vault_sequence: d.vault_sequence, current_sequence: sequence, stale, four_eyes: fourEyes,
      facts_default: o.factsDefault, items: d.items.length, items_reviewed: sums.filter((s) => s.reviewed).length,
      items_withheld: d.items.filter((i) => i.withheld).length, proposals: d.proposals.length, proposals_undecided: undecided,
      parties: d.parties.length, parties_undecided: partiesUndecided, spans: d.spans.length, kinds, candidates, disclosures, blockers,
      can: {
        decide: may && r.state === 'draft',
        submit: may && r.state === 'draft' && ready,
        approve: may && ready && (r.state === 'in_review' ? secondOk : r.state === 'draft' ? !fourEyes : false),
        release: may && r.state === 'approved' && !stale,
        reopen: may && (r.state === 'in_review' || r.state === 'approved'),
        withdraw: may && r.state !== 'released' && r.state !== 'withdrawn',
      },
      events: d.events,
    };
  }

  function party(d: MDraft, p: MParty): Party {
    const props = d.proposals.filter((x) => x.party === p.party);
    return {
      party: p.party, label: p.label, kind: p.kind, member_id: p.member_id, display: p.display, proposals: props.length,
      items: new Set(props.map((x) => x.item)).size, overrides: props.filter((x) => x.verdict).length, decision: p.verdict, three_step: p.three_step,
    };
  }

  function proposal(d: MDraft, p: MProposal): Proposal {
    const q = d.parties[p.party];
    const placeholder: Partial<Record<PartyKind, string>> = { email: '[email removed]', phone: '[phone removed]', postcode: '[postcode removed]', address: '[address removed]', name: '[name removed]' };
    return { id: p.id, item: p.item, field: p.field, start: p.start, end: p.end, kind: p.kind, party: p.party, replacement: placeholder[q.kind] ?? q.label, decision: p.verdict, effective: effective(d, p) };
  }

  function item(d: MDraft, n: number, max: number | null): ReviewItem {
    const it = d.items[n];
    if (!it) fail('not_found', `the draft has no item ${n}`);
    if (sequence !== d.vault_sequence && changedItems().includes(n)) fail('conflict', `item ${n} changed in the vault since the draft was made: make a new draft`);
    const all = d.proposals.filter((p) => p.item === n).map((p) => proposal(d, p));
    const spans = d.spans.filter((s) => s.item === n);
    const fields: TextField[] = it.texts.map((path) => ({ path, text: String(textAt(it.row, path) ?? '') }));
    let released_row: JsonValue = null;
    let released: TextField[] = [];
    if (!it.withheld && it.accepted !== false) {
      const out = clone(it.row) as JsonValue;
      released = fields.map((f) => {
        const edits: { start: number; end: number; with: string }[] = [];
        for (const p of all) if (p.field === f.path && p.start !== null && p.effective?.decide === 'redact') edits.push({ start: p.start, end: p.end!, with: p.replacement });
        for (const s of spans) if (s.field === f.path) edits.push({ start: s.start, end: s.end, with: '[redacted]' });
        edits.sort((a, b) => b.start - a.start);
        const chars = cps(f.text);
        let floor = Infinity;
        for (const e of edits) {
          if (e.end > floor) continue; // overlapping: the later one already covers it
          chars.splice(e.start, e.end - e.start, e.with);
          floor = e.start;
        }
        const text = chars.join('');
        setAt(out, f.path, text);
        return { path: f.path, text };
      });
      for (const p of all) if (p.start === null && p.effective?.decide === 'redact') setAt(out, p.field, p.replacement);
      released_row = out;
    }
    const listed = all.slice(0, max ?? 1000);
    // Its proposals' third parties, in order of first appearance (at most ITEM_PARTIES).
    const parties = [...new Set(listed.map((p) => p.party))].slice(0, ITEM_PARTIES).map((n) => party(d, d.parties[n]));
    return { item: summaryItem(d, it), row: it.row, fields, proposals: listed, proposals_total: all.length, spans, released, released_row, parties };
  }

  function snapshot(d: MDraft): Decisions {
    return clone({
      parties: d.parties.map((p) => ({ verdict: p.verdict, three_step: p.three_step })),
      proposals: d.proposals.map((p) => p.verdict),
      items: d.items.map((i) => ({ withheld: i.withheld, marked: i.marked, accepted: i.accepted })),
      spans: d.spans,
      disclosures: d.disclosures,
    });
  }
  function restore(d: MDraft, s: Decisions) {
    s.parties.forEach((p, i) => Object.assign(d.parties[i], p));
    s.proposals.forEach((v, i) => (d.proposals[i].verdict = v));
    s.items.forEach((x, i) => Object.assign(d.items[i], x));
    d.spans = s.spans;
    d.disclosures = s.disclosures;
  }

  function checkVerdict(ps: ProblemBody[], f: string, v: Verdict, t: { consent: string; reasonable: boolean | null; note: string } | null) {
    if (v.decide === 'redact') {
      if (!v.reason.trim()) ps.push(problem(`${f}.reason`, 'required'));
      return;
    }
    if (!t) return void ps.push(problem(`${f}.three_step`, 'required to disclose: record the three steps for this third party'));
    const noted = v.note.trim() || t.note.trim();
    const g: DiscloseGround = v.ground;
    if (g === 'consented' && t.consent !== 'given') ps.push(problem(`${f}.ground`, 'consented: the three-step record does not say consent was given'));
    else if (g === 'reasonable' && t.reasonable !== true) ps.push(problem(`${f}.ground`, 'reasonable: the three-step record does not find it reasonable to disclose without consent'));
    else if ((g === 'reasonable' || g === 'known_to_requester') && !noted) ps.push(problem(`${f}.note`, 'required: say why (the factors weighed, or how the requester knows it)'));
  }

  function decide(ref: string, list: DecisionInput[], who: Who): Applied {
    const d = current(ref);
    const r = replay(d);
    if (r.state !== 'draft') fail('invalid', `draft ${d.id} is ${r.state}: decisions change only in a draft (reopen it first)`);
    const ps: ProblemBody[] = [];
    if (!list.length) ps.push(problem('decisions', 'at least one is required'));
    const records = new Map<number, { consent: string; reasonable: boolean | null; note: string }>();
    const checks = disclosureChecks(d);
    list.forEach((x, i) => {
      const f = `decisions[${i}]`;
      switch (x.action) {
        case 'party': {
          const p = d.parties[x.party];
          if (!p) return void ps.push(problem(`${f}.party`, 'no such third party in the draft'));
          if (x.three_step) {
            if (x.three_step.consent === 'given' && x.three_step.reasonable === false) ps.push(problem(`${f}.three_step.reasonable`, 'consent was given: step 3 does not apply (leave it empty)'));
            records.set(x.party, x.three_step);
          }
          if (x.verdict) checkVerdict(ps, `${f}.verdict`, x.verdict, records.get(x.party) ?? p.three_step);
          break;
        }
        case 'proposal': {
          const p = d.proposals[x.proposal];
          if (!p) return void ps.push(problem(`${f}.proposal`, 'no such proposal in the draft'));
          if (x.verdict) checkVerdict(ps, `${f}.verdict`, x.verdict, records.get(p.party) ?? d.parties[p.party].three_step);
          break;
        }
        case 'span': {
          if (!x.reason.trim()) ps.push(problem(`${f}.reason`, 'required'));
          const it = d.items[x.item];
          if (!it) return void ps.push(problem(`${f}.item`, 'no such item in the draft'));
          const t = it.texts.includes(x.field) ? textAt(it.row, x.field) : undefined;
          if (typeof t !== 'string') return void ps.push(problem(`${f}.field`, 'not a text field of the item'));
          const len = cps(t).length;
          if (x.start >= x.end || x.end > len) return void ps.push(problem(`${f}.end`, `the span must be within the field's ${len} characters, start before end`));
          if (x.text !== undefined && cps(t).slice(x.start, x.end).join('') !== x.text) ps.push(problem(`${f}.text`, "does not match the field's text at that span"));
          break;
        }
        case 'unspan':
          if (!d.spans.some((s) => s.id === x.span)) ps.push(problem(`${f}.span`, 'no such span redaction'));
          break;
        case 'withhold':
          if (!x.reason.trim()) ps.push(problem(`${f}.reason`, 'required'));
          if (!d.items[x.item]) ps.push(problem(`${f}.item`, 'no such item in the draft'));
          else if (d.items[x.item].source === 'mention') ps.push(problem(`${f}.item`, 'a candidate item is declined, not withheld'));
          break;
        case 'candidate':
          if (!d.items[x.item]) ps.push(problem(`${f}.item`, 'no such item in the draft'));
          else if (d.items[x.item].source !== 'mention') ps.push(problem(`${f}.item`, "not a candidate item (the member's own rows are withheld, not declined)"));
          break;
        case 'include':
          if (!d.items[x.item]) ps.push(problem(`${f}.item`, 'no such item in the draft'));
          else if (!d.items[x.item].withheld) ps.push(problem(`${f}.item`, 'the item is not withheld'));
          break;
        case 'mark':
          if (!d.items[x.item]) ps.push(problem(`${f}.item`, 'no such item in the draft'));
          break;
        case 'disclosure': {
          if (!x.reason.trim()) ps.push(problem(`${f}.reason`, 'required'));
          const c = checks.find((c) => c.disclosure === x.disclosure);
          if (!c) return void ps.push(problem(`${f}.disclosure`, 'not a disclosure-log entry naming this member'));
          if (x.prejudice && !x.ground) ps.push(problem(`${f}.ground`, 'required when prejudice is true: crime or child_safeguarding'));
          const touched = c.touched.map((t) => t.item).filter((n): n is number => n !== null);
          x.items.forEach((a, j) => {
            if (!touched.includes(a.item)) ps.push(problem(`${f}.items[${j}].item`, 'not an item this disclosure touched'));
            if (a.withhold && !x.prejudice) ps.push(problem(`${f}.items[${j}].withhold`, 'an item is withheld for a disclosure only when revealing it would prejudice'));
          });
          const missing = touched.filter((n) => !x.items.some((a) => a.item === n));
          if (missing.length) ps.push(problem(`${f}.items`, `answer for every item it touched (items ${missing.join(', ')})`));
          break;
        }
      }
    });
    if (ps.length) fail('invalid', 'no decision was applied', ps);
    const before = snapshot(d);
    const at = ts();
    for (const x of list) {
      switch (x.action) {
        case 'party': {
          const p = d.parties[x.party];
          p.verdict = x.verdict;
          if (x.three_step) p.three_step = { ...x.three_step, note: x.three_step.note.trim(), recorded_by: who.user, recorded_at: at };
          break;
        }
        case 'proposal':
          d.proposals[x.proposal].verdict = x.verdict;
          break;
        case 'span':
          d.spans.push({ id: Math.max(0, ...d.spans.map((s) => s.id)) + 1, item: x.item, field: x.field, start: x.start, end: x.end, reason: x.reason.trim(), by: who.user, at });
          break;
        case 'unspan':
          d.spans = d.spans.filter((s) => s.id !== x.span);
          break;
        case 'withhold':
          d.items[x.item].withheld = { exemption: x.exemption, reason: x.reason.trim(), silent: x.silent, by: who.user, at };
          break;
        case 'include':
          d.items[x.item].withheld = null;
          break;
        case 'mark':
          d.items[x.item].marked = x.reviewed;
          break;
        case 'candidate':
          d.items[x.item].accepted = x.accept;
          break;
        case 'disclosure':
          d.disclosures[x.disclosure] = { prejudice: x.prejudice, ground: x.ground ?? null, reason: x.reason.trim(), items: x.items, by: who.user, at };
          for (const a of x.items) {
            if (a.withhold && x.ground) d.items[a.item].withheld = { exemption: x.ground === 'crime' ? 'crime_taxation' : 'social_work', reason: `disclosure-log decision (${x.disclosure}): ${x.reason.trim()}`, silent: true, by: who.user, at };
            else if (!a.withhold && d.items[a.item].withheld?.reason.includes(`(${x.disclosure})`)) d.items[a.item].withheld = null;
          }
          break;
      }
    }
    const words: Record<DecisionInput['action'], string> = {
      party: "a third party's decision", proposal: "a proposal's decision", span: 'a span redaction', unspan: 'removing a span redaction',
      withhold: 'withholding an item', include: 'including an item', mark: 'marking an item', disclosure: 'a disclosure-log decision',
      candidate: 'a candidate item',
    };
    const one = list[0];
    const what = one.action === 'candidate' ? (one.accept === true ? 'accepting a candidate item' : one.accept === false ? 'declining a candidate item' : 'a candidate item undecided again') : words[one.action];
    d.actions.push({ user: who.user, what: list.length === 1 ? what : `${list.length} decisions`, before, undone: false });
    return { action: d.actions.length, changed: list.length, summary: summary(ref, d, who) };
  }

  function undo(ref: string, who: Who): Undone {
    const d = current(ref);
    const r = replay(d);
    if (r.state !== 'draft') fail('invalid', `draft ${d.id} is ${r.state}: decisions change only in a draft (reopen it first)`);
    const i = d.actions.map((a, i) => [a, i] as const).reverse().find(([a]) => a.user === who.user && !a.undone)?.[1];
    if (i === undefined) fail('not_found', 'you have nothing to undo on this draft');
    const a = d.actions[i];
    restore(d, a.before);
    a.undone = true;
    return { action: i + 1, undone: a.what, summary: summary(ref, d, who) };
  }

  function ready(d: MDraft) {
    if (sequence !== d.vault_sequence) fail('conflict', 'the vault changed since the draft was made: make a new draft');
    const undecided = d.items.reduce((n, it) => n + blockingOf(d, it), 0);
    if (undecided) fail('invalid', `${undecided.toLocaleString('en-GB')} ${undecided === 1 ? 'proposal is' : 'proposals are'} undecided: decide each (or its third party) first`);
    const open = disclosureChecks(d).filter((c) => !complete(c));
    if (open.length) fail('invalid', `the member is in the disclosure log: record the decision about ${open.map((c) => c.disclosure).join(', ')} (and the items it touched) first`);
  }

  const roleCheck = (who: Who) => {
    if (who.role === 'auditor') fail('forbidden', `role auditor may not do this: request bundle`);
  };

  if (!o.noDraft) {
    const d = make(o.reference, 'asha', null);
    // A few decisions already taken, as in a review under way.
    d.parties[0].three_step = { also_about_requester: true, consent: 'given', reasonable: null, note: 'Jo emailed to say she is happy for it to be shared.', recorded_by: 'asha', recorded_at: d.created_at };
    d.parties[0].verdict = { decide: 'disclose', ground: 'consented', note: '' };
    if (d.parties[1]) d.parties[1].verdict = { decide: 'redact', reason: 'third party' };
    d.items[1].marked = true;
    drafts.set(o.reference, d);
    if (o.stale) sequence++;
  }

  /** Answer a review command (null: not a review command). */
  async function handle(cmd: string, a: Record<string, unknown>, who: Who): Promise<{ value: unknown } | null> {
    const ref = String(a.reference ?? '');
    const onProgress = a.onProgress as ((p: Progress) => void) | undefined;
    switch (cmd) {
      case 'review_create': {
        roleCheck(who);
        if (!info.has(ref)) fail('not_found', `there is no request ${ref}`);
        const old = drafts.get(ref) ?? null;
        if (old) {
          const r = replay(old);
          const stale = sequence !== old.vault_sequence;
          if (r.state !== 'released' && r.state !== 'withdrawn' && !stale) fail('conflict', `request ${ref} already has an open draft (${old.id}, ${r.state}): withdraw it first to start again`);
          if (r.state !== 'released' && r.state !== 'withdrawn') event(ref, old, who.user, 'draft_withdrawn', { reason: 'replaced: the vault changed since it was made' });
        }
        onProgress?.({ stage: 'finding other people', total: null, done: 0, rate: null });
        onProgress?.({ stage: 'listing items and proposals', total: 300, done: 300, rate: null });
        const d = make(ref, who.user, old && replay(old).state !== 'released' ? old : null);
        drafts.set(ref, d);
        return { value: summary(ref, d, who) };
      }
      case 'review_summary':
        roleCheck(who);
        return { value: summary(ref, current(ref), who) };
      case 'review_items': {
        roleCheck(who);
        const d = current(ref);
        const f = (a.filter ?? {}) as Partial<ItemFilter>;
        const all = d.items.filter((it) =>
          (!f.kind || it.kind === f.kind) &&
          (!f.undecided_only || blockingOf(d, it) > 0 || (it.source === 'mention' && it.accepted === null)) &&
          (f.party === null || f.party === undefined || d.proposals.some((p) => p.item === it.n && p.party === f.party)) &&
          (!f.withheld_only || !!it.withheld),
        );
        const offset = Number(a.offset ?? 0);
        const limit = Math.min(500, Math.max(1, Number(a.limit ?? 100)));
        const page: ItemPage = { total: all.length, offset, items: all.slice(offset, offset + limit).map((it) => summaryItem(d, it)) };
        return { value: page };
      }
      case 'review_item':
        roleCheck(who);
        return { value: item(current(ref), Number(a.n), (a.maxProposals as number | null) ?? null) };
      case 'review_parties': {
        roleCheck(who);
        const d = current(ref);
        const all = d.parties.filter((p) => !a.undecidedOnly || !p.verdict);
        const offset = Number(a.offset ?? 0);
        const limit = Math.min(500, Math.max(1, Number(a.limit ?? 50)));
        const page: PartyPage = { total: all.length, offset, parties: all.slice(offset, offset + limit).map((p) => party(d, p)) };
        return { value: page };
      }
      case 'review_decide':
        roleCheck(who);
        return { value: decide(ref, a.decisions as DecisionInput[], who) };
      case 'review_undo':
        roleCheck(who);
        return { value: undo(ref, who) };
      case 'review_changes': {
        roleCheck(who);
        const d = current(ref);
        const stale = sequence !== d.vault_sequence;
        const s: Staleness = { stale, draft_sequence: d.vault_sequence, current_sequence: sequence, changed: stale ? changedItems() : [], removed: [], added: stale ? [{ kind: 'posts', items: 2, undecided: 0, withheld: 0 }] : [] };
        return { value: s };
      }
      case 'review_submit': {
        roleCheck(who);
        const d = current(ref);
        const r = replay(d);
        if (r.state !== 'draft') fail('invalid', `draft ${d.id} is ${r.state}: only a draft is submitted`);
        ready(d);
        event(ref, d, who.user, 'review_submitted', { digest: digest(d) });
        return { value: summary(ref, d, who) };
      }
      case 'review_approve': {
        roleCheck(who);
        const d = current(ref);
        const r = replay(d);
        if (r.state === 'draft') {
          if (fourEyes) fail('invalid', `${o.site} requires four eyes: submit the draft (desk review ${ref} submit), then a dpo other than you approves it`);
          ready(d);
          event(ref, d, who.user, 'review_submitted', { digest: digest(d) });
        } else if (r.state === 'in_review') {
          ready(d);
          if (fourEyes && who.role !== 'dpo') fail('forbidden', `approving a draft of ${o.site} (four eyes: a dpo approves)`);
          if (fourEyes && r.submitted_by === who.user) fail('invalid', 'four eyes: you submitted this draft; a dpo other than you approves it');
        } else fail('invalid', `draft ${d.id} is ${r.state}: nothing to approve`);
        event(ref, d, who.user, 'review_approved', { digest: digest(d), four_eyes: fourEyes });
        return { value: summary(ref, d, who) };
      }
      case 'review_reopen': {
        roleCheck(who);
        const d = current(ref);
        const r = replay(d);
        if (!String(a.reason ?? '').trim()) fail('invalid', 'reopening needs a reason');
        if (r.state !== 'in_review' && r.state !== 'approved') fail('invalid', `draft ${d.id} is ${r.state}: only a submitted or approved draft is reopened`);
        event(ref, d, who.user, 'review_reopened', { reason: String(a.reason).trim() });
        return { value: summary(ref, d, who) };
      }
      case 'review_withdraw': {
        roleCheck(who);
        const d = current(ref);
        const r = replay(d);
        if (!String(a.reason ?? '').trim()) fail('invalid', 'withdrawing needs a reason');
        if (r.state === 'released' || r.state === 'withdrawn') fail('invalid', `draft ${d.id} is ${r.state}: nothing to withdraw`);
        event(ref, d, who.user, 'draft_withdrawn', { reason: String(a.reason).trim() });
        return { value: summary(ref, d, who) };
      }
      case 'review_release': {
        roleCheck(who);
        const d = current(ref);
        const r = replay(d);
        if (r.state !== 'approved') fail('invalid', `draft ${d.id} is ${r.state}: only an approved draft is released`);
        if (sequence !== d.vault_sequence) fail('conflict', 'the vault changed since the draft was made: make a new draft');
        if (o.factsDefault && !a.allowDefaultFacts) fail('invalid', "the site's privacy facts are still the shipped default: a dpo reviews them first, or release with allow_default_facts");
        onProgress?.({ stage: 'writing', total: d.items.length, done: d.items.length, rate: null });
        const encrypt = !!a.encrypt;
        const made: BundleMade = {
          path: String(a.out), sha256: '5f2b9c1e0d7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e', bytes: 480_000, files: 14,
          rows: d.items.filter((i) => !i.withheld && (i.source === 'member' || i.accepted === true)).length,
          passphrase: encrypt ? 'k7mqxe3r9ptahwc2fd8n' : null, passphrase_grouped: encrypt ? 'k7mq xe3r 9pta hwc2 fd8n' : null, passphrase_bits: encrypt ? 99 : null,
          passphrase_message: encrypt ? `The passphrase for your ${o.site} data bundle is: k7mq xe3r 9pta hwc2 fd8n` : null,
          request_ref: ref, form: encrypt ? (a.encryption === 'zip' ? 'zip-aes256' : 'pdf-aes256') : 'zip',
          letter_subject: `Your personal data from ${o.site}`, letter: 'This bundle answers your request for a copy of the personal data we hold about you.',
        };
        event(ref, d, who.user, 'bundle', { digest: r.approved_digest, sha256: made.sha256, bytes: made.bytes, files: made.files, rows: made.rows, form: made.form, encrypted: encrypt });
        return { value: made };
      }
      case 'review_settings_get':
        return { value: { site: String(a.site), four_eyes: fourEyes, set_by: null, set_at: null } };
      case 'review_settings_set':
        if (who.role !== 'dpo') fail('forbidden', `role ${who.role} may not do this: request settings`);
        fourEyes = !!a.fourEyes;
        return { value: null };
    }
    return null;
  }

  return {
    handle,
    /** The review events of a request (for request_show). */
    events: (ref: string): ReviewEvent[] => requestEvents.get(ref) ?? [],
    /** Add a request the mock knows (a draft can then be made on it). */
    addRequest(ref: string) {
      info.set(ref, { site: o.site, member_id: o.memberId });
    },
    /** A sync after the draft (it goes stale). */
    sync() {
      sequence++;
    },
  };
}

export type ReviewMock = ReturnType<typeof createReviewMock>;
