// The review screen, mounted against the mock review backend: keys,
// highlights (emoji before them), paging, filters, blockers, the buttons
// each role gets, the forms and their errors, the release.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { useBackend, type Backend } from '../../lib/api';
import { app } from '../../lib/app.svelte';
import { ROLE_CAN, type Role } from '../../lib/generated';
import { createReviewMock, type ReviewMockOptions, type Who } from '../../lib/mockReview';
import Review from '../Review.svelte';

const REF = 'SAR-2026-0007';
let target: HTMLElement;
let cmp: ReturnType<typeof mount> | null = null;
let me: Who;

function start(opts: ReviewMockOptions = {}, who: Who = { user: 'asha', role: 'dpo' }, item?: number) {
  const mock = createReviewMock(opts);
  me = { ...who };
  const b: Backend = {
    async invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
      const r = await mock.handle(cmd, args ?? {}, me);
      if (r) return r.value as T;
      if (cmd === 'pick_save') return '/tmp/x.zip' as T;
      throw { code: 'usage', message: `${cmd} is not mocked`, problems: [], more_problems: 0 };
    },
    channel: <T>(fn: (m: T) => void) => fn,
  };
  useBackend(b);
  setRole(who.user, who.role);
  cmp = mount(Review, { target, props: { reference: REF, item } });
  return mock;
}

function setRole(user: string, role: Role) {
  app.session = { user, role, vault: '/v', can: [...ROLE_CAN[role]], warnings: [] };
}

beforeEach(() => {
  target = document.body.appendChild(document.createElement('div'));
});
afterEach(() => {
  if (cmp) unmount(cmp);
  cmp = null;
  target.remove();
  useBackend(null);
  app.session = null;
});

async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
  }
}
const $ = <T extends Element = HTMLElement>(sel: string) => target.querySelector<T>(sel);
const $$ = <T extends Element = HTMLElement>(sel: string) => [...target.querySelectorAll<T>(sel)];
const tid = (id: string) => $(`[data-testid="${id}"]`);
const shownN = () => Number(tid('review-item')!.dataset.n);
function key(k: string, on: Element = document.body) {
  on.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
}
function type(el: HTMLInputElement | HTMLTextAreaElement, v: string) {
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('Review screen', () => {
  it('shows the request, the state, the progress, the blockers and the steps a dpo may take', async () => {
    start();
    await settle();
    expect(tid('review-ref')!.textContent).toBe(REF);
    expect(tid('review-state')!.dataset.state).toBe('draft');
    expect(tid('review-progress')!.textContent).toBe('5 of 263 items reviewed');
    const blockers = tid('review-blockers')!.textContent!;
    expect(blockers).toContain('decide each third party (or each proposal)');
    expect(blockers).toContain('disclosure log');
    expect((tid('review-submit') as HTMLButtonElement).disabled).toBe(true);
    expect((tid('review-approve') as HTMLButtonElement).disabled).toBe(true); // "Submit and approve", no four eyes
    expect(tid('review-withdraw')).not.toBeNull();
    expect(tid('review-reopen')).toBeNull();
    expect(tid('review-release-open')).toBeNull();
    expect(tid('review-items-page')!.textContent).toBe('1–100 of 263');
  });

  it('moves with j/k and the arrows, pages the list, and leaves keys typed in a field alone', async () => {
    start();
    await settle();
    expect(shownN()).toBe(0);
    key('j');
    await settle();
    expect(shownN()).toBe(1);
    key('ArrowDown');
    await settle();
    expect(shownN()).toBe(2);
    key('k');
    await settle();
    expect(shownN()).toBe(1);
    expect($$('[data-testid="review-item-row"][aria-current="true"]').map((e) => e.dataset.n)).toEqual(['1']);
    // A key typed in a text box is typing (here the bulk decision's reason).
    key('j', $('#bulk-reason')!);
    key('r', $('#bulk-reason')!);
    await settle();
    expect(shownN()).toBe(1);
    expect(tid('review-announce')!.textContent).toBe('');
    // The pager.
    const next = [...target.querySelectorAll<HTMLButtonElement>('.items-pane .pager button')].find((b) => b.textContent === 'Next')!;
    next.click();
    await settle();
    expect(tid('review-items-page')!.textContent).toBe('101–200 of 263');
    expect(shownN()).toBe(100);
  });

  it('highlights proposals at code-point offsets, emoji before them, and draws the text unchanged', async () => {
    start({}, undefined, 4);
    await settle();
    expect(shownN()).toBe(4);
    const body = $$('[data-testid="review-text"]').find((e) => e.dataset.path === '/body')!;
    expect(body.textContent).toBe('🎉🎉 Congratulations to sunflower_jo on the new baby! 👶 Text Jo on 07700 900123 if you want to send something.');
    expect([...body.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['sunflower_jo', '07700 900123']);
    // Member A has consented and is disclosed; the phone is redacted (the mock's decisions).
    const [a, phone] = [...body.querySelectorAll('mark')];
    expect(a.className).toContain('m-disclose');
    expect(phone.className).toContain('m-redact');
    expect(a.dataset.label).toBe('Member A');
  });

  it('redacts with r, says so, and undoes with u', async () => {
    start({}, undefined, 5);
    await settle();
    const first = () => $$('[data-testid="review-proposal"]')[0].dataset.state;
    const undecided = $$('[data-testid="review-proposal"]').filter((e) => e.dataset.state === 'undecided').length;
    expect(undecided).toBeGreaterThan(0);
    expect(first()).toBe('undecided');
    key('r');
    await settle();
    expect(first()).toBe('redact');
    expect(tid('review-announce')!.textContent).toContain('redacted in every item');
    key('u');
    await settle();
    expect(first()).toBe('undecided');
    expect(tid('review-announce')!.textContent).toContain('Undone');
  });

  it('d asks for the three-step test when the record does not settle the ground, and the form records it', async () => {
    start({}, undefined, 5);
    await settle();
    key('d');
    await settle();
    const form = tid('party-form')!;
    expect(document.activeElement).toBe(tid('ts-also-yes'));
    expect(tid('review-announce')!.textContent).toContain('record the three-step test');
    // Consent given, then disclose on it.
    const consent = form.querySelector<HTMLSelectElement>('[data-testid="ts-consent"]')!;
    consent.value = 'given';
    consent.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    const ground = form.querySelector<HTMLSelectElement>('[data-testid="party-ground"]')!;
    ground.value = 'consented';
    ground.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    (tid('party-disclose') as HTMLButtonElement).click();
    await settle();
    expect(tid('party-decision')!.textContent).toBe('Disclose (they consented)');
    expect(tid('party-form')!.textContent).toContain('Recorded by asha');
  });

  it('selecting another third party starts the form again from their record, in the same form', async () => {
    start({}, undefined, 5);
    await settle();
    const rows = $$<HTMLButtonElement>('[data-testid="party-row"]');
    expect(rows.length).toBeGreaterThan(1);
    rows[0].click();
    await settle();
    const form = tid('party-form')!;
    expect(form.dataset.party).toBe(rows[0].dataset.party);
    const note = () => tid('ts-note') as HTMLTextAreaElement;
    const consent = () => tid('ts-consent') as HTMLSelectElement;
    const recordA = [note().value, consent().value];
    type(note(), 'Unsaved factors for the first party');
    consent().value = recordA[1] === 'refused' ? 'given' : 'refused';
    consent().dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    rows[1].click();
    await settle();
    // The same element, now the second party's, with their own record.
    expect(tid('party-form')).toBe(form);
    expect(form.dataset.party).toBe(rows[1].dataset.party);
    expect(tid('party-title')?.textContent ?? form.querySelector('h3')!.textContent).toContain(rows[1].querySelector('.label')!.textContent!);
    expect(note().value).not.toBe('Unsaved factors for the first party');
    // And back: the first party's record, not the unsaved answers.
    rows[0].click();
    await settle();
    expect(form.dataset.party).toBe(rows[0].dataset.party);
    expect([note().value, consent().value]).toEqual(recordA);
  });

  it('marks a field’s problem from the core and shows the error', async () => {
    start({}, undefined, 5);
    await settle();
    type(tid('party-reason') as HTMLInputElement, '');
    flushSync();
    (tid('party-redact') as HTMLButtonElement).click();
    await settle();
    expect($('#party-reason-error')!.textContent).toBe('required');
    expect(tid('party-reason')!.getAttribute('aria-invalid')).toBe('true');
    expect(tid('error')!.dataset.code).toBe('invalid');
  });

  it('turns a mouse selection into a span redaction', async () => {
    start({}, undefined, 4);
    await settle();
    const body = $$('[data-testid="review-text"]').find((e) => e.dataset.path === '/body')!;
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    let text: Node | null = null;
    while (walker.nextNode()) if (walker.currentNode.textContent!.includes('Congratulations')) text = walker.currentNode;
    expect(text!.textContent).toBe('🎉🎉 Congratulations to ');
    const r = document.createRange();
    r.setStart(text!, '🎉🎉 '.length);
    r.setEnd(text!, '🎉🎉 Congratulations'.length);
    const sel = document.getSelection()!;
    sel.removeAllRanges();
    sel.addRange(r);
    document.dispatchEvent(new Event('selectionchange'));
    await settle();
    expect(tid('review-selection')!.textContent).toContain('Congratulations');
    (tid('review-span-redact') as HTMLButtonElement).click();
    await settle();
    const spans = [...body.querySelectorAll('mark.m-span')].map((m) => m.textContent);
    expect(spans).toEqual(['Congratulations']);
    expect(tid('review-selection')).toBeNull();
  });

  it('filters the list to undecided items and to one third party', async () => {
    start();
    await settle();
    const box = tid('review-filter-undecided') as HTMLInputElement;
    box.checked = true;
    box.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    const rows = $$('[data-testid="review-item-row"]');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.textContent!.includes('undecided'))).toBe(true);
    (tid('party-only-items') as HTMLButtonElement | null)?.click();
    await settle();
    expect(tid('review-filter-party')).not.toBeNull();
  });

  it('shows the keys with ?', async () => {
    start();
    await settle();
    key('?');
    await settle();
    const d = tid('review-keys') as HTMLDialogElement;
    expect(d.hasAttribute('open')).toBe(true);
    expect(d.textContent).toContain('Next item');
    expect(d.textContent).toContain('Undo your last action');
  });

  it('records the disclosure-log decision, then submits, approves and releases', async () => {
    start();
    await settle();
    (tid('parties-redact-all-confirm') as HTMLButtonElement).click(); // the confirm dialog's button
    await settle();
    expect(tid('review-blockers')!.textContent).not.toContain('undecided');
    const form = tid('disclosure-decision')!;
    expect(form.dataset.complete).toBe('false');
    (form.querySelector('[data-testid="disclosure-prejudice-no"]') as HTMLInputElement).click();
    type(form.querySelector('[data-testid="disclosure-reason"]') as HTMLInputElement, 'the police matter is closed');
    flushSync();
    (form.querySelector('[data-testid="disclosure-save"]') as HTMLButtonElement).click();
    await settle();
    expect(tid('disclosure-decision')!.dataset.complete).toBe('true');
    expect(tid('review-blockers')).toBeNull();
    (tid('review-submit') as HTMLButtonElement).click();
    await settle();
    expect(tid('review-state')!.dataset.state).toBe('in_review');
    (tid('review-approve') as HTMLButtonElement).click();
    await settle();
    expect(tid('review-state')!.dataset.state).toBe('approved');
    (tid('review-release-open') as HTMLButtonElement).click();
    await settle();
    type(tid('bundle-path') as HTMLInputElement, '/tmp/out.zip');
    flushSync();
    (tid('review-release-start') as HTMLButtonElement).click();
    await settle();
    expect(tid('bundle-done')!.textContent).toContain('/tmp/out.zip');
    expect(tid('bundle-passphrase')!.textContent).toBe('k7mq xe3r 9pta hwc2 fd8n');
    expect(tid('review-state')!.dataset.state).toBe('released');
    expect(tid('review-withdraw')).toBeNull();
  });

  it('four eyes: staff see Approve disabled and why; a second dpo may approve', async () => {
    start({ fourEyes: true });
    await settle();
    expect(tid('review-approve')).toBeNull(); // no "submit and approve" with four eyes
    expect(tid('review-four-eyes')!.textContent).toContain('a DPO other than the person who submits approves');
    (tid('parties-redact-all-confirm') as HTMLButtonElement).click();
    await settle();
    const form = tid('disclosure-decision')!;
    (form.querySelector('[data-testid="disclosure-prejudice-yes"]') as HTMLInputElement).click();
    flushSync();
    (form.querySelector('[data-testid="disclosure-withhold"]') as HTMLInputElement).click();
    type(form.querySelector('[data-testid="disclosure-reason"]') as HTMLInputElement, 'investigation still open');
    flushSync();
    (form.querySelector('[data-testid="disclosure-save"]') as HTMLButtonElement).click();
    await settle();
    (tid('review-submit') as HTMLButtonElement).click();
    await settle();
    expect((tid('review-approve') as HTMLButtonElement).disabled).toBe(true);
    expect(tid('review-blockers')!.textContent).toContain('a dpo other than asha');
    // Another user: staff, then a second dpo.
    unmount(cmp!);
    me.user = 'ben';
    me.role = 'staff';
    setRole('ben', 'staff');
    cmp = mount(Review, { target, props: { reference: REF } });
    await settle();
    expect((tid('review-approve') as HTMLButtonElement).disabled).toBe(true);
    unmount(cmp);
    me.user = 'dana';
    me.role = 'dpo';
    setRole('dana', 'dpo');
    cmp = mount(Review, { target, props: { reference: REF } });
    await settle();
    expect((tid('review-approve') as HTMLButtonElement).disabled).toBe(false);
  });

  it('an auditor gets the refusal in words, and no steps', async () => {
    start({}, { user: 'carol', role: 'auditor' });
    await settle();
    expect(tid('error')!.dataset.code).toBe('forbidden');
    expect(tid('review-submit')).toBeNull();
  });

  it('a stale draft shows what changed and offers a new draft that carries the decisions over', async () => {
    start({ stale: true });
    await settle();
    const stale = tid('review-stale')!;
    expect(stale.textContent).toContain('2 items changed');
    expect(stale.textContent).toContain('New: 2 posts');
    (stale.querySelector('[data-testid="review-start"]') as HTMLButtonElement).click();
    await settle(40);
    expect(tid('review-stale')).toBeNull();
    expect(target.textContent).toContain('replaces draft 1');
    expect(target.textContent).toMatch(/\d+ decisions carried over/);
  });

  it('a request with no draft offers to start the review', async () => {
    start({ noDraft: true });
    await settle();
    expect(target.textContent).toContain('No bundle has been drafted');
    (tid('review-start') as HTMLButtonElement).click();
    await settle(40);
    expect(tid('review-state')!.dataset.state).toBe('draft');
  });
});

describe('Review screen: what others wrote about the member (candidate items)', () => {
  const kindSelect = () => tid('review-filter-kind') as HTMLSelectElement;

  it('lists candidates as their own kind, accepts and declines them with the buttons and the keys, and never withholds them', async () => {
    start();
    await settle();
    expect(tid('review-candidates')!.textContent).toContain('What others wrote about you: 3 candidate items');
    const opt = [...kindSelect().options].find((o) => o.value === 'mentions')!;
    expect(opt.textContent).toContain('What others wrote about you (3, 3 undecided)');
    kindSelect().value = 'mentions';
    kindSelect().dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(tid('review-items-page')!.textContent).toBe('1–3 of 3');
    expect($$('[data-testid="review-item-candidate"]').map((b) => b.textContent)).toEqual(['Accept or decline', 'Accept or decline', 'Accept or decline']);
    // The first candidate: only the sentences about the member, its author a proposal.
    expect(tid('review-candidate')!.dataset.state).toBe('undecided');
    expect(tid('review-text')!.textContent).toContain('sunnymum84 was the one who reported it');
    expect(tid('review-withhold-open')).toBeNull();
    // Undecided candidates block nothing the reviewer has not decided.
    expect(tid('review-blockers')?.textContent ?? '').not.toContain('candidate');
    // a: accepted (its proposals now count); a again: undecided again.
    key('a');
    await settle();
    expect(tid('review-candidate')!.dataset.state).toBe('accepted');
    expect(tid('review-announce')!.textContent).toContain('Accepted');
    expect(tid('review-candidates')!.textContent).toContain('1 accepted');
    key('a');
    await settle();
    expect(tid('review-candidate')!.dataset.state).toBe('undecided');
    // x: declined; nothing of it is released.
    key('x');
    await settle();
    expect(tid('review-candidate')!.dataset.state).toBe('declined');
    expect($$('[data-testid="review-item-candidate"]')[0].textContent).toBe('Declined');
    (tid('review-view-released') as HTMLButtonElement).click();
    await settle();
    expect(tid('review-item')!.textContent).toContain('Nothing of this item is released.');
    (tid('review-view-stored') as HTMLButtonElement).click();
    // The buttons do the same; undo takes the last answer back.
    key('j');
    await settle();
    (tid('review-candidate-accept') as HTMLButtonElement).click();
    await settle();
    expect(tid('review-candidate')!.dataset.state).toBe('accepted');
    key('u');
    await settle();
    expect(tid('review-candidate')!.dataset.state).toBe('undecided');
    expect(tid('review-candidates')!.textContent).toContain('0 accepted, 1 declined, 2 not decided');
  });

  it('says so when a or x is pressed on the member’s own row, and an auditor gets no buttons', async () => {
    start();
    await settle();
    key('a');
    await settle();
    expect(tid('review-announce')!.textContent).toContain('Only a candidate item');
    if (cmp) unmount(cmp);
    cmp = null;
    target.innerHTML = '';
    start({}, { user: 'ade', role: 'auditor' }, 262);
    await settle();
    expect(tid('review-candidate-accept')).toBeNull();
  });
});
