import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleTracker } from './idle';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('idle tracker', () => {
  it('touches at most once a minute and locks after 15 idle minutes', () => {
    let now = 0;
    const touch = vi.fn();
    const onIdle = vi.fn();
    const t = createIdleTracker({ idleAfter: 15 * 60_000, touchEvery: 60_000, touch, onIdle, now: () => now });
    t.activity();
    now = 30_000;
    t.activity();
    expect(touch).toHaveBeenCalledTimes(1);
    now = 61_000;
    t.activity();
    expect(touch).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(15 * 60_000 - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
  it('stops cleanly', () => {
    const onIdle = vi.fn();
    const t = createIdleTracker({ idleAfter: 1000, touchEvery: 1, touch: () => {}, onIdle });
    t.stop();
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
