// The busy answer: tried again by itself with backoff while a quiet banner
// says what it waits for; the error shows only after giving up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import * as api from './api';
import { vaultWait } from './vaultWait.svelte';
import VaultWaiting from '../components/VaultWaiting.svelte';
import type { ErrorBody } from './generated';

const BUSY: ErrorBody = {
  code: 'busy',
  message: 'the vault is busy: a sync by asha since 02:00; try again',
  problems: [],
  more_problems: 0,
};

/** A backend whose `status` answers busy `times` times, then a status. */
function busyBackend(times: number) {
  const invoke = vi.fn(async (cmd: string) => {
    if (cmd === 'status' && invoke.mock.calls.filter((c) => c[0] === 'status').length <= times) throw BUSY;
    return { sites: [] };
  });
  api.useBackend({ invoke: invoke as never, channel: (fn) => fn });
  return invoke;
}

let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  vi.useFakeTimers();
  target = document.body.appendChild(document.createElement('div'));
  cmp = mount(VaultWaiting, { target });
  flushSync();
});
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target.remove();
  api.useBackend(null);
  vi.useRealTimers();
});

const banner = () => {
  flushSync();
  return target.querySelector('[data-testid="vault-waiting"]');
};

describe('a busy vault', () => {
  it('is waited for with a banner, then the answer comes as if nothing happened', async () => {
    const invoke = busyBackend(3);
    const answer = api.status();
    await vi.advanceTimersByTimeAsync(0);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(banner()?.getAttribute('role')).toBe('status');
    expect(banner()?.textContent).toContain('Waiting for the vault: the vault is busy: a sync by asha since 02:00');
    // Backoff: 0.5 s, then 1 s, then 2 s.
    await vi.advanceTimersByTimeAsync(499);
    expect(invoke).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(invoke).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(invoke).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(invoke).toHaveBeenCalledTimes(4);
    await expect(answer).resolves.toEqual({ sites: [] });
    expect(vaultWait.message).toBeNull();
    expect(banner()).toBeNull();
  });

  it('is given up after about two minutes, and then the error shows as usual', async () => {
    const start = Date.now();
    const at: number[] = [];
    const invoke = vi.fn(async () => {
      at.push(Date.now() - start);
      throw BUSY;
    });
    api.useBackend({ invoke: invoke as never, channel: (fn) => fn });
    const seen = api.status().catch((e) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(banner()).not.toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await seen).toEqual(BUSY);
    // 0.5 s, 1 s, 2 s, 4 s, then every 5 s; no try after two minutes.
    const gaps = at.slice(1).map((t, k) => t - at[k]);
    expect(gaps.slice(0, 5)).toEqual([500, 1000, 2000, 4000, 5000]);
    expect(gaps.every((g) => g <= 5000)).toBe(true);
    expect(at[at.length - 1]).toBe(117_500);
    expect(at).toHaveLength(27);
    expect(banner()).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the banner stays while any command still waits', async () => {
    let free = false;
    const invoke = vi.fn(async (cmd: string) => {
      if (cmd === 'home' && !free) throw BUSY;
      if (cmd === 'status' && invoke.mock.calls.filter((c) => c[0] === 'status').length <= 1) throw BUSY;
      return cmd;
    });
    api.useBackend({ invoke: invoke as never, channel: (fn) => fn });
    const a = api.status();
    const b = api.home();
    await vi.advanceTimersByTimeAsync(600);
    await expect(a).resolves.toBe('status');
    expect(banner()).not.toBeNull();
    free = true;
    await vi.advanceTimersByTimeAsync(5000);
    await expect(b).resolves.toBe('home');
    expect(banner()).toBeNull();
  });

  it('other errors are not tried again; locked still signs out', async () => {
    const locked = vi.fn();
    api.setLockedHandler(locked);
    const invoke = vi.fn(async () => {
      throw { code: 'locked', message: 'the desk is locked: sign in again', problems: [], more_problems: 0 };
    });
    api.useBackend({ invoke: invoke as never, channel: (fn) => fn });
    await expect(api.home()).rejects.toMatchObject({ code: 'locked' });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(locked).toHaveBeenCalledTimes(1);
    expect(banner()).toBeNull();
    api.setLockedHandler(null);
  });
});
