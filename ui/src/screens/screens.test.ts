// Screen-level checks with the backend module mocked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';

const api = vi.hoisted(() => ({
  search: vi.fn(),
  home: vi.fn(),
  disclosureRecord: vi.fn(),
  disclosureShow: vi.fn(),
  conflictsPage: vi.fn(),
  conflictsCheck: vi.fn(),
  cancelJob: vi.fn(),
  holdList: vi.fn(),
  searchReindex: vi.fn(),
  auditList: vi.fn(),
  auditVerify: vi.fn(),
  vaultCheck: vi.fn(),
  pickSave: vi.fn(),
  auditExportCsv: vi.fn(),
}));
vi.mock('../lib/api', () => api);

import Search from './Search.svelte';
import DisclosureForm from './DisclosureForm.svelte';
import Conflicts from './Conflicts.svelte';
import Home from './Home.svelte';
import Audit from './Audit.svelte';
import { app } from '../lib/app.svelte';

let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;
beforeEach(() => {
  target = document.body.appendChild(document.createElement('div'));
  app.session = { user: 'asha', role: 'dpo', vault: '/v', can: ['read_members', 'record_disclosure', 'hold'], warnings: [] };
});
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target.remove();
  vi.useRealTimers();
  vi.clearAllMocks();
});

const tick = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('Search screen', () => {
  it('searches as you type, keeps the newest answer, and opens with the keyboard', async () => {
    vi.useFakeTimers();
    let resolveOld!: (v: unknown) => void;
    api.search.mockImplementation((q: string) =>
      q === 'su'
        ? new Promise((r) => (resolveOld = r))
        : Promise.resolve([
            { site: 'netmums', member_id: 'm-1', username: 'sunny', email: 's@x', status: 'active', matched: ['email'], deleted_in_production: false },
            { site: 'netmums', member_id: 'm-2', username: 'sunflower', email: 'f@x', status: 'active', matched: ['username_prefix'], deleted_in_production: false },
          ]),
    );
    cmp = mount(Search, { target, props: { initial: '' } });
    flushSync();
    const box = target.querySelector<HTMLInputElement>('[data-testid="search-box"]')!;
    type(box, 'su');
    vi.advanceTimersByTime(150);
    type(box, 'sun');
    vi.advanceTimersByTime(150);
    await tick();
    resolveOld([{ site: 'old', member_id: 'zzz', username: 'stale', email: null, status: 'active', matched: [], deleted_in_production: false }]);
    await tick();
    const rows = [...target.querySelectorAll<HTMLElement>('[data-testid="search-result"]')];
    expect(rows.map((r) => r.dataset.memberId)).toEqual(['m-1', 'm-2']);
    expect(rows[0].textContent).toContain('email');
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    flushSync();
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(location.hash).toBe('#/member/netmums/m-2');
  });
});

describe('Disclosure form', () => {
  it('shows inline problems on submit without calling the backend', async () => {
    api.home.mockResolvedValue({ sites: [{ site: 'netmums' }] });
    cmp = mount(DisclosureForm, { target, props: {} });
    await tick();
    target.querySelector<HTMLButtonElement>('[data-testid="disclosure-submit"]')!.click();
    flushSync();
    expect(api.disclosureRecord).not.toHaveBeenCalled();
    expect(target.querySelectorAll('.field-error').length).toBeGreaterThan(5);
    expect(target.querySelector('[data-testid="error"]')).not.toBeNull();
  });

  it("puts core's problems next to the field they name", async () => {
    api.home.mockResolvedValue({ sites: [{ site: 'netmums' }] });
    api.disclosureRecord.mockRejectedValue({
      code: 'invalid',
      message: 'the disclosure was not recorded (1 problem(s))',
      problems: [{ file: null, line: null, field: 'member_ids[0]', message: 'not a member of this site in the latest export' }],
      more_problems: 0,
    });
    cmp = mount(DisclosureForm, { target, props: { site: 'netmums', memberId: 'm-9' } });
    await tick();
    const q = (k: string) => target.querySelector<HTMLInputElement>(`[data-testid="disclosure-field-${k}"]`)!;
    type(q('disclosed_at'), '2026-01-02T10:00');
    type(q('recipient.organisation'), 'Police');
    const basis = target.querySelector<HTMLSelectElement>('[data-testid="disclosure-field-lawful_basis"]')!;
    basis.value = 'court_order';
    basis.dispatchEvent(new Event('change', { bubbles: true }));
    type(q('data_categories'), 'identity');
    type(q('items_disclosed'), 'email');
    type(q('necessity_and_proportionality'), 'court order');
    type(q('authorised_by'), 'DPO');
    const informed = target.querySelector<HTMLSelectElement>('[data-testid="disclosure-field-member_informed"]')!;
    informed.value = 'true';
    informed.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    target.querySelector<HTMLButtonElement>('[data-testid="disclosure-submit"]')!.click();
    await tick();
    expect(api.disclosureRecord).toHaveBeenCalledTimes(1);
    const input = api.disclosureRecord.mock.calls[0][0];
    expect(input).toMatchObject({ site: 'netmums', member_ids: ['m-9'], lawful_basis: 'court_order', member_informed: true });
    const membersField = q('member_ids').closest('.field')!;
    expect(membersField.querySelector('.field-error')?.textContent).toContain('not a member of this site');
  });
});

describe('Conflicts screen', () => {
  const conflict = (i: number) => ({
    kind: 'weak_consent_proof', site: 'netmums', member_id: `m-${i}`, description: `event ce-${i} has no evidence`,
    rows: [], events: [`ce-${i}`], at: '2024-01-01T00:00:00Z',
  });
  const check = {
    checked_at: '2026-11-23T09:00:00Z', checked_by: 'asha', total: 250, stale: false,
    counts: [{ site: 'netmums', kind: 'weak_consent_proof', count: 250 }],
  };

  it('offers the check when none has run, runs it, then lists the stored result page by page', async () => {
    let checked = false;
    api.conflictsPage.mockImplementation(async (f: { offset: number; limit: number }) =>
      checked
        ? { check, total: 250, offset: f.offset, items: Array.from({ length: Math.min(f.limit, 250 - f.offset) }, (_, i) => conflict(f.offset + i)) }
        : { check: null, total: 0, offset: 0, items: [] },
    );
    api.conflictsCheck.mockImplementation(async (onProgress: (p: unknown) => void) => {
      onProgress({ stage: 'checking consent proof (5 of 5)', total: null, done: 10, rate: null });
      checked = true;
      return check;
    });
    cmp = mount(Conflicts, { target, props: {} });
    await tick();
    expect(target.querySelector('[data-testid="conflicts-checked"]')!.textContent).toContain('No check has been run');
    expect(target.querySelector('[data-testid="conflicts-table"]')).toBeNull();
    const button = target.querySelector<HTMLButtonElement>('[data-testid="conflicts-check"]')!;
    expect(button.textContent).toContain('Check every member');
    button.click();
    await tick();
    await tick();
    expect(api.conflictsCheck).toHaveBeenCalledOnce();
    expect(target.querySelector('[data-testid="conflicts-checked"]')!.textContent).toContain('250');
    expect(target.querySelectorAll('[data-testid="conflicts-table"] tbody tr').length).toBe(100);
    expect(target.textContent).toContain('1–100 of 250');
    [...target.querySelectorAll<HTMLButtonElement>('.pager button')].find((b) => b.textContent === 'Next')!.click();
    await tick();
    expect(api.conflictsPage).toHaveBeenLastCalledWith({ site: null, kind: null, offset: 100, limit: 100 });
    expect(target.textContent).toContain('101–200 of 250');
  });

  it('says when the stored check is older than the last sync', async () => {
    api.conflictsPage.mockResolvedValue({ check: { ...check, stale: true }, total: 1, offset: 0, items: [conflict(1)] });
    cmp = mount(Conflicts, { target, props: {} });
    await tick();
    expect(target.textContent).toContain('An export has been synced since this check');
    expect(target.querySelector('[data-testid="conflicts-check"]')!.textContent).toContain('Check again');
  });
});

describe('Home: the search index banner', () => {
  const home = (stale: boolean) => ({
    sites: [{ site: 'netmums', sequence: 3, kind: 'full', generated_at: '2026-11-22T02:00:00Z', synced_at: '2026-11-22T07:00:00Z', rows: 1000 }],
    requests_due_this_week: [], requests_overdue: [], disclosures_this_month: 0,
    open_conflicts: null, conflicts_checked_at: null, conflicts_stale: false,
    search_index_stale: stale, held_members: 0,
  });
  const banner = () => target.querySelector('[data-testid="reindex-banner"]');
  const rebuild = () => target.querySelector<HTMLButtonElement>('[data-testid="reindex-rebuild"]');

  it('asks a dpo to rebuild a stale index, shows the progress, then says search works again', async () => {
    app.session = { user: 'asha', role: 'dpo', vault: '/v', can: ['read_members', 'sync'], warnings: [] };
    api.home.mockResolvedValue(home(true));
    let finish!: (terms: number) => void;
    api.searchReindex.mockImplementation((onProgress: (p: unknown) => void) => {
      onProgress({ stage: 'indexing posts', total: null, done: 0, rate: null });
      return new Promise((r) => (finish = r));
    });
    cmp = mount(Home, { target, props: {} });
    await tick();
    expect(banner()!.textContent).toContain('Search is off until its index is rebuilt');
    rebuild()!.click();
    await tick();
    expect(api.searchReindex).toHaveBeenCalledTimes(1);
    expect(rebuild()!.disabled).toBe(true);
    expect(target.querySelector('[data-testid="reindex-progress"]')!.textContent).toContain('Indexing posts');
    finish(120_345);
    await tick();
    expect(banner()).toBeNull();
    expect(target.querySelector('[data-testid="reindex-done"]')!.textContent).toContain('120,345 terms indexed');
  });

  it('can be cancelled, keeping the old index and the banner', async () => {
    app.session = { user: 'ben', role: 'staff', vault: '/v', can: ['read_members', 'sync'], warnings: [] };
    api.home.mockResolvedValue(home(true));
    api.searchReindex.mockRejectedValue({ code: 'cancelled', message: 'cancelled', problems: [], more_problems: 0 });
    api.cancelJob.mockResolvedValue(null);
    cmp = mount(Home, { target, props: {} });
    await tick();
    rebuild()!.click();
    await tick();
    expect(target.querySelector('[data-testid="reindex-cancelled"]')).not.toBeNull();
    expect(banner()).not.toBeNull();
    expect(rebuild()!.disabled).toBe(false);
    expect(target.querySelector('[data-testid="error"]')).toBeNull();
  });

  it('is not shown when the index is current, nor to a role that cannot search', async () => {
    app.session = { user: 'asha', role: 'dpo', vault: '/v', can: ['read_members', 'sync'], warnings: [] };
    api.home.mockResolvedValue(home(false));
    cmp = mount(Home, { target, props: {} });
    await tick();
    expect(target.querySelector('[data-testid="home"]')).not.toBeNull();
    expect(banner()).toBeNull();
    unmount(cmp);
    app.session = { user: 'carol', role: 'auditor', vault: '/v', can: ['read_status'], warnings: [] };
    api.home.mockResolvedValue(home(true));
    cmp = mount(Home, { target, props: {} });
    await tick();
    expect(banner()).toBeNull();
    expect(api.searchReindex).not.toHaveBeenCalled();
  });
});

describe('Audit screen: checks against what was kept, and for damage', () => {
  const head = 'ab'.repeat(32);
  const ok = { ok: true, entries: 4, head, failure: null, warnings: [], root_fingerprint: 'cd'.repeat(32) };
  beforeEach(() => {
    api.auditList.mockResolvedValue([]);
    api.auditVerify.mockResolvedValue(ok);
  });

  it('verifies against a kept head and root, and shows a refusal of what was typed', async () => {
    cmp = mount(Audit, { target });
    await tick();
    expect(api.auditVerify).toHaveBeenCalledWith();
    type(target.querySelector<HTMLInputElement>('#kept-head')!, `  ${head} `);
    type(target.querySelector<HTMLInputElement>('#kept-root')!, 'ef'.repeat(32));
    api.auditVerify.mockResolvedValueOnce({ ...ok, ok: false, failure: { seq: 0, kind: 'not_authorised', message: 'the root key is not the one whose fingerprint was kept' } });
    target.querySelector<HTMLFormElement>('form.kept')!.dispatchEvent(new SubmitEvent('submit', { cancelable: true }));
    await tick();
    expect(api.auditVerify).toHaveBeenLastCalledWith(head, 'ef'.repeat(32));
    const badge = target.querySelector<HTMLElement>('[data-testid="verify-badge"]')!;
    expect(badge.dataset.ok).toBe('false');
    expect(badge.textContent).toContain('not the one whose fingerprint was kept');

    api.auditVerify.mockRejectedValueOnce({ code: 'invalid', message: 'a head is 64 hexadecimal digits (as verify shows it)', problems: [], more_problems: 0 });
    type(target.querySelector<HTMLInputElement>('#kept-head')!, 'abc');
    target.querySelector<HTMLFormElement>('form.kept')!.dispatchEvent(new SubmitEvent('submit', { cancelable: true }));
    await tick();
    expect(target.textContent).toContain('A head is 64 hexadecimal digits');
  });

  it('runs the vault check and names the damaged pages', async () => {
    api.vaultCheck.mockResolvedValue({
      ok: false,
      files: [
        { file: 'logs.db', checked: true, failing_pages: [], problems: [], ok: true },
        { file: 'vault.db', checked: true, failing_pages: [3, 17], problems: ['*** in database main ***'], ok: false },
      ],
    });
    cmp = mount(Audit, { target });
    await tick();
    target.querySelector<HTMLButtonElement>('[data-testid="vault-check"]')!.click();
    await tick();
    const result = target.querySelector<HTMLElement>('[data-testid="vault-check-result"]')!;
    expect(result.textContent).toContain('Damage found');
    const items = [...target.querySelectorAll('.file-checks li')].map((li) => li.textContent ?? '');
    expect(items[0]).toContain('sound');
    expect(items[1]).toContain('pages 3, 17 fail their check');
  });
});
