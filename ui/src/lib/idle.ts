// Idle tracking: user input calls `activity()`; `touch` goes to the backend at
// most once per `touchEvery`; after `idleAfter` without input, `onIdle` fires.
import { IDLE_LOCK_SECONDS } from './generated';

export interface IdleOptions {
  idleAfter: number; // ms
  touchEvery: number; // ms
  touch: () => void;
  onIdle: () => void;
  now?: () => number;
}

export function createIdleTracker(o: IdleOptions) {
  const now = o.now ?? (() => Date.now());
  let lastTouch = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  function arm() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) o.onIdle();
    }, o.idleAfter);
  }

  function activity() {
    if (stopped) return;
    arm();
    const t = now();
    if (t - lastTouch >= o.touchEvery) {
      lastTouch = t;
      o.touch();
    }
  }

  arm();
  return {
    activity,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** The backend's idle lock (core's `contract::IDLE_LOCK`, generated). */
export const IDLE_MS = IDLE_LOCK_SECONDS * 1000;
export const TOUCH_MS = 60 * 1000;
