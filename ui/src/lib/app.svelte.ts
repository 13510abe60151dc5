// App-wide state shared by screens: who is signed in, and a one-line notice.
import type { SessionInfo } from './types';

export const app = $state<{ session: SessionInfo | null; notice: string | null }>({
  session: null,
  notice: null,
});

export function go(href: string): void {
  location.hash = href.replace(/^#/, '');
}
