// Idle tracking: user input calls `activity()`; `touch` goes to the backend at
// most once per `touchEvery`; after `idleAfter` without input, `onIdle` fires.

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

export const IDLE_MS = 15 * 60 * 1000;
export const TOUCH_MS = 60 * 1000;
