// The types of the backend's answers (docs/desktop-commands.md).
//
// GENERATED: the error body, the roles table, the session and progress
// shapes come from the Rust sources (`ui/src/lib/generated/`, written by
// `DESK_WRITE_TS=1 cargo test -p privacy-desk-app --lib generated_typescript`
// and checked by that test). They are re-exported here so screens import
// every backend type from one place.
//
// HAND-WRITTEN (below the line): mirrors of core's domain types as serde
// serialises them (crates/core/src), until core derives `TS` for them too;
// then each moves into generated/ and leaves this file. Times are RFC 3339
// UTC strings; dates are `YYYY-MM-DD`.

import type { Role } from './generated';

export type {
  ActionKey,
  ErrorBody,
  ErrorCode,
  ProblemBody,
  Progress,
  RecentVault,
  Role,
  SessionInfo,
} from './generated';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

// ======================= HAND-WRITTEN, not yet generated =======================

// ---- session.rs ----
export interface UserInfo {
  name: string;
  role: Role;
  created_at: string;
  created_by: string | null;
  /** The fingerprint of the user's signing key (null until they have one). */
  fingerprint: string | null;
  /** Whether a dpo gave or confirmed that key. */
  confirmed: boolean;
}

export interface Hold {
  site: string;
  member_id: string;
  reason: string;
  set_at: string;
  set_by: string;
  held_rows: number;
}

export interface SiteStatus {
  site: string;
  sequence: number;
  kind: string;
  generated_at: string;
  synced_at: string;
  rows: Record<string, number>;
  held_rows: Record<string, number>;
}

export interface Status {
  sites: SiteStatus[];
}

// ---- requests.rs (Request = its columns + flattened State) ----
export interface RequestState {
  /** `awaiting_identity`, `open`, `paused` or `closed`. */
  status: string;
  calendar: string;
  id_check_requested: boolean;
  identity_verified: string | null;
  clock_started: string | null;
  extended_months: number;
  paused_days: number;
  paused: boolean;
  paused_since: string | null;
  due: string | null;
  /** Days from today to the due date (negative when overdue). */
  days_left: number | null;
  overdue: boolean;
  outcome: string | null;
  closed_on: string | null;
}

export interface Request extends RequestState {
  ref: string;
  site: string;
  member_id: string;
  received: string;
  channel: string;
  /** Blank for an auditor. */
  requester: string;
}

export interface RequestEvent {
  seq: number;
  at: string;
  user: string;
  /** `opened`, `identity_verified`, `paused`, `resumed`, `extended`, `closed`. */
  kind: string;
  detail: Json;
}

export interface RequestDetail extends Request {
  events: RequestEvent[];
}

/** The channels core accepts (requests.rs CHANNELS). */
export const CHANNELS = ['email', 'web', 'post', 'phone', 'other'] as const;
/** The outcomes core accepts (requests.rs OUTCOMES). */
export const OUTCOMES = [
  'answered',
  'refused_manifestly_unfounded',
  'refused_excessive',
  'withdrawn',
] as const;

// ---- home (desktop) ----
export interface HomeSite {
  site: string;
  sequence: number | null;
  kind: string | null;
  generated_at: string | null;
  synced_at: string | null;
  rows: number;
}

export interface Home {
  sites: HomeSite[];
  requests_due_this_week: Request[];
  requests_overdue: Request[];
  disclosures_this_month: number;
  /** Conflicts found by the newest check; null when the role may not read
   *  members or no check has been run yet. */
  open_conflicts: number | null;
  /** When that check ran (null: never). */
  conflicts_checked_at: string | null;
  /** An export was synced after that check. */
  conflicts_stale: boolean;
  held_members: number;
}

// ---- sync.rs ----
export interface SyncReport {
  site: string;
  sequence: number;
  kind: string;
  /** False when the export had been applied before (a no-op). */
  applied: boolean;
  /** Rows read per entity file: [entity, rows] pairs. */
  rows: [string, number][];
  deleted_rows: number;
  held_rows: number;
  bytes: number;
  seconds: number;
}

/** How an encrypted bundle is encrypted: one PDF (opens anywhere) or an AES-256 zip. */
export type BundleEncryption = 'pdf' | 'zip';

export interface BundleMade {
  path: string;
  sha256: string;
  bytes: number;
  files: number;
  rows: number;
  /** Exactly what the member types: lower case, no spaces. */
  passphrase: string | null;
  /** The same in groups of four, for reading aloud. */
  passphrase_grouped: string | null;
  passphrase_bits: number | null;
  /** A short message carrying the passphrase, to send separately. */
  passphrase_message: string | null;
  request_ref: string | null;
  /** zip, zip-aes256 or pdf-aes256. */
  form: string;
  /** The cover letter as text, for the email that carries the bundle. */
  letter_subject: string;
  letter: string;
}

// ---- search.rs ----
export interface SearchResult {
  site: string;
  /** null for a helpdesk requester who has no account. */
  member_id: string | null;
  username: string | null;
  email: string | null;
  /** The member's status; `no_account` for a helpdesk-only requester. */
  status: string;
  /** What matched, best first (e.g. `email`, `surname_approx`). */
  matched: string[];
  deleted_in_production: boolean;
}

// ---- member.rs ----
export interface HoldInfo {
  reason: string;
  set_at: string;
  set_by: string;
}

export interface DisclosureSummary {
  id: string;
  disclosed_at: string | null;
  recipient: string | null;
  lawful_basis: string | null;
  amended: boolean;
}

export interface MemberRecord {
  site: string;
  member_id: string;
  held: boolean;
  hold: HoldInfo | null;
  status: string | null;
  /** Every stored field of the member row, unknown ones included. */
  profile: JsonObject;
  /** Which export last wrote the member row, and whether production deleted it. */
  provenance: Json;
  /** Entity name → the rows on this page. */
  rows: Record<string, JsonObject[]>;
  /** Entity name → how many rows there are in all. */
  totals: Record<string, number>;
  page: number;
  page_size: number | null;
  disclosures: DisclosureSummary[];
}

// ---- consent.rs ----
export interface PurposeState {
  purpose: string;
  /** `granted`, `withdrawn`, or `no_event_yet`. */
  state: string;
  since: string | null;
  event_id: string | null;
  source: string | null;
  known_purpose: boolean;
}

/** A stored consent event: every field of the export row (plus `tcf`). */
export interface ConsentEvent extends JsonObject {}

export interface ConsentView {
  site: string;
  member_id: string;
  at: string;
  purposes: PurposeState[];
  events: ConsentEvent[];
}

// ---- conflicts.rs ----
export interface RowRef {
  entity: string;
  id: string;
}

export interface Conflict {
  kind: string;
  site: string;
  member_id: string;
  description: string;
  rows: RowRef[];
  events: string[];
  at: string | null;
}

export interface ConflictCount {
  site: string;
  kind: string;
  count: number;
}

/** The newest vault-wide check, kept in the vault. */
export interface ConflictCheck {
  checked_at: string;
  checked_by: string;
  total: number;
  counts: ConflictCount[];
  /** An export was synced after the check. */
  stale: boolean;
}

export interface ConflictFilter {
  site: string | null;
  kind: string | null;
  offset: number;
  /** 0: the default page (100). */
  limit: number;
}

export interface ConflictPage {
  /** null: no check has been run on this vault yet. */
  check: ConflictCheck | null;
  /** Conflicts matching the filter. */
  total: number;
  offset: number;
  items: Conflict[];
}

// ---- chain.rs ----
export type FailureKind =
  | 'changed'
  | 'missing'
  | 'reordered'
  | 'head_not_found'
  | 'bad_signature'
  | 'not_authorised'
  | 'recorded_head_changed'
  | 'damaged';

export interface Failure {
  seq: number;
  kind: FailureKind;
  message: string;
}

export interface Verification {
  ok: boolean;
  entries: number;
  head: string;
  failure: Failure | null;
  /** What holds but deserves a look (entries before signatures, unconfirmed keys). */
  warnings: string[];
  /** The vault's root signing key's fingerprint, to compare with the one kept outside. */
  root_fingerprint: string | null;
}

// ---- disclosure.rs ----
export interface LogEntry {
  seq: number;
  id: string;
  /** `original`, `amendment` or `review`. */
  kind: string;
  amends: string | null;
  content: JsonObject;
  prev_hash: string;
  hash: string;
}

export interface MemberStatus {
  site: string;
  member_id: string;
  exists: boolean;
  held: boolean;
}

export interface Disclosure {
  id: string;
  effective_id: string;
  content: JsonObject;
  history: LogEntry[];
  members: MemberStatus[];
}

export interface Recorded {
  id: string;
  members: MemberStatus[];
}

/** The §4 input JSON (`desk disclosure add --from`). */
export interface DisclosureInput {
  site: string;
  member_ids: string[];
  disclosed_at: string;
  recipient: { organisation: string; team?: string | null; officer?: string | null; contact?: string | null };
  request_reference?: string | null;
  urgent?: boolean;
  lawful_basis: string;
  lawful_basis_detail?: string | null;
  safeguarding_conditions?: {
    necessary_to_protect: boolean;
    consent_not_sought_because: string;
    substantial_public_interest: boolean;
  } | null;
  triggered_by?: { entity: string; id: string }[] | null;
  data_categories: string[];
  items_disclosed: string[];
  necessity_and_proportionality: string;
  authorised_by: string;
  member_informed: boolean;
  not_informed_reason?: string | null;
  acknowledge_missing_members?: boolean;
}

// ---- audit.rs ----
export interface AuditEvent {
  seq: number;
  at: string;
  user: string | null;
  action: string;
  site: string | null;
  member_id: string | null;
  /** `ok`, `refused`, `failed`, `cancelled`. */
  outcome: string;
  detail: Json | null;
  prev_hash: string;
  hash: string;
}

/** The arguments of `audit_list`. `from`/`to`: an RFC 3339 time or a date
 *  (`YYYY-MM-DD`); a `to` date includes that whole day (core's rule). */
export interface AuditFilter {
  user: string | null;
  action: string | null;
  site: string | null;
  memberId: string | null;
  from: string | null;
  to: string | null;
  limit: number | null;
}

// ---- privacy facts (contract) ----
export type RecipientKind = 'processor' | 'partner' | 'authority' | 'other';

export interface PrivacyFacts {
  site: string;
  controller: string;
  dpo_contact: string;
  purposes: { purpose: string; description: string; lawful_basis: string }[];
  categories: { category: string; description: string }[];
  recipients: { name: string; kind: RecipientKind; purpose: string }[];
  retention: { data: string; period: string }[];
  sources: { source: string; data: string }[];
  transfers: { destination: string; safeguard: string }[];
  automated_decisions: string;
  rights: string;
  complaint: string;
  updated_at: string | null;
  updated_by: string | null;
}
