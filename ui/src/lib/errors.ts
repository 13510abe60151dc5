// Error bodies → plain words, and problems → fields. Every command rejects
// with core's ErrorBody (generated from crates/core/src/error.rs); the codes
// are core's ErrorCode, one spelling each.
import { IDLE_LOCK_SECONDS, type ErrorBody, type ErrorCode, type ProblemBody } from './generated';

/** What the UI holds for a failure: core's body, or `unknown` for a
 *  rejection that is not one (a bug, the IPC itself failing). */
export type DeskError = Omit<ErrorBody, 'code'> & { code: ErrorCode | 'unknown' };

/** Plain words per code; null: core's own message is the best words (it
 *  names what is wrong and holds no member data). */
const MESSAGES: Record<ErrorCode, string | null> = {
  bad_credentials: "That user name and password don't match.",
  forbidden: "Your role doesn't allow this.",
  locked: `The vault locked after ${IDLE_LOCK_SECONDS / 60} minutes idle. Sign in again.`,
  busy: null,
  cancelled: 'Cancelled — nothing was applied.',
  export_refused: 'The export was refused. Nothing was applied; see the problems below.',
  out_of_sequence: 'This export is out of sequence: an earlier export for this site has not been synced yet.',
  invalid: null,
  not_found: "That couldn't be found. It may have been removed.",
  conflict: 'That conflicts with what is already recorded.',
  damaged: null,
  bad_vault: "That folder isn't a Privacy Desk vault, or the vault is damaged.",
  newer_vault: 'This vault was made by a newer Privacy Desk. Update the app to open it.',
  io: "The file or folder couldn't be read or written.",
  database: 'The vault database reported a problem.',
  crypto: "The vault couldn't be decrypted.",
  usage: null,
};

function isProblem(p: unknown): p is ProblemBody {
  return !!p && typeof p === 'object' && typeof (p as ProblemBody).field === 'string' && typeof (p as ProblemBody).message === 'string';
}

/** Normalise anything a rejected command (or a bug) gives us into a DeskError. */
export function toDeskError(e: unknown): DeskError {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as DeskError).code === 'string') {
    const d = e as Partial<DeskError>;
    const problems = Array.isArray(d.problems) ? d.problems.filter(isProblem) : [];
    return {
      code: d.code as DeskError['code'],
      message: String(d.message ?? ''),
      problems: problems.map((p) => ({ file: p.file ?? null, line: p.line ?? null, field: p.field, message: p.message })),
      more_problems: typeof d.more_problems === 'number' ? d.more_problems : 0,
    };
  }
  if (typeof e === 'string') {
    try {
      return toDeskError(JSON.parse(e));
    } catch {
      return unknown(e);
    }
  }
  if (e instanceof Error) return unknown(e.message);
  return unknown(String(e));
}

function unknown(message: string): DeskError {
  return { code: 'unknown', message, problems: [], more_problems: 0 };
}

/** Plain words for an error. */
export function errorMessage(e: unknown): string {
  const d = toDeskError(e);
  const known = d.code === 'unknown' ? null : MESSAGES[d.code];
  if (known) return known;
  if (d.code === 'invalid' && !d.message) return 'Some of what was entered is not valid.';
  return d.message ? capitalise(d.message) : 'Something went wrong.';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function isLocked(e: unknown): boolean {
  return toDeskError(e).code === 'locked';
}

/** A problem as one line: `file:line: field: what` (or `field: what`). */
export function problemText(p: ProblemBody): string {
  const where = p.file === null ? '' : `${p.file}:${p.line ?? 0}: `;
  return `${where}${p.field}: ${p.message}`;
}

/** How many problems there are in all (listed and not). */
export function problemCount(d: DeskError): number {
  return d.problems.length + d.more_problems;
}

/**
 * Field problems from an error's structured problems, by the field core
 * names (`recipient.organisation`, `member_ids[0]`). The first problem of a
 * field wins.
 */
export function fieldProblems(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of toDeskError(e).problems) if (!(p.field in out)) out[p.field] = p.message;
  return out;
}

/** The form field a core field path belongs to: `member_ids[2]` → `member_ids`, `triggered_by[0].id` stays. */
export function formFieldOf(path: string): string {
  if (path.startsWith('triggered_by[')) return path;
  return path.replace(/\[\d+\]$/, '');
}
