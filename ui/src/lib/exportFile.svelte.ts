// Saving an export the way every interface does: core never replaces a
// file unless told to (`force`). A path chosen in the native save dialog
// was confirmed there (it asks before replacing); a typed path is written
// without `force`, and if the file exists (`conflict`) the user is asked
// here first (ReplaceFile.svelte shows the question).
import { toDeskError } from './errors';

/** The path waiting for an answer (null: no question open). */
export const replaceAsk = $state<{ path: string | null }>({ path: null });
let answer: ((yes: boolean) => void) | null = null;

/** Ask whether `path` may be replaced. */
export function askReplace(path: string): Promise<boolean> {
  answer?.(false);
  replaceAsk.path = path;
  return new Promise((resolve) => (answer = resolve));
}

/** The user's answer (a second answer is ignored). */
export function answerReplace(yes: boolean): void {
  const a = answer;
  answer = null;
  replaceAsk.path = null;
  a?.(yes);
}

export interface SaveExport {
  /** The path typed in the screen's field ('' to choose one). */
  typed: string;
  /** The native save dialog (null: cancelled). */
  pick: () => Promise<string | null>;
  /** The export command. */
  write: (path: string, force: boolean) => Promise<unknown>;
  /** Ask before replacing (default: the app's dialog). */
  confirmReplace?: (path: string) => Promise<boolean>;
}

/** Save; the path saved to, or null when the user cancelled. */
export async function saveExport(o: SaveExport): Promise<string | null> {
  const typed = o.typed.trim();
  if (!typed) {
    const picked = await o.pick();
    if (!picked) return null;
    await o.write(picked, true);
    return picked;
  }
  try {
    await o.write(typed, false);
    return typed;
  } catch (e) {
    if (toDeskError(e).code !== 'conflict') throw e;
    if (!(await (o.confirmReplace ?? askReplace)(typed))) return null;
    await o.write(typed, true);
    return typed;
  }
}
