// The types of the backend's answers (docs/desktop-commands.md).
//
// GENERATED: every type a command answers with or takes as a whole — core's
// domain types (home, status, search, the member record, consent,
// conflicts, requests, disclosures, the audit trail, holds, users, bundles,
// privacy facts), the error body, the roles table, the session and progress
// shapes — comes from the Rust sources (`ui/src/lib/generated/`, written by
// `DESK_WRITE_TS=1 cargo test -p privacy-desk-app --lib generated_typescript`
// and checked by that test), and so do the lists the forms offer (CHANNELS,
// OUTCOMES, RECIPIENT_KINDS). They are re-exported here so screens import
// every backend type from one place. Times are RFC 3339 UTC strings; dates
// are `YYYY-MM-DD`.
//
// HAND-WRITTEN (below the line): only what has no Rust type to generate
// from — see each.

import type { ConsentView, JsonValue } from './generated';
import { RECIPIENT_KINDS } from './generated';

export type {
  ActionKey,
  AuditEvent,
  Author,
  AuthorCount,
  BundleEncryption,
  BundleMade,
  CategoryFact,
  Conflict,
  ConflictCheck,
  ConflictCount,
  ConflictFilter,
  ConflictPage,
  ConsentView,
  DerivedFact,
  DerivedValue,
  Disclosure,
  DisclosureSummary,
  ErrorBody,
  ErrorCode,
  Failure,
  FailureKind,
  FileCheck,
  Hold,
  HoldInfo,
  Home,
  HomeSite,
  JsonValue,
  Kind,
  KindCount,
  LogEntry,
  MemberRecord,
  MemberStatus,
  Mention,
  MentionsPage,
  PrivacyFacts,
  ProblemBody,
  Progress,
  PurposeFact,
  PurposeState,
  RecentVault,
  RecipientFact,
  Recorded,
  Request,
  RequestDetail,
  RequestEvent,
  RetentionFact,
  Role,
  RowRef,
  SearchResult,
  SessionInfo,
  SiteSearched,
  SiteStatus,
  SnippetPart,
  SourceFact,
  Status,
  SyncReport,
  TextHit,
  TextIndexSite,
  TextQuery,
  TextResults,
  TransferFact,
  UserInfo,
  VaultCheck,
  Verification,
} from './generated';
export { CHANNELS, OUTCOMES, RECIPIENT_KINDS } from './generated';

// ============================ HAND-WRITTEN ============================

/** Any JSON value (core's `serde_json::Value`, generated as `JsonValue`). */
export type Json = JsonValue;
/** A JSON object: a stored row, a disclosure's content. */
export type JsonObject = { [k: string]: Json };

/** A stored consent event: every field of the export row (plus `tcf`). */
export type ConsentEvent = ConsentView['events'][number];

/** What a privacy facts' recipient may be (core keeps it as text and
 *  checks it against RECIPIENT_KINDS). */
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/** The arguments of `audit_list`: the desktop command takes them one by
 *  one (camelCase), it has no Rust type. `from`/`to`: an RFC 3339 time or a
 *  date (`YYYY-MM-DD`); a `to` date includes that whole day (core's rule). */
export interface AuditFilter {
  user: string | null;
  action: string | null;
  site: string | null;
  memberId: string | null;
  from: string | null;
  to: string | null;
  limit: number | null;
}

/** The §4 input JSON (`desk disclosure add --from`). Core takes it as JSON
 *  and checks it key by key (crates/core/src/disclosure), so there is no
 *  Rust type to generate it from: this mirrors vault-and-access-v1 §4. */
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
