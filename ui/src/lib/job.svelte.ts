// One long job a screen starts (a draft, a release, a bundle, rebuilding
// the search index): whether it runs, its progress, and how it ended —
// cancelled by the user (not an error) or failed.
import * as api from './api';
import { asJob } from './app.svelte';
import { toDeskError } from './errors';
import type { Progress } from './types';

export class JobRun {
  running = $state(false);
  progress = $state<Progress | null>(null);
  cancelled = $state(false);
  error = $state<unknown>(null);

  /** Run `fn`, given the progress callback, as a job (the idle lock waits
   *  for it). Whatever `fn` does after the backend's answer is part of the
   *  job: `running` stays true until it is done. */
  async run(fn: (onProgress: (p: Progress) => void) => Promise<void>): Promise<void> {
    this.running = true;
    this.cancelled = false;
    this.error = null;
    this.progress = null;
    try {
      await asJob(() => fn((p) => (this.progress = p)));
    } catch (e) {
      if (toDeskError(e).code === 'cancelled') this.cancelled = true;
      else this.error = e;
    } finally {
      this.running = false;
    }
  }

  /** Ask the backend to cancel the running job. */
  cancel(): void {
    api.cancelJob().catch((e) => (this.error = e));
  }
}
