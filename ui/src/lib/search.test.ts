import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSearcher, matchLabel, moveSelection } from './search';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('search as you type', () => {
  it('debounces: one request for a burst of typing', async () => {
    const run = vi.fn(async (q: string) => [q]);
    const onResults = vi.fn();
    const s = createSearcher({ run, onResults, delay: 150 });
    s.input('s');
    s.input('su');
    vi.advanceTimersByTime(100);
    s.input('sun');
    vi.advanceTimersByTime(149);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith('sun');
    await vi.runAllTimersAsync();
    expect(onResults).toHaveBeenCalledWith('sun', ['sun']);
  });

  it('discards a stale response that arrives after a newer one', async () => {
    const answers: Record<string, ReturnType<typeof deferred<string[]>>> = { su: deferred(), sun: deferred() };
    const onResults = vi.fn();
    const s = createSearcher({ run: (q) => answers[q].promise, onResults, delay: 150 });
    s.input('su');
    vi.advanceTimersByTime(150);
    s.input('sun');
    vi.advanceTimersByTime(150);
    answers.sun.resolve(['new']);
    await Promise.resolve();
    await Promise.resolve();
    answers.su.resolve(['old']);
    await Promise.resolve();
    await Promise.resolve();
    expect(onResults).toHaveBeenCalledTimes(1);
    expect(onResults).toHaveBeenCalledWith('sun', ['new']);
  });

  it('discards a stale error too, and reports a current one', async () => {
    const onError = vi.fn();
    const onResults = vi.fn();
    let n = 0;
    const s = createSearcher({ run: () => (n++ === 0 ? Promise.reject('old') : Promise.reject('new')), onResults, onError, delay: 10 });
    s.input('a');
    vi.advanceTimersByTime(10);
    s.input('ab');
    vi.advanceTimersByTime(10);
    await vi.runAllTimersAsync();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith('ab', 'new');
  });

  it('an empty box clears the results without a request', async () => {
    const run = vi.fn(async () => ['x']);
    const onResults = vi.fn();
    const s = createSearcher({ run, onResults, delay: 150 });
    s.input('   ');
    vi.advanceTimersByTime(150);
    expect(run).not.toHaveBeenCalled();
    expect(onResults).toHaveBeenCalledWith('   ', []);
  });

  it('flush runs at once (Enter before the debounce)', () => {
    const run = vi.fn(async () => []);
    const s = createSearcher({ run, onResults: () => {}, delay: 150 });
    s.input('abc');
    s.flush();
    expect(run).toHaveBeenCalledWith('abc');
    vi.advanceTimersByTime(500);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('keyboard selection', () => {
  it('moves and stays in range', () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
    expect(moveSelection(2, 1, 3)).toBe(2);
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
  it('labels matches', () => {
    expect(matchLabel('surname_approx')).toBe('surname (similar)');
    expect(matchLabel('email')).toBe('email');
  });
});
