// A fake backend for looking at the screens in a plain browser
// (`npm run dev:mock`, `?role=staff|auditor`, `?signed-out`, `?locked`,
// `?busy`: the first seconds answer `busy`; `?stale-index`: the search
// index must be rebuilt). Never in a normal build: api.ts
// imports it only when VITE_PD_MOCK=1. Made-up data; the roles table and the
// error bodies are the real ones' (generated from the Rust sources).
import type { Backend } from './api';
import { createReviewMock } from './mockReview';
import { ROLE_CAN, type ErrorBody, type ErrorCode, type ProblemBody } from './generated';
import type {
  AuditEvent, Json, Conflict, ConflictCheck, ConflictCount, ConflictFilter, ConsentEvent, ConsentView, Disclosure, Home, MemberRecord, PrivacyFacts, Progress, Request, RequestDetail,
  MentionsPage, SearchResult, SessionInfo, TextIndexSite, TextResults, UserInfo, Verification,
} from './types';

const params = new URLSearchParams(location.search);
const role = (params.get('role') ?? 'dpo') as SessionInfo['role'];
const can = (r: SessionInfo['role']) => [...ROLE_CAN[r]];
let session: SessionInfo | null = params.has('signed-out') ? null : { user: role === 'dpo' ? 'asha' : role === 'staff' ? 'ben' : 'carol', role, vault: '/home/asha/PrivacyDesk/vault', can: can(role), warnings: [] };

/** Reject as the backend does: with an error body. */
function fail(code: ErrorCode, message: string, problems: ProblemBody[] = []): never {
  const body: ErrorBody = { code, message, problems, more_problems: 0 };
  throw body;
}
// The review of SAR-2026-0007 (docs/review-api.md): `?four-eyes`, `?stale-draft`
// (a sync after the draft), `?default-facts` (privacy facts not yet saved).
const review = createReviewMock({ fourEyes: params.has('four-eyes'), stale: params.has('stale-draft'), factsDefault: params.has('default-facts') });
const busyUntil = params.has('busy') ? Date.now() + 4000 : 0;
const files = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const day = (offset: number) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

function req(ref: string, member: string, received: string, days_left: number | null, extra: Partial<Request> = {}): Request {
  return {
    ref, site: 'netmums', member_id: member, received, channel: 'email', requester: role === 'auditor' ? '' : 'Jane Doe (jane@example.org)',
    status: 'open', calendar: 'england_and_wales', id_check_requested: false, identity_verified: null, clock_started: received,
    extended_months: 0, paused_days: 0, paused: false, paused_since: null, due: days_left === null ? null : day(days_left), days_left,
    overdue: (days_left ?? 0) < 0, outcome: null, closed_on: null, ...extra,
  };
}
const requests: Request[] = [
  req('SAR-2026-0007', 'm-1042', day(-35), -2),
  req('SAR-2026-0009', 'm-2210', day(-26), 3),
  req('SAR-2026-0011', 'm-0311', day(-10), 20, { paused: true, status: 'paused', paused_since: day(-4), paused_days: 4 }),
  req('SAR-2026-0004', 'm-7788', day(-60), null, { status: 'closed', outcome: 'answered', closed_on: day(-40) }),
  req('SAR-2026-0012', 'm-5120', day(-1), 30, { status: 'awaiting_identity', id_check_requested: true, clock_started: null }),
];

const results: SearchResult[] = [
  { site: 'netmums', member_id: 'm-1042', username: 'sunnymum84', email: 'sunny@example.org', status: 'active', matched: ['email', 'username_prefix'], deleted_in_production: false },
  { site: 'netmums', member_id: 'm-2210', username: 'sunflower_jo', email: 'jo.s@example.net', status: 'suspended', matched: ['surname_approx'], deleted_in_production: false },
  { site: 'bumps', member_id: 'b-0091', username: 'sunny_d', email: 'd@example.com', status: 'deleted', matched: ['postcode'], deleted_in_production: true },
  { site: 'netmums', member_id: null, username: null, email: 'sunny.helpdesk@example.org', status: 'no_account', matched: ['email'], deleted_in_production: false },
];

const consentEvents: ConsentEvent[] = [
  { event_id: 'ce-1', purpose: 'newsletter.parenting_news', action: 'granted', occurred_at: '2023-02-01T10:00:00Z', source: 'registration', policy_version: 'v3', ip: '203.0.113.9', evidence: { form: 'signup' } },
  { event_id: 'ce-2', purpose: 'partner_emails', action: 'granted', occurred_at: '2023-02-01T10:00:00Z', source: 'registration', policy_version: 'v3', ip: '203.0.113.9', evidence: { form: 'signup' } },
  { event_id: 'ce-3', purpose: 'partner_emails', action: 'withdrawn', occurred_at: '2024-05-12T08:30:00Z', source: 'unsubscribe_link', policy_version: 'v4', ip: null, evidence: null },
  { event_id: 'ce-4', purpose: 'cookies.analytics', action: 'granted', occurred_at: '2024-01-10T12:00:00Z', source: 'cmp', policy_version: 'v4', ip: '198.51.100.7', evidence: { cmp: 'record-81' }, tcf_string: 'CP…' },
  { event_id: 'ce-5', purpose: 'cookies.analytics', action: 'withdrawn', occurred_at: '2025-03-03T09:00:00Z', source: 'cmp', policy_version: 'v5', ip: '198.51.100.7', evidence: null },
  { event_id: 'ce-6', purpose: 'cookies.analytics', action: 'granted', occurred_at: '2025-09-20T19:00:00Z', source: 'cmp', policy_version: 'v5', ip: '198.51.100.7', evidence: null },
  { event_id: 'ce-7', purpose: 'baby_club_offers', action: 'granted', occurred_at: '2025-06-01T10:00:00Z', source: 'competition_entry', policy_version: 'v5', ip: null, evidence: { competition: 'c-12' } },
];

function consentAt(at: string | null): ConsentView {
  const t = at ? Date.parse(at) : Date.now();
  const purposes = [...new Set(consentEvents.map((e) => String(e.purpose)))].map((p) => {
    const evs = consentEvents.filter((e) => e.purpose === p && Date.parse(String(e.occurred_at)) <= t);
    const last = evs[evs.length - 1];
    return { purpose: p, state: last ? String(last.action) : 'no_event_yet', since: last ? String(last.occurred_at) : null, event_id: last ? String(last.event_id) : null, source: last ? String(last.source) : null, known_purpose: p !== 'baby_club_offers' };
  });
  return { site: 'netmums', member_id: 'm-1042', at: new Date(t).toISOString(), purposes, events: consentEvents };
}

function member(site: string, id: string, page: number, size: number): MemberRecord {
  const posts = Array.from({ length: 47 }, (_, i) => ({ id: `p-${700 + i}`, thread_id: `t-${i % 5}`, created_at: '2025-10-0' + ((i % 9) + 1) + 'T10:00:00Z', body: `Post text number ${i + 1} about weaning and sleep`, _export_sequence: 12 }));
  const slice = posts.slice((page - 1) * size, page * size);
  return {
    site, member_id: id, held: id === 'm-1042', hold: id === 'm-1042' ? { reason: 'Police request GMP-22-991', set_at: '2026-11-05T09:00:00Z', set_by: 'asha' } : null,
    status: 'active',
    profile: { member_id: id, username: 'sunnymum84', first_name: 'Sunita', surname: 'Shah', email: 'sunny@example.org', email_verified: true, postcode: 'M20 2AB', date_of_birth: '1984-04-02', children_count: 2, signup_at: '2019-03-01T11:00:00Z', last_login_at: '2026-11-20T21:15:00Z', status: 'active', favourite_board: 'Toddlers' },
    provenance: { export_sequence: 12, line: 1043, export_kind: 'delta', export_generated_at: '2026-11-22T02:00:00Z', synced_at: '2026-11-22T07:10:00Z', deleted_in_production: null },
    rows: { posts: slice, private_messages: [{ id: 'pm-1', sent_at: '2026-10-02T20:00:00Z', subject: 'Hello' }], login_events: [{ login_id: 'l-1', occurred_at: '2026-11-20T21:15:00Z', ip: '203.0.113.9' }], helpdesk_tickets: [], children: [{ child_id: 'c-1', date_of_birth: '2021-06-01' }] },
    totals: { posts: 47, private_messages: 1, login_events: 1, helpdesk_tickets: 0, children: 1, consent_events: 7 },
    page, page_size: size,
    disclosures: [{ id: 'D-0003', disclosed_at: '2026-11-04T16:20:00Z', recipient: 'Greater Manchester Police', lawful_basis: 'dpa2018_sch1_para18', amended: false }],
  };
}

const disclosures: Disclosure[] = [
  {
    id: 'D-0003', effective_id: 'D-0003',
    content: { site: 'netmums', member_ids: ['m-1042'], disclosed_at: '2026-11-04T16:20:00Z', recipient: { organisation: 'Greater Manchester Police', team: 'Public Protection', officer: 'DC Patel', contact: '0161 000 0000' }, request_reference: 'GMP-22-991', urgent: true, lawful_basis: 'dpa2018_sch1_para18', safeguarding_conditions: { necessary_to_protect: true, consent_not_sought_because: 'asking would prejudice the protection', substantial_public_interest: true }, triggered_by: [{ entity: 'posts', id: 'p-77' }], data_categories: ['identity', 'contact details'], items_disclosed: ['email address', 'postcode'], necessity_and_proportionality: 'Risk to a child described in a post.', authorised_by: 'asha', member_informed: false, not_informed_reason: 'Would prejudice the investigation', recorded_at: '2026-11-04T16:45:00Z', recorded_by: 'asha' },
    history: [{ seq: 3, id: 'D-0003', kind: 'original', amends: null, content: { recorded_at: '2026-11-04T16:45:00Z', recorded_by: 'asha' }, prev_hash: 'ab', hash: '9f2c4e1b0d7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e' }],
    members: [{ site: 'netmums', member_id: 'm-1042', exists: true, held: true }],
  },
];

const audit: AuditEvent[] = Array.from({ length: 30 }, (_, i) => ({
  seq: i + 1, at: new Date(Date.now() - (30 - i) * 3600_000).toISOString(), user: i % 3 ? 'asha' : 'ben',
  action: ['sign_in', 'search', 'read_member', 'sync', 'record_disclosure'][i % 5], site: i % 5 ? 'netmums' : null,
  member_id: i % 5 === 2 ? 'm-1042' : null, outcome: i === 7 ? 'refused' : 'ok', detail: i % 5 === 1 ? { results: 4 } : null, prev_hash: '', hash: '',
}));

const verification: Verification = { ok: !params.has('tampered'), entries: 3, head: '9f2c4e1b0d7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e', failure: params.has('tampered') ? { seq: 2, kind: 'changed', message: "entry 2's content no longer matches its hash" } : null, warnings: [], root_fingerprint: '6c4f ba14 d208 6b86 da60 5e5f 24e5 6e7b 641e bf96 0d9c 6d25 cf50 df01 c0f1 4c2b' };

const users: UserInfo[] = [
  { name: 'asha', role: 'dpo', created_at: '2026-01-05T09:00:00Z', created_by: null, fingerprint: '6c4f ba14 d208 6b86 da60 5e5f 24e5 6e7b 641e bf96 0d9c 6d25 cf50 df01 c0f1 4c2b', confirmed: true },
  { name: 'ben', role: 'staff', created_at: '2026-01-06T09:00:00Z', created_by: 'asha', fingerprint: '0a1b 2c3d 4e5f 6071 8293 a4b5 c6d7 e8f9 0a1b 2c3d 4e5f 6071 8293 a4b5 c6d7 e8f9', confirmed: false },
  { name: 'carol', role: 'auditor', created_at: '2026-02-01T09:00:00Z', created_by: 'asha', fingerprint: null, confirmed: false },
];

const facts: PrivacyFacts = {
  site: 'netmums', controller: 'Example Parenting Ltd, 1 High Street, London', dpo_contact: 'dpo@example.org',
  purposes: [{ purpose: 'Running the forum', description: 'Accounts, posts and messages', lawful_basis: 'contract' }],
  categories: [{ category: 'Identity', description: 'User name, name' }],
  recipients: [{ name: 'Mail provider', kind: 'processor', purpose: 'Newsletters' }],
  retention: [{ data: 'Posts', period: 'While the account exists' }], sources: [{ source: 'You', data: 'Everything you enter' }],
  transfers: [], automated_decisions: 'None.', rights: 'You can ask for rectification, erasure, restriction, objection and portability.',
  complaint: 'You can complain to the ICO: ico.org.uk',
  derived: [{ field: 'marketing_segment', name: 'Marketing segment', description: 'A group we put you in from what you told us.', values: [{ value: 'new_parent', meaning: 'New parent' }] }],
  prepared_by: '', sign_with_staff_name: false, updated_at: null, updated_by: null,
};

const conflictKinds = ['newsletter_sent_after_withdrawal', 'competition_shared_without_consent', 'weak_consent_proof'];
const conflictList: Conflict[] = Array.from({ length: 230 }, (_, i) => ({
  kind: conflictKinds[i % 3], site: i % 4 ? 'netmums' : 'bumps', member_id: `m-${1042 + i}`,
  description: i % 3 === 2 ? `consent “newsletter.weekly” granted by event ce-${i} has no evidence: it cannot be demonstrated (Art 7(1))`
    : `the “weekly” newsletter was last sent at 2024-06-01T09:00:00Z, but consent “newsletter.weekly” was withdrawn at 2024-05-01T09:00:00Z`,
  rows: i % 3 === 2 ? [] : [{ entity: 'newsletter_engagement', id: `ne-${i}` }], events: [`ce-${i}`], at: '2024-06-01T09:00:00Z',
}));
function conflictCounts(): ConflictCount[] {
  const m = new Map<string, ConflictCount>();
  for (const c of conflictList) {
    const k = `${c.site} ${c.kind}`;
    m.set(k, { site: c.site, kind: c.kind, count: (m.get(k)?.count ?? 0) + 1 });
  }
  return [...m.values()].sort((x, y) => `${x.site} ${x.kind}`.localeCompare(`${y.site} ${y.kind}`));
}
// ?unchecked starts the mock with no conflict check yet; ?stale with one older than the last sync.
let conflictCheck: ConflictCheck | null = params.has('unchecked') ? null
  : { checked_at: '2026-11-22T07:30:00Z', checked_by: 'asha', total: conflictList.length, counts: conflictCounts(), stale: params.has('stale') };

function mentionsPage(site: string, id: string, page: number, size: number): MentionsPage {
  const all: MentionsPage['items'] = [
    { entity: 'posts', id: 'p-88120', field: 'body', context: 'Good soft play near me?', at: '2026-11-20T19:04:00Z',
      author: { kind: 'member', member_id: 'm-2210', username: 'SleeplessInLeeds' }, kinds: ['at_username'],
      snippet: [{ text: 'Ask ', mark: false }, { text: '@LittleMissCrafty', mark: true }, { text: ', she knows them all <3', mark: false }] },
    { entity: 'private_messages', id: 'pm-5521', field: 'body', context: 'That thread earlier', at: '2026-11-12T08:30:00Z',
      author: { kind: 'former_member', member_id: 'm-0977', username: null }, kinds: ['name'],
      snippet: [{ text: '… her real name is ', mark: false }, { text: 'Zoë Smith', mark: true }, { text: ' and she lives near the park …', mark: false }] },
    { entity: 'helpdesk_tickets', id: 'h-301', field: 'messages[1].body', context: 'Complaint about a member', at: '2026-10-02T11:15:00Z',
      author: { kind: 'staff', member_id: null, username: null }, kinds: ['username'],
      snippet: [{ text: 'We have spoken to ', mark: false }, { text: 'LittleMissCrafty', mark: true }, { text: ' about it.', mark: false }] },
  ];
  return {
    site, member_id: id, total: all.length, page, page_size: size, authors: 3,
    by_kind: [{ kind: 'at_username', items: 1 }, { kind: 'username', items: 1 }, { kind: 'name', items: 1 }],
    by_author: all.map((m) => ({ author: m.author, items: 1 })),
    items: all.slice((page - 1) * size, page * size),
  };
}

const textSites: TextIndexSite[] = [
  { site: 'netmums', enabled: true, since: '2026-11-20T09:00:00Z', by: 'asha' },
  { site: 'mumsnet', enabled: false, since: null, by: null },
];

function textResults(text: string, page: number, size: number): TextResults {
  return {
    words: text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean), page, page_size: size, more: false,
    items: page > 1 ? [] : [{ site: 'netmums', entity: 'posts', id: 'p-7781', field: 'body', context: 'Primary school appeals', at: '2026-09-03T07:50:00Z',
      author: { kind: 'member', member_id: 'm-1042', username: 'MumOfTwoBoys' },
      snippet: [{ text: 'We got into ', mark: false }, { text: text, mark: true }, { text: ' in the end, so relieved', mark: false }] }],
    sites: [{ site: 'netmums', indexed: true, complete: true, rows_read: 1 }, { site: 'mumsnet', indexed: false, complete: false, rows_read: 50000 }],
  };
}

let staleIndex = params.has('stale-index');
let cancelled = false;
async function job(onProgress: (p: Progress) => void, stages: string[], total: number) {
  cancelled = false;
  for (const stage of stages) {
    for (let done = 0; done <= total; done += total / 10) {
      if (cancelled) fail('cancelled', 'cancelled; nothing was changed');
      onProgress({ stage, total, done, rate: 41250 });
      await sleep(120);
    }
  }
}

function locked(): never {
  fail('locked', 'the desk is locked: sign in again');
}

async function handle(cmd: string, a: Record<string, unknown>): Promise<unknown> {
  await sleep(60);
  const open = ['recent_vaults', 'pick_folder', 'pick_export', 'pick_save', 'vault_create', 'sign_in', 'session_info', 'sign_out'];
  if ((!session || params.has('locked')) && !open.includes(cmd)) locked();
  if (Date.now() < busyUntil && !open.includes(cmd) && cmd !== 'touch') fail('busy', 'the vault is busy: a sync by ben since 02:00; try again');
  const prog = a.onProgress as ((p: Progress) => void) | undefined;
  if (cmd.startsWith('review_')) {
    const r = await review.handle(cmd, a, { user: session!.user, role: session!.role });
    if (r) return r.value;
  }
  switch (cmd) {
    case 'recent_vaults': return [{ path: '/home/asha/PrivacyDesk/vault', name: 'vault', last_opened: '2026-11-22T08:00:00Z' }];
    case 'pick_folder': case 'pick_export': return '/home/asha/exports/netmums-000013';
    case 'pick_save': return `/home/asha/Desktop/${a.defaultName}`;
    case 'sign_in': case 'vault_create':
      if (a.password === 'wrong') fail('bad_credentials', 'wrong user name or password');
      session = { user: String(a.user ?? a.admin), role: 'dpo', vault: String(a.dir), can: can('dpo'), warnings: [] };
      return session;
    case 'sign_out': session = null; return null;
    case 'session_info': return session;
    case 'touch': return null;
    case 'home': {
      const h: Home = {
        sites: [
          { site: 'netmums', sequence: 12, kind: 'delta', generated_at: '2026-11-22T02:00:00Z', synced_at: '2026-11-22T07:10:00Z', rows: 1843221 },
          { site: 'bumps', sequence: 4, kind: 'full', generated_at: '2026-11-21T02:00:00Z', synced_at: '2026-11-21T07:00:00Z', rows: 210345 },
        ],
        requests_due_this_week: requests.filter((r) => !r.outcome && (r.days_left ?? 99) >= 0 && (r.days_left ?? 99) <= 7),
        requests_overdue: requests.filter((r) => r.overdue && !r.outcome),
        disclosures_this_month: 1, open_conflicts: session!.can.includes('read_members') && conflictCheck ? conflictCheck.total : null,
        conflicts_checked_at: conflictCheck?.checked_at ?? null, conflicts_stale: conflictCheck?.stale ?? false,
        search_index_stale: staleIndex && session!.can.includes('read_members'), held_members: 1,
      };
      return h;
    }
    case 'sync_run':
      await job(prog!, ['reading', 'checking', 'applying'], 120000);
      if (String(a.path).includes('bad'))
        fail('export_refused', 'the export was refused (2 problem(s)); nothing was changed', [
          { file: 'members.jsonl', line: 14, field: 'email', message: 'not an email address' },
          { file: 'posts.jsonl', line: 2201, field: 'member_id', message: 'names no member of the site' },
        ]);
      return { site: 'netmums', sequence: 13, kind: 'delta', applied: true, rows: [['members', 1201], ['posts', 80412], ['consent_events', 3321]], deleted_rows: 12, held_rows: 1, bytes: 48_000_000, seconds: 3.4 };
    case 'bundle_make':
      await job(prog!, ['collecting', 'writing'], 5000);
      return {
        path: String(a.out), sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', bytes: 1_200_000, files: 14, rows: 5120,
        passphrase: a.encrypt ? 'k7mqxe3r9ptahwc2fd8n' : null, passphrase_grouped: a.encrypt ? 'k7mq xe3r 9pta hwc2 fd8n' : null, passphrase_bits: a.encrypt ? 99 : null,
        passphrase_message: a.encrypt ? 'The passphrase for your netmums data bundle is: k7mq xe3r 9pta hwc2 fd8n\nType the 20 characters in lower case, without the spaces.' : null,
        request_ref: (a.reference as string) ?? null, form: a.encrypt ? (a.encryption === 'zip' ? 'zip-aes256' : 'pdf-aes256') : 'zip',
        letter_subject: 'Your personal data from netmums', letter: 'This bundle answers your request for a copy of the personal data that netmums holds about you.',
      };
    case 'cancel_job': cancelled = true; return null;
    case 'reveal_file': return null;
    case 'search_reindex':
      await job(prog!, ['indexing members', 'indexing posts', 'indexing helpdesk_tickets'], 60000);
      staleIndex = false;
      return 1_204_551;
    case 'search': {
      if (staleIndex) fail('invalid', 'the search index was built by another version of the desk (rules 0, this desk 1): rebuild it first (`desk reindex`, or Rebuild on the app\'s Home)');
      const q = String(a.query).toLowerCase();
      await sleep(q.length % 2 ? 200 : 40); // out-of-order answers on purpose
      return results.filter((r) => `${r.username} ${r.email}`.toLowerCase().includes(q.slice(0, 3)));
    }
    case 'member': return member(String(a.site), String(a.memberId), Number(a.page), Number(a.pageSize));
    case 'consent': return consentAt((a.at as string) ?? null);
    case 'mentions': return mentionsPage(String(a.site), String(a.memberId), Number(a.page), Number(a.pageSize));
    case 'mentions_stale': return false;
    case 'mentions_rebuild': if (prog) await job(prog, ['reading posts'], 300000); return 300000;
    case 'text_search': { const q = a.query as { text: string; page: number; page_size: number }; return textResults(q.text, q.page, q.page_size); }
    case 'text_index_status': return textSites;
    case 'text_index_set': if (prog) await job(prog, ['indexing the text of posts'], 100000); return 100000;
    case 'conflicts': return conflictList.slice(0, 1);
    case 'conflicts_check':
      await job(prog!, ['checking newsletters sent (1 of 5)', 'checking consent proof (5 of 5)'], 40000);
      conflictCheck = { checked_at: new Date().toISOString(), checked_by: session!.user, total: conflictList.length, counts: conflictCounts(), stale: false };
      return conflictCheck;
    case 'conflicts_page': {
      const f = a.filter as ConflictFilter;
      if (!conflictCheck) return { check: null, total: 0, offset: 0, items: [] };
      const all = conflictList.filter((c) => (!f.site || c.site === f.site) && (!f.kind || c.kind === f.kind));
      const limit = f.limit || 100;
      return { check: conflictCheck, total: all.length, offset: f.offset, items: all.slice(f.offset, f.offset + limit) };
    }
    case 'hold_set': case 'hold_lift': return cmd === 'hold_lift' ? 0 : null;
    case 'hold_list': return [{ site: 'netmums', member_id: 'm-1042', reason: 'Police request GMP-22-991', set_at: '2026-11-05T09:00:00Z', set_by: 'asha', held_rows: 0 }];
    case 'request_list': return requests.filter((r) => (!a.openOnly || !r.outcome) && (!a.overdueOnly || r.overdue));
    case 'request_show': {
      const r = requests.find((x) => x.ref === a.reference);
      if (!r) fail('not_found', 'no such request');
      review.addRequest(r.ref);
      const reviewed = review.events(r.ref).map((e, i) => ({ seq: i + 2, at: e.at, user: e.user, kind: e.kind, detail: e.detail as Json }));
      const d: RequestDetail = { ...r, events: [{ seq: 1, at: `${r.received}T09:00:00Z`, user: 'ben', kind: 'opened', detail: { received: r.received, channel: 'email', calendar: r.calendar } }, ...reviewed] };
      return d;
    }
    case 'request_open': return 'SAR-2026-0013';
    case 'disclosure_list': return disclosures;
    case 'disclosure_show': return disclosures[0];
    case 'disclosure_record': case 'disclosure_amend':
      if (!(a.input as { authorised_by?: string }).authorised_by?.trim())
        fail('invalid', 'the disclosure was not recorded (1 problem(s))', [{ file: null, line: null, field: 'authorised_by', message: 'required' }]);
      return { id: 'D-0004', members: ((a.input as { member_ids: string[] }).member_ids).map((m) => ({ site: 'netmums', member_id: m, exists: true, held: false })) };
    case 'disclosure_verify': case 'audit_verify': {
      const root = typeof a.root === 'string' ? a.root.replace(/\s/g, '').toLowerCase() : null;
      if (root !== null && !/^[0-9a-f]{64}$/.test(root)) fail('invalid', 'a fingerprint is 64 hexadecimal digits (as `desk vault fingerprint` shows it)');
      if (root !== null && root !== verification.root_fingerprint?.replace(/\s/g, '')) {
        return { ...verification, ok: false, failure: { seq: 0, kind: 'not_authorised', message: 'the root key is not the one whose fingerprint was kept' } };
      }
      return verification;
    }
    case 'vault_check': return {
      ok: !params.has('damaged'),
      files: [
        { file: 'logs.db', checked: true, failing_pages: [], problems: [], ok: true },
        { file: 'vault.db', checked: true, failing_pages: params.has('damaged') ? [3, 17] : [], problems: [], ok: !params.has('damaged') },
      ],
    };
    case 'audit_export_csv': case 'disclosure_export_csv': case 'disclosure_export_report': case 'request_export_csv': {
      const path = String(a.path);
      if (files.has(path) && !a.force) fail('conflict', `${path}: already exists; not replaced`);
      files.add(path);
      return null;
    }
    case 'audit_list': return audit;
    case 'users_list': return users;
    case 'user_confirm': {
      const u = users.find((x) => x.name === a.name);
      if (u) u.confirmed = true;
      return null;
    }
    case 'vault_fingerprint': return users[0].fingerprint;
    case 'privacy_facts_get': return { ...facts, site: String(a.site) };
    default: return null;
  }
}

export const mockBackend: Backend = {
  invoke: <T>(cmd: string, args?: Record<string, unknown>) => handle(cmd, args ?? {}) as Promise<T>,
  channel: <T>(fn: (m: T) => void) => fn,
};
