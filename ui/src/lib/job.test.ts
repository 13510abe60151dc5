// A long job's state: progress while it runs, and how it ended.
import { describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({ cancelJob: vi.fn() }));
vi.mock('./api', () => api);

import { JobRun } from './job.svelte';
import { app } from './app.svelte';

describe('JobRun', () => {
  it('runs with progress, counts as a job while it runs, and ends clean', async () => {
    const job = new JobRun();
    let release!: () => void;
    const p = job.run(async (onProgress) => {
      onProgress({ stage: 'posts', done: 1, total: 2 } as never);
      await new Promise<void>((r) => (release = r));
    });
    await Promise.resolve();
    expect(job.running).toBe(true);
    expect(app.jobs).toBe(1);
    expect(job.progress).toEqual({ stage: 'posts', done: 1, total: 2 });
    release();
    await p;
    expect(job.running).toBe(false);
    expect(app.jobs).toBe(0);
    expect([job.cancelled, job.error]).toEqual([false, null]);
  });

  it('a cancelled job is not an error; a failed one is, and the next run starts clean', async () => {
    const job = new JobRun();
    await job.run(() => Promise.reject({ code: 'cancelled', message: 'cancelled', problems: [] }));
    expect([job.cancelled, job.error]).toEqual([true, null]);
    const failure = { code: 'busy', message: 'the vault is busy', problems: [] };
    await job.run(() => Promise.reject(failure));
    expect([job.cancelled, job.error]).toEqual([false, failure]);
    await job.run(async () => {});
    expect([job.cancelled, job.error, job.running]).toEqual([false, null, false]);
  });

  it('cancel asks the backend, and a refusal to cancel is shown', async () => {
    const job = new JobRun();
    const refused = { code: 'not_found', message: 'no job runs', problems: [] };
    api.cancelJob.mockRejectedValueOnce(refused);
    job.cancel();
    await Promise.resolve();
    await Promise.resolve();
    expect(api.cancelJob).toHaveBeenCalledTimes(1);
    expect(job.error).toEqual(refused);
  });
});
