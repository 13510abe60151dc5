// The member screen's Mentions tab and the search screen's "Search text"
// mode, with the backend module mocked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';

const api = vi.hoisted(() => ({
  mentions: vi.fn(),
  mentionsStale: vi.fn(),
  mentionsRebuild: vi.fn(),
  textSearch: vi.fn(),
  textIndexStatus: vi.fn(),
  textIndexSet: vi.fn(),
  search: vi.fn(),
}));
vi.mock('../lib/api', () => api);

import MentionsTab from './member/MentionsTab.svelte';
import Search from './Search.svelte';
import { app } from '../lib/app.svelte';

let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;
beforeEach(() => {
  target = document.body.appendChild(document.createElement('div'));
  app.session = { user: 'asha', role: 'dpo', vault: '/v', can: ['read_members', 'sync'], warnings: [] };
});
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target.remove();
  vi.clearAllMocks();
});

const tick = async () => {
  for (let i = 0; i < 8; i++) await Promise.resolve();
  flushSync();
};

function page(n: number) {
  const items = [
    {
      entity: 'posts', id: `p-${n}`, field: 'body', context: 'Crafts', at: '2026-01-01T10:00:00Z',
      author: { kind: 'member', member_id: 'm-2', username: 'Chatty' }, kinds: ['at_username'],
      snippet: [{ text: '<b>hi</b> ', mark: false }, { text: '@LittleMissCrafty', mark: true }],
    },
  ];
  return {
    site: 'netmums', member_id: 'm-1', total: 2, page: n, page_size: 1, authors: 1,
    by_kind: [{ kind: 'at_username', items: 2 }],
    by_author: [{ author: { kind: 'member', member_id: 'm-2', username: 'Chatty' }, items: 2 }],
    items,
  };
}

describe('Mentions tab', () => {
  it('shows counts, the snippet escaped with the mention marked, and pages', async () => {
    api.mentionsStale.mockResolvedValue(false);
    api.mentions.mockImplementation((_s: string, _m: string, p: number) => Promise.resolve(page(p)));
    cmp = mount(MentionsTab, { target, props: { site: 'netmums', memberId: 'm-1', pageSize: 1 } });
    await tick();
    expect(api.mentions).toHaveBeenCalledWith('netmums', 'm-1', 1, 1);
    expect(target.querySelector('[data-testid="mentions-summary"]')!.textContent).toContain('2 items by 1 author');
    expect(target.querySelector('[data-testid="mentions-by-kind"]')!.textContent).toContain('@username');
    expect(target.querySelector('[data-testid="mentions-by-author"]')!.textContent).toContain('Chatty');
    const snippet = target.querySelector('[data-testid="snippet"]')!;
    // Member text is text: no <b> element, the highlight is a <mark>.
    expect(snippet.querySelector('b')).toBeNull();
    expect(snippet.textContent).toContain('<b>hi</b>');
    expect(snippet.querySelector('mark')!.textContent).toBe('@LittleMissCrafty');
    const next = target.querySelector<HTMLButtonElement>('[data-testid="mentions-next"]')!;
    expect(next.disabled).toBe(false);
    next.click();
    await tick();
    expect(api.mentions).toHaveBeenLastCalledWith('netmums', 'm-1', 2, 1);
    expect(target.querySelector('[data-testid="mention"]')!.getAttribute('data-id')).toBe('p-2');
    expect(target.querySelector<HTMLButtonElement>('[data-testid="mentions-next"]')!.disabled).toBe(true);
  });

  it('offers to build a stale index, then shows the mentions', async () => {
    api.mentionsStale.mockResolvedValue(true);
    api.mentionsRebuild.mockImplementation(async (onProgress: (p: unknown) => void) => {
      onProgress({ stage: 'reading posts', total: 10, done: 5, rate: null });
      return 10;
    });
    api.mentions.mockResolvedValue(page(1));
    cmp = mount(MentionsTab, { target, props: { site: 'netmums', memberId: 'm-1' } });
    await tick();
    expect(target.querySelector('[data-testid="mentions-stale"]')).not.toBeNull();
    expect(api.mentions).not.toHaveBeenCalled();
    target.querySelector<HTMLButtonElement>('[data-testid="mentions-build"]')!.click();
    await tick();
    expect(api.mentionsRebuild).toHaveBeenCalled();
    expect(target.querySelector('[data-testid="mentions-stale"]')).toBeNull();
    expect(target.querySelectorAll('[data-testid="mention"]').length).toBe(1);
  });

  it('does not offer the build to a role that cannot sync', async () => {
    app.session = { user: 'x', role: 'staff', vault: '/v', can: ['read_members'], warnings: [] };
    api.mentionsStale.mockResolvedValue(true);
    cmp = mount(MentionsTab, { target, props: { site: 'netmums', memberId: 'm-1' } });
    await tick();
    expect(target.querySelector('[data-testid="mentions-build"]')).toBeNull();
  });
});

describe('Search text mode', () => {
  it('searches with optional dates, pages, and says what a scan did not read', async () => {
    api.textIndexStatus.mockResolvedValue([{ site: 'netmums', enabled: false, since: null, by: null }]);
    api.textSearch.mockImplementation((q: { page: number }) =>
      Promise.resolve({
        words: ['oakfield', 'primary'], page: q.page, page_size: 20, more: q.page === 1,
        items: [{ site: 'netmums', entity: 'posts', id: `p-${q.page}`, field: 'body', context: null, at: '2026-01-02T10:00:00Z',
          author: { kind: 'former_member', member_id: 'm-7', username: null },
          snippet: [{ text: 'at ', mark: false }, { text: 'Oakfield Primary', mark: true }] }],
        sites: [{ site: 'netmums', indexed: false, complete: false, rows_read: 50000 }],
      }),
    );
    cmp = mount(Search, { target, props: { initial: '' } });
    flushSync();
    target.querySelector<HTMLButtonElement>('[data-testid="mode-text"]')!.click();
    await tick();
    expect(target.querySelector('h1')!.textContent).toBe('Search text');
    const box = target.querySelector<HTMLInputElement>('[data-testid="text-box"]')!;
    const go = target.querySelector<HTMLButtonElement>('[data-testid="text-go"]')!;
    box.value = '!';
    box.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    expect(go.disabled).toBe(true);
    box.value = 'Oakfield Primary';
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const from = target.querySelector<HTMLInputElement>('[data-testid="text-from"]')!;
    from.value = '01/02/2026';
    from.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    expect(go.disabled).toBe(true);
    expect(target.textContent).toContain('YYYY-MM-DD');
    from.value = '2026-01-01';
    from.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    expect(go.disabled).toBe(false);
    go.click();
    await tick();
    expect(api.textSearch).toHaveBeenCalledWith({
      text: 'Oakfield Primary', site: null, from: '2026-01-01', to: null, page: 1, page_size: 20,
    });
    expect(target.querySelector('[data-testid="text-hit"] mark')!.textContent).toBe('Oakfield Primary');
    expect(target.querySelector('[data-testid="text-hit"]')!.textContent).toContain('a former member (m-7)');
    expect(target.querySelector('[data-testid="text-incomplete"]')!.textContent).toContain('newest 50,000 items');
    target.querySelector<HTMLButtonElement>('[data-testid="text-next"]')!.click();
    await tick();
    expect(api.textSearch).toHaveBeenLastCalledWith(expect.objectContaining({ page: 2 }));
    expect(target.querySelector<HTMLButtonElement>('[data-testid="text-next"]')!.disabled).toBe(true);
  });

  it('turns a site text index on with progress', async () => {
    api.textIndexStatus
      .mockResolvedValueOnce([{ site: 'netmums', enabled: false, since: null, by: null }])
      .mockResolvedValue([{ site: 'netmums', enabled: true, since: '2026-11-20T09:00:00Z', by: 'asha' }]);
    api.textIndexSet.mockResolvedValue(12);
    cmp = mount(Search, { target, props: { initial: '' } });
    flushSync();
    target.querySelector<HTMLButtonElement>('[data-testid="mode-text"]')!.click();
    await tick();
    const toggle = target.querySelector<HTMLButtonElement>('[data-testid="text-index-toggle"]')!;
    expect(toggle.textContent!.trim()).toBe('Turn on');
    toggle.click();
    await tick();
    expect(api.textIndexSet).toHaveBeenCalledWith('netmums', true, expect.any(Function));
    expect(target.querySelector('[data-testid="text-index-toggle"]')!.textContent!.trim()).toBe('Turn off');
  });
});
