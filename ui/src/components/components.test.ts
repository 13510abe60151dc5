import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount, flushSync, type Component } from 'svelte';
import ErrorBanner from './ErrorBanner.svelte';
import VerifyBadge from './VerifyBadge.svelte';

let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target?.remove();
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function render<P extends Record<string, any>>(C: Component<P>, props: P) {
  target = document.body.appendChild(document.createElement('div'));
  cmp = mount(C, { target, props });
  flushSync();
  return target;
}

describe('components', () => {
  it('the error banner shows plain words and the problems, with data-testid="error"', () => {
    const el = render(ErrorBanner, { error: { code: 'refused', message: 'x', problems: ['a.jsonl:1: email: bad'] } });
    const banner = el.querySelector('[data-testid="error"]')!;
    expect(banner.textContent).toContain('Nothing was applied');
    expect(banner.textContent).toContain('a.jsonl:1: email: bad');
  });
  it('the verify badge names the failing entry', () => {
    const el = render(VerifyBadge, { v: { ok: false, entries: 3, head: 'abc', failure: { seq: 2, kind: 'changed', message: 'content changed' } } });
    const b = el.querySelector('[data-testid="verify-badge"]')!;
    expect(b.getAttribute('data-ok')).toBe('false');
    expect(b.textContent).toContain('entry 2');
    expect(el.querySelector('[data-testid="head-hash"]')!.textContent).toBe('abc');
  });
});
