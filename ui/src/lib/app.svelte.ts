// App-wide state shared by screens: who is signed in, and a one-line notice.
import type { SessionInfo } from './types';

export const app = $state<{ session: SessionInfo | null; notice: string | null; jobs: number }>({
  session: null,
  notice: null,
  /** Long jobs running (sync, bundle): the idle lock waits for them. */
  jobs: 0,
});

/** Run a long job, keeping the idle lock away while it runs. */
export async function asJob<T>(fn: () => Promise<T>): Promise<T> {
  app.jobs++;
  try {
    return await fn();
  } finally {
    app.jobs--;
  }
}

export function go(href: string): void {
  location.hash = href.replace(/^#/, '');
}
