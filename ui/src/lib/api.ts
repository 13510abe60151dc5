// The ONE module that talks to the Tauri backend (docs/desktop-commands.md).
// Every command rejects with core's error body (a DeskError); a `locked`
// error also tells the app to go back to the sign-in screen, and a `busy`
// one (nothing was done: another process holds the vault) is tried again
// here, quietly, while `vaultWait` says what it is waiting for.
import { invoke, Channel } from '@tauri-apps/api/core';
import { toDeskError } from './errors';
import { vaultWait } from './vaultWait.svelte';
import type {
  AuditEvent,
  AuditFilter,
  BundleEncryption,
  BundleMade,
  Conflict,
  ConflictCheck,
  ConflictFilter,
  ConflictPage,
  ConsentView,
  Disclosure,
  DisclosureInput,
  Hold,
  Home,
  MemberRecord,
  MentionsPage,
  PrivacyFacts,
  Progress,
  RecentVault,
  Recorded,
  Request,
  RequestDetail,
  Role,
  SearchResult,
  SessionInfo,
  Status,
  SyncReport,
  TextIndexSite,
  TextQuery,
  TextResults,
  UserInfo,
  Verification,
  VaultCheck,
} from './types';
import type {
  Applied,
  DecisionInput,
  ItemFilter,
  ItemPage,
  PartyPage,
  ReviewItem,
  ReviewSettings,
  ReviewSummary,
  Staleness,
  Undone,
} from './generated';

type Args = Record<string, unknown>;

export interface Backend {
  invoke<T>(cmd: string, args?: Args): Promise<T>;
  /** Something to pass as a `Channel<T>` argument. */
  channel<T>(onMessage: (m: T) => void): unknown;
}

const tauri: Backend = {
  invoke: <T>(cmd: string, args?: Args) => invoke<T>(cmd, args),
  channel<T>(onMessage: (m: T) => void) {
    const c = new Channel<T>();
    c.onmessage = onMessage;
    return c;
  },
};

// A fake backend for looking at screens in a plain browser. Only compiled in
// when VITE_PD_MOCK=1 (`npm run dev:mock`); a normal build drops it.
let mock: Promise<Backend> | null = null;
let chosen: Backend | null = null;
function backend(): Backend | Promise<Backend> {
  if (chosen) return chosen;
  if (import.meta.env.VITE_PD_MOCK === '1' && !('__TAURI_INTERNALS__' in window)) {
    mock ??= import('./mock').then((m) => m.mockBackend);
    return mock;
  }
  return tauri;
}

/** Use `b` instead of Tauri (tests); null goes back. */
export function useBackend(b: Backend | null): void {
  chosen = b;
}

let onLocked: (() => void) | null = null;
/** Called whenever a command rejects with `locked`. */
export function setLockedHandler(fn: (() => void) | null): void {
  onLocked = fn;
}

/** How a `busy` answer is tried again: after 0.5 s, doubling to 5 s
 *  between tries, for about two minutes; then the error shows as usual. */
export const BUSY_RETRY = { firstDelayMs: 500, maxDelayMs: 5000, giveUpAfterMs: 120_000 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Commands waiting for the vault now (the banner shows while any does). */
let waiting = 0;

async function call<T>(cmd: string, args?: Args): Promise<T> {
  const b = await backend();
  const started = Date.now();
  let delay = BUSY_RETRY.firstDelayMs;
  let counted = false;
  try {
    for (;;) {
      try {
        return await b.invoke<T>(cmd, args);
      } catch (e) {
        const err = toDeskError(e);
        // Busy means nothing was done: trying again is safe.
        if (err.code === 'busy' && Date.now() - started + delay <= BUSY_RETRY.giveUpAfterMs) {
          if (!counted) {
            counted = true;
            waiting++;
          }
          vaultWait.message = err.message;
          await sleep(delay);
          delay = Math.min(delay * 2, BUSY_RETRY.maxDelayMs);
          continue;
        }
        if (err.code === 'locked' && onLocked) onLocked();
        throw err;
      }
    }
  } finally {
    if (counted && --waiting === 0) vaultWait.message = null;
  }
}

async function channel<T>(fn: (m: T) => void): Promise<unknown> {
  return (await backend()).channel(fn);
}

// ---- vault and session ----
export const recentVaults = () => call<RecentVault[]>('recent_vaults');
export const pickFolder = (title: string) => call<string | null>('pick_folder', { title });
export const pickExport = () => call<string | null>('pick_export');
export const pickSave = (title: string, defaultName: string, extension: string) =>
  call<string | null>('pick_save', { title, defaultName, extension });
export const vaultCreate = (dir: string, admin: string, password: string) =>
  call<SessionInfo>('vault_create', { dir, admin, password });
export const signIn = (dir: string, user: string, password: string) => call<SessionInfo>('sign_in', { dir, user, password });
export const signOut = () => call<null>('sign_out');
export const sessionInfo = () => call<SessionInfo | null>('session_info');
export const touch = () => call<null>('touch');

// ---- home and status ----
export const home = () => call<Home>('home');
export const status = () => call<Status>('status');

// ---- long work ----
export async function syncRun(path: string, onProgress: (p: Progress) => void): Promise<SyncReport> {
  return call<SyncReport>('sync_run', { path, onProgress: await channel(onProgress) });
}
export async function bundleMake(
  a: { site: string; memberId: string; out: string; reference: string | null; encrypt: boolean; encryption: BundleEncryption; withMentions?: boolean },
  onProgress: (p: Progress) => void,
): Promise<BundleMade> {
  return call<BundleMade>('bundle_make', { ...a, onProgress: await channel(onProgress) });
}
export async function conflictsCheck(onProgress: (p: Progress) => void): Promise<ConflictCheck> {
  return call<ConflictCheck>('conflicts_check', { onProgress: await channel(onProgress) });
}
/** Rebuild the search index (when Home says it must be); answers the terms indexed. */
export async function searchReindex(onProgress: (p: Progress) => void): Promise<number> {
  return call<number>('search_reindex', { onProgress: await channel(onProgress) });
}
export const cancelJob = () => call<null>('cancel_job');
export const revealFile = (path: string) => call<null>('reveal_file', { path });

// ---- members ----
export const search = (query: string, site: string | null = null, limit: number | null = null) =>
  call<SearchResult[]>('search', { query, site, limit });
export const member = (site: string, memberId: string, page: number, pageSize: number) =>
  call<MemberRecord>('member', { site, memberId, page, pageSize });
export const consent = (site: string, memberId: string, at: string | null) =>
  call<ConsentView>('consent', { site, memberId, at });
export const conflicts = (site: string | null, memberId: string | null) => call<Conflict[]>('conflicts', { site, memberId });
export const conflictsPage = (filter: ConflictFilter) => call<ConflictPage>('conflicts_page', { filter });
export const holdSet = (site: string, memberId: string, reason: string) => call<null>('hold_set', { site, memberId, reason });
export const holdLift = (site: string, memberId: string) => call<number>('hold_lift', { site, memberId });
export const holdList = () => call<Hold[]>('hold_list');

// ---- mentions and free-text search ----
export const mentions = (site: string, memberId: string, page: number, pageSize: number) =>
  call<MentionsPage>('mentions', { site, memberId, page, pageSize });
export const mentionsStale = () => call<boolean>('mentions_stale');
export async function mentionsRebuild(onProgress: (p: Progress) => void): Promise<number> {
  return call<number>('mentions_rebuild', { onProgress: await channel(onProgress) });
}
export const textSearch = (query: TextQuery) => call<TextResults>('text_search', { query });
export const textIndexStatus = () => call<TextIndexSite[]>('text_index_status');
export async function textIndexSet(site: string, on: boolean, onProgress: (p: Progress) => void): Promise<number> {
  return call<number>('text_index_set', { site, on, onProgress: await channel(onProgress) });
}

// ---- requests ----
export const requestList = (site: string | null, overdueOnly: boolean, openOnly: boolean) =>
  call<Request[]>('request_list', { site, overdueOnly, openOnly });
export const requestShow = (reference: string) => call<RequestDetail>('request_show', { reference });
export const requestOpen = (a: {
  site: string;
  memberId: string;
  received: string;
  channel: string;
  requester: string;
  reference: string | null;
  idCheckRequested: boolean;
}) => call<string>('request_open', a);
export const requestVerifyIdentity = (reference: string, on: string) => call<null>('request_verify_identity', { reference, on });
export const requestPause = (reference: string, reason: string) => call<null>('request_pause', { reference, reason });
export const requestResume = (reference: string) => call<null>('request_resume', { reference });
export const requestExtend = (reference: string, months: number, reason: string) =>
  call<null>('request_extend', { reference, months, reason });
export const requestClose = (reference: string, outcome: string, reason: string | null) =>
  call<null>('request_close', { reference, outcome, reason });
/** `force`: replace an existing file (only after the user said so). */
export const requestExportCsv = (path: string, force: boolean) => call<null>('request_export_csv', { path, force });

// ---- disclosures ----
export const disclosureList = () => call<Disclosure[]>('disclosure_list');
export const disclosureShow = (id: string) => call<Disclosure>('disclosure_show', { id });
export const disclosureRecord = (input: DisclosureInput) => call<Recorded>('disclosure_record', { input });
export const disclosureAmend = (id: string, input: DisclosureInput) => call<Recorded>('disclosure_amend', { id, input });
export const disclosureReview = (id: string, note: string) => call<string>('disclosure_review', { id, note });
export const disclosureVerify = (head: string | null = null, root: string | null = null) =>
  call<Verification>('disclosure_verify', { head, root });
export const disclosureExportCsv = (path: string, force: boolean) => call<null>('disclosure_export_csv', { path, force });
export const disclosureExportReport = (path: string, force: boolean) => call<null>('disclosure_export_report', { path, force });

// ---- audit ----
export const auditList = (f: AuditFilter) => call<AuditEvent[]>('audit_list', { ...f });
export const auditVerify = (head: string | null = null, root: string | null = null) =>
  call<Verification>('audit_verify', { head, root });
export const vaultCheck = () => call<VaultCheck>('vault_check');
export const auditExportCsv = (path: string, force: boolean) => call<null>('audit_export_csv', { path, force });

// ---- users ----
export const usersList = () => call<UserInfo[]>('users_list');
export const userAdd = (name: string, role: Role, password: string) => call<null>('user_add', { name, role, password });
export const userSetRole = (name: string, role: Role) => call<null>('user_set_role', { name, role });
export const userRemove = (name: string, rekey: boolean) => call<null>('user_remove', { name, rekey });
export const userConfirm = (name: string, fingerprint: string) => call<null>('user_confirm', { name, fingerprint });
export const vaultFingerprint = () => call<string | null>('vault_fingerprint');
export const changePassword = (password: string) => call<null>('change_password', { password });

// ---- privacy facts ----
export const privacyFactsGet = (site: string) => call<PrivacyFacts>('privacy_facts_get', { site });
export const privacyFactsSet = (site: string, facts: PrivacyFacts) => call<null>('privacy_facts_set', { site, facts });

// ---- review of a request's bundle (docs/review-api.md) ----
/** Make a draft (or replace a stale or withdrawn one, carrying decisions over): a long job. */
export async function reviewCreate(reference: string, onProgress: (p: Progress) => void): Promise<ReviewSummary> {
  return call<ReviewSummary>('review_create', { reference, onProgress: await channel(onProgress) });
}
export const reviewSummary = (reference: string) => call<ReviewSummary>('review_summary', { reference });
export const reviewItems = (reference: string, filter: ItemFilter, offset: number, limit: number) =>
  call<ItemPage>('review_items', { reference, filter, offset, limit });
export const reviewItem = (reference: string, n: number, maxProposals: number | null = null) =>
  call<ReviewItem>('review_item', { reference, n, maxProposals });
export const reviewParties = (reference: string, undecidedOnly: boolean, offset: number, limit: number) =>
  call<PartyPage>('review_parties', { reference, undecidedOnly, offset, limit });
/** Decisions, all or none (every problem at once); one call is one undoable action. */
export const reviewDecide = (reference: string, decisions: DecisionInput[]) => call<Applied>('review_decide', { reference, decisions });
/** Undo the signed-in user's latest action on the draft. */
export const reviewUndo = (reference: string) => call<Undone>('review_undo', { reference });
export const reviewChanges = (reference: string) => call<Staleness>('review_changes', { reference });
export const reviewSubmit = (reference: string) => call<ReviewSummary>('review_submit', { reference });
export const reviewApprove = (reference: string) => call<ReviewSummary>('review_approve', { reference });
export const reviewReopen = (reference: string, reason: string) => call<ReviewSummary>('review_reopen', { reference, reason });
export const reviewWithdraw = (reference: string, reason: string) => call<ReviewSummary>('review_withdraw', { reference, reason });
/** Write the approved draft's zip and record its SHA-256 on the request: a long job. */
export async function reviewRelease(
  a: { reference: string; out: string; encrypt: boolean; encryption: BundleEncryption; allowDefaultFacts: boolean },
  onProgress: (p: Progress) => void,
): Promise<BundleMade> {
  return call<BundleMade>('review_release', { ...a, onProgress: await channel(onProgress) });
}
export const reviewSettingsGet = (site: string) => call<ReviewSettings>('review_settings_get', { site });
export const reviewSettingsSet = (site: string, fourEyes: boolean) => call<null>('review_settings_set', { site, fourEyes });
