// State of the sync screen that outlives the screen (a sync keeps running
// in the backend when the user looks at another screen).
import type { DeskError } from './errors';
import type { Progress, SyncReport } from './types';

export const sync = $state<{
  path: string;
  running: boolean;
  cancelling: boolean;
  cancelled: boolean;
  progress: Progress | null;
  report: SyncReport | null;
  problems: DeskError | null;
  error: DeskError | null;
}>({ path: '', running: false, cancelling: false, cancelled: false, progress: null, report: null, problems: null, error: null });
