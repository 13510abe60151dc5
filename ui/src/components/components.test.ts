import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount, flushSync, type Component } from 'svelte';
import ErrorBanner from './ErrorBanner.svelte';
import VerifyBadge from './VerifyBadge.svelte';
import ReplaceFile from './ReplaceFile.svelte';
import { askReplace } from '../lib/exportFile.svelte';

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
    const el = render(ErrorBanner, {
      error: { code: 'export_refused', message: 'x', problems: [{ file: 'a.jsonl', line: 1, field: 'email', message: 'bad' }], more_problems: 30 },
    });
    const banner = el.querySelector('[data-testid="error"]')!;
    expect(banner.getAttribute('data-code')).toBe('export_refused');
    expect(banner.textContent).toContain('Nothing was applied');
    expect(banner.textContent).toContain('a.jsonl:1: email: bad');
    expect(banner.textContent).toContain('… and 11 more.');
  });
  it('asks before an export replaces a file, naming it', async () => {
    const el = render(ReplaceFile, {});
    const answer = askReplace('/home/asha/audit.csv');
    flushSync();
    expect(el.querySelector('[data-testid="replace-file"]')!.textContent).toContain('/home/asha/audit.csv already exists');
    el.querySelector<HTMLButtonElement>('[data-testid="replace-confirm"]')!.click();
    await expect(answer).resolves.toBe(true);
    const again = askReplace('/home/asha/audit.csv');
    flushSync();
    el.querySelector<HTMLButtonElement>('[data-testid="replace-keep"]')!.click();
    await expect(again).resolves.toBe(false);
  });
  it('the verify badge names the failing entry', () => {
    const el = render(VerifyBadge, { v: { ok: false, entries: 3, head: 'abc', failure: { seq: 2, kind: 'changed', message: 'content changed' }, warnings: ['entries 1 to 2 predate signatures'], root_fingerprint: 'aaaa bbbb' } });
    expect(el.querySelector('[data-testid="root-fingerprint"]')!.textContent).toBe('aaaa bbbb');
    expect(el.querySelector('[data-testid="verify-note"]')!.textContent).toContain('predate signatures');
    const b = el.querySelector('[data-testid="verify-badge"]')!;
    expect(b.getAttribute('data-ok')).toBe('false');
    expect(b.textContent).toContain('entry 2');
    expect(el.querySelector('[data-testid="head-hash"]')!.textContent).toBe('abc');
  });
});
