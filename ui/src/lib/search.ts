// Search as you type: debounce, and never let an older response overwrite a
// newer one. Framework-free so it can be unit-tested with fake timers.

export interface Searcher<R> {
  /** The query changed. */
  input(query: string): void;
  /** Run now (Enter before the debounce fired). */
  flush(): void;
  dispose(): void;
}

export interface SearcherOptions<R> {
  run: (query: string) => Promise<R[]>;
  onResults: (query: string, results: R[]) => void;
  onError?: (query: string, error: unknown) => void;
  onBusy?: (busy: boolean) => void;
  delay?: number;
  minLength?: number;
}

export function createSearcher<R>(opts: SearcherOptions<R>): Searcher<R> {
  const delay = opts.delay ?? 150;
  const minLength = opts.minLength ?? 1;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: string | null = null;
  let issued = 0; // id of the latest request sent
  let disposed = false;

  function fire() {
    timer = null;
    if (pending === null) return;
    const q = pending;
    pending = null;
    const id = ++issued;
    if (q.trim().length < minLength) {
      opts.onBusy?.(false);
      opts.onResults(q, []);
      return;
    }
    opts.onBusy?.(true);
    opts.run(q.trim()).then(
      (r) => {
        if (disposed || id !== issued) return; // stale
        opts.onBusy?.(false);
        opts.onResults(q, r);
      },
      (e) => {
        if (disposed || id !== issued) return;
        opts.onBusy?.(false);
        opts.onError?.(q, e);
      },
    );
  }

  return {
    input(query: string) {
      pending = query;
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, delay);
    },
    flush() {
      if (timer) clearTimeout(timer);
      fire();
    },
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Keep a list selection in range when moving with ↑/↓. */
export function moveSelection(current: number, delta: number, length: number): number {
  if (length === 0) return -1;
  if (current < 0) return delta > 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, current + delta));
}

/** Plain words for what matched (`surname_approx` → "surname (similar)"). */
export function matchLabel(m: string): string {
  const approx = m.endsWith('_approx');
  const prefix = m.endsWith('_prefix');
  const base = m.replace(/_(approx|prefix)$/, '').replace(/_/g, ' ');
  return approx ? `${base} (similar)` : prefix ? `${base} (starts with)` : base;
}

/** Returns a debounced function (trailing). */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): ((...a: A) => void) & { cancel(): void } {
  let t: ReturnType<typeof setTimeout> | null = null;
  const d = (...a: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => {
      t = null;
      fn(...a);
    }, ms);
  };
  d.cancel = () => {
    if (t) clearTimeout(t);
    t = null;
  };
  return d;
}
