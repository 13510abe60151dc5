// Error codes → plain words, and problems → fields.
import type { DeskError } from './types';

const MESSAGES: Record<string, string> = {
  bad_credentials: "That user name and password don't match.",
  forbidden: "Your role doesn't allow this.",
  locked: 'The vault locked after 15 minutes idle. Sign in again.',
  busy: 'Another long job is still running. Wait for it to finish, or cancel it first.',
  cancelled: 'Cancelled — nothing was applied.',
  refused: 'The export was refused. Nothing was applied; see the problems below.',
  export_refused: 'The export was refused. Nothing was applied; see the problems below.',
  out_of_sequence: 'This export is out of sequence: an earlier export for this site has not been synced yet.',
  not_found: "That couldn't be found. It may have been removed.",
  conflict: 'That conflicts with what is already recorded.',
  bad_vault: "That folder isn't a Privacy Desk vault, or the vault is damaged.",
  newer_vault: 'This vault was made by a newer Privacy Desk. Update the app to open it.',
  io: "The file or folder couldn't be read or written.",
  db: 'The vault database reported a problem.',
  database: 'The vault database reported a problem.',
  crypto: "The vault couldn't be decrypted.",
  network: 'The app could not reach its backend.',
};

/** Normalise anything a rejected command (or a bug) gives us into a DeskError. */
export function toDeskError(e: unknown): DeskError {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as DeskError).code === 'string') {
    const d = e as DeskError;
    return { code: d.code, message: String(d.message ?? ''), problems: Array.isArray(d.problems) ? d.problems : undefined };
  }
  if (typeof e === 'string') {
    try {
      return toDeskError(JSON.parse(e));
    } catch {
      return { code: 'unknown', message: e };
    }
  }
  if (e instanceof Error) return { code: 'unknown', message: e.message };
  return { code: 'unknown', message: String(e) };
}

/**
 * Plain words for an error. `invalid` and unknown codes show core's own
 * message (it names the field and holds no member data).
 */
export function errorMessage(e: unknown): string {
  const d = toDeskError(e);
  const known = MESSAGES[d.code];
  if (known) return known;
  if (d.code === 'invalid') return d.message ? capitalise(d.message) : 'Some of what was entered is not valid.';
  return d.message ? capitalise(d.message) : 'Something went wrong.';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function isLocked(e: unknown): boolean {
  return toDeskError(e).code === 'locked';
}

/**
 * Field problems from an error: `problems` entries (`file:line: field: what`
 * or `field: what`) and core's `invalid` message ("the disclosure was not
 * recorded: field: what; field: what"). Keys are field paths as core names
 * them (`recipient.organisation`, `member_ids[0]`). The first problem of a
 * field wins.
 */
export function fieldProblems(e: unknown): Record<string, string> {
  const d = toDeskError(e);
  const items: string[] = [];
  if (d.problems) items.push(...d.problems);
  if (d.code === 'invalid' || d.code === 'refused') {
    const m = /^[^:]*not recorded:\s*(.*)$/s.exec(d.message);
    if (m) items.push(...m[1].split(/;\s+/));
  }
  const out: Record<string, string> = {};
  for (const item of items) {
    // Drop a leading `file:line: ` if present.
    const parts = item.split(/:\s+/);
    let field: string | undefined;
    let what: string | undefined;
    if (parts.length >= 3 && /:\d+$/.test(parts[0])) {
      field = parts[1];
      what = parts.slice(2).join(': ');
    } else if (parts.length >= 2) {
      field = parts[0];
      what = parts.slice(1).join(': ');
    }
    if (field && what && /^[a-z_][a-z0-9_.[\]]*$/i.test(field) && !(field in out)) out[field] = what;
  }
  return out;
}

/** The form field a core field path belongs to: `member_ids[2]` → `member_ids`, `triggered_by[0].id` stays. */
export function formFieldOf(path: string): string {
  if (path.startsWith('triggered_by[')) return path;
  return path.replace(/\[\d+\]$/, '');
}
