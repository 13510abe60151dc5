// The review screen's moves against the mock review backend (mockReview.ts),
// through api.ts as the screen calls it.
import { afterEach, describe, expect, it } from 'vitest';
import { useBackend, type Backend } from './api';
import { createReviewMock, type ReviewMock, type ReviewMockOptions, type Who } from './mockReview';
import { ITEM_PAGE, ReviewStore } from './reviewStore.svelte';
import { toDeskError } from './errors';
import { cpSlice } from './review';

const REF = 'SAR-2026-0007';

/** A backend over a fresh mock; `calls` lists the commands asked for. */
function setup(opts: ReviewMockOptions = {}, who: Who = { user: 'asha', role: 'dpo' }) {
  const mock: ReviewMock = createReviewMock(opts);
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const me = { ...who };
  const b: Backend = {
    async invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
      calls.push({ cmd, args: args ?? {} });
      const r = await mock.handle(cmd, args ?? {}, me);
      if (!r) throw { code: 'usage', message: `${cmd} is not mocked`, problems: [], more_problems: 0 };
      return r.value as T;
    },
    channel: <T>(fn: (m: T) => void) => fn,
  };
  useBackend(b);
  return { mock, calls, me };
}

afterEach(() => useBackend(null));

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('review store: moving through a draft', () => {
  it('loads the summary, the first page and the first item, with its first undecided proposal and party', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    // The member's 260 rows, then 3 candidate items from mentions.
    expect(s.summary?.items).toBe(263);
    expect(s.page?.items).toHaveLength(ITEM_PAGE);
    expect(s.item?.item.n).toBe(0);
    await s.showAt(6);
    const p = s.proposal!;
    expect(p.effective).toBeNull();
    await flush();
    expect(s.party?.party).toBe(p.party);
  });

  it('pages across the boundary with next and previous', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(ITEM_PAGE - 1);
    await s.next();
    expect(s.pos).toBe(ITEM_PAGE);
    expect(s.page?.offset).toBe(ITEM_PAGE);
    expect(s.item?.item.n).toBe(ITEM_PAGE);
    await s.prev();
    expect(s.page?.offset).toBe(0);
    expect(s.item?.item.n).toBe(ITEM_PAGE - 1);
    // The last item: next stays.
    await s.showAt(262);
    await s.next();
    expect(s.item?.item.n).toBe(262);
  });

  it('has the next item already fetched when "next" is pressed', async () => {
    const { calls } = setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(10);
    await flush();
    const asked = (n: number) => calls.filter((c) => c.cmd === 'review_item' && c.args.n === n).length;
    expect(asked(11)).toBe(1); // fetched ahead
    expect(asked(12)).toBe(1); // two ahead
    expect(asked(13)).toBe(0);
    await s.next();
    expect(s.item?.item.n).toBe(11);
    expect(asked(11)).toBe(1); // not asked again
    expect(asked(12)).toBe(1);
    expect(asked(13)).toBe(1); // and the window moves on
  });

  it("shows an item's third party from the item's own answer, without asking for it", async () => {
    const { calls } = setup();
    const s = new ReviewStore(REF);
    await s.load();
    await flush();
    const single = () => calls.filter((c) => c.cmd === 'review_parties' && c.args.limit === 1).length;
    const before = single();
    await s.showAt(6);
    const p = s.proposal!;
    // Selected in the same step, not after another round trip.
    expect(s.party?.party).toBe(p.party);
    expect(s.party).toEqual(s.item!.parties.find((x) => x.party === p.party));
    expect(s.labelOf(p)).toBe(s.party!.label);
    await flush();
    expect(single()).toBe(before);
  });

  it("after a decision the selected third party is shown as decided (the fresh item's copy)", async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(6);
    const party = s.party!;
    expect(party.decision).toBeNull();
    expect(await s.redactParty(party.party, 'third party', party.label)).toBe(true);
    expect(s.party?.party).toBe(party.party);
    expect(s.party?.decision).toEqual({ decide: 'redact', reason: 'third party' });
    expect(s.item!.parties.find((x) => x.party === party.party)?.decision).toEqual({ decide: 'redact', reason: 'third party' });
  });

  it('"next" pressed while the next item is still on its way waits for that fetch, not a second one', async () => {
    const { calls } = setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(20);
    // No flush: the prefetch of item 21 has been asked for and not answered.
    const asked = (n: number) => calls.filter((c) => c.cmd === 'review_item' && c.args.n === n).length;
    expect(asked(21)).toBe(1);
    await s.next();
    expect(s.item?.item.n).toBe(21);
    expect(asked(21)).toBe(1);
  });

  it('opens at a linked item', async () => {
    setup();
    const s = new ReviewStore(REF, 150);
    await s.load();
    expect(s.item?.item.n).toBe(150);
    expect(s.page?.offset).toBe(100);
    expect(s.pos).toBe(150);
  });

  it('moves proposal by proposal, then on to the next item that has any', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(5); // a post with two proposals
    const ids = s.item!.proposals.map((p) => p.id);
    expect(ids.length).toBeGreaterThan(1);
    s.selectProposal(ids[0]);
    await s.nextProposal();
    expect(s.proposalId).toBe(ids[1]);
    for (let i = 1; i < ids.length; i++) await s.nextProposal();
    expect(s.item!.item.n).toBeGreaterThan(5);
    expect(s.item!.proposals.length).toBeGreaterThan(0);
    expect(s.proposalId).toBe(s.item!.proposals[0].id);
    await s.nextProposal(-1);
    expect(s.item!.item.n).toBe(5);
    expect(s.proposalId).toBe(ids[ids.length - 1]);
  });

  it('filters: only undecided, only one third party, only withheld', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.setFilter({ undecided_only: true });
    expect(s.page!.items.every((i) => i.undecided > 0)).toBe(true);
    const first = s.item!.item.n;
    expect(s.page!.items[0].n).toBe(first);
    await s.setFilter({ undecided_only: false, party: 0 });
    expect(s.page!.total).toBeGreaterThan(0);
    expect(s.item!.proposals.some((p) => p.party === 0)).toBe(true);
    await s.setFilter({ party: null, withheld_only: true });
    expect(s.page!.total).toBe(0);
  });
});

describe('review store: deciding', () => {
  it('redacts a third party everywhere, and undo takes it back', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(6);
    const p = s.proposal!;
    const undecided = s.summary!.proposals_undecided;
    expect(await s.redactParty(p.party, 'third party', 'Email 1')).toBe(true);
    expect(s.summary!.proposals_undecided).toBeLessThan(undecided);
    expect(s.item!.proposals.find((x) => x.id === p.id)!.effective).toEqual({ decide: 'redact', reason: 'third party' });
    expect(s.proposalId).toBe(p.id); // the selection stays
    expect(s.announce).toContain('Email 1');
    await s.undo();
    expect(s.summary!.proposals_undecided).toBe(undecided);
    expect(s.item!.proposals.find((x) => x.id === p.id)!.effective).toBeNull();
    expect(s.announce).toBe("Undone: a third party's decision.");
  });

  it('shows the core’s problems and applies nothing on a bad decision', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(6);
    const before = s.summary!.proposals_undecided;
    expect(await s.redactParty(s.proposal!.party, '  ')).toBe(false);
    const e = toDeskError(s.actionError);
    expect(e.code).toBe('invalid');
    expect(e.problems.map((p) => p.field)).toEqual(['decisions[0].verdict.reason']);
    expect(s.summary!.proposals_undecided).toBe(before);
  });

  it('with "only undecided", a decided item leaves the list and "next" is the one after it', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.setFilter({ undecided_only: true });
    const [a, b] = s.page!.items;
    // Decide everything in the first item.
    for (const p of s.item!.proposals) await s.proposalVerdict(p.id, { decide: 'redact', reason: 'third party' });
    expect(s.page!.items.some((i) => i.n === a.n)).toBe(false);
    expect(s.item!.item.n).toBe(a.n); // still shown
    await s.next();
    expect(s.item!.item.n).toBe(b.n);
  });

  it('discloses at once when the three-step record settles the ground, else asks for the form', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    // Member A consented (the mock's record): quick disclose applies.
    await s.setFilter({ party: 0 });
    expect(await s.quickDisclose(false)).toBe('done');
    // A party with no record: the form is needed.
    await s.setFilter({ party: null });
    await s.showAt(5);
    const p = s.item!.proposals.find((x) => x.party !== 0)!;
    s.selectProposal(p.id);
    expect(await s.quickDisclose(false)).toBe('needs-form');
    expect(s.party?.party).toBe(p.party);
    // With the record given in the same decision, it goes through.
    expect(await s.discloseParty(p.party, 'reasonable', '', { also_about_requester: true, consent: 'not_sought', reasonable: true, note: 'known to the requester already' })).toBe(true);
    await flush();
    expect(s.party?.three_step?.recorded_by).toBe('asha');
    expect(s.party?.decision).toEqual({ decide: 'disclose', ground: 'reasonable', note: '' });
  });

  it('redacts a selected span by code points, emoji before it', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(4); // "🎉🎉 Congratulations to sunflower_jo on the new baby! 👶 …"
    const body = s.item!.fields.find((f) => f.path === '/body')!.text;
    const start = Array.from(body).indexOf('C');
    const end = start + 'Congratulations'.length;
    expect(cpSlice(body, start, end)).toBe('Congratulations');
    expect(await s.span(s.item!.item.n, '/body', start, end, 'third party', 'Congratulations')).toBe(true);
    expect(s.item!.spans).toHaveLength(1);
    expect(s.item!.released.find((f) => f.path === '/body')!.text.startsWith('🎉🎉 [redacted] to ')).toBe(true);
    // The guard: a span whose text does not match is refused.
    expect(await s.span(s.item!.item.n, '/body', start, end, 'x', 'Congratulation')).toBe(false);
    expect(toDeskError(s.actionError).problems[0].field).toBe('decisions[0].text');
  });

  it('withholds an item under an exemption and includes it again', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    await s.showAt(8);
    expect(await s.withhold(8, 'legal_privilege', 'advice from the forum’s solicitor', false)).toBe(true);
    expect(s.item!.item.withheld?.exemption).toBe('legal_privilege');
    expect(s.item!.released_row).toBeNull();
    expect(s.summary!.items_withheld).toBe(1);
    expect(await s.include(8)).toBe(true);
    expect(s.item!.item.withheld).toBeNull();
  });

  it('redacts every undecided third party in one action', async () => {
    const { calls } = setup();
    const s = new ReviewStore(REF);
    await s.load();
    expect(s.summary!.parties_undecided).toBeGreaterThan(1);
    expect(await s.redactAllUndecided('third party')).toBe(true);
    expect(s.summary!.parties_undecided).toBe(0);
    expect(s.summary!.proposals_undecided).toBe(0);
    expect(calls.filter((c) => c.cmd === 'review_decide')).toHaveLength(1);
    await s.undo();
    expect(s.summary!.parties_undecided).toBeGreaterThan(1);
  });
});

describe('review store: the steps', () => {
  async function ready(s: ReviewStore) {
    await s.load();
    await s.redactAllUndecided('third party');
    const c = s.summary!.disclosures[0];
    const items = c.touched.filter((t) => t.item !== null).map((t) => ({ item: t.item!, withhold: false }));
    expect(await s.disclosureDecision(c.disclosure, false, null, 'nothing to prejudice', items)).toBe(true);
  }

  it('a draft with blockers cannot be submitted; once decided it is submitted, approved and can be released', async () => {
    setup();
    const s = new ReviewStore(REF);
    await s.load();
    expect(s.summary!.can.submit).toBe(false);
    expect(s.summary!.blockers.some((b) => b.includes('disclosure log'))).toBe(true);
    await ready(s);
    expect(s.summary!.blockers).toEqual([]);
    expect(s.summary!.can.submit).toBe(true);
    expect(await s.step('submit')).toBe(true);
    expect(s.summary!.state).toBe('in_review');
    expect(s.summary!.can.decide).toBe(false);
    expect(await s.step('approve')).toBe(true);
    expect(s.summary!.state).toBe('approved');
    expect(s.summary!.can.release).toBe(true);
    expect(await s.step('reopen', 'one more look')).toBe(true);
    expect(s.summary!.state).toBe('draft');
  });

  it('four eyes: the submitter may not approve; another dpo may; staff may not', async () => {
    const { me } = setup({ fourEyes: true });
    const s = new ReviewStore(REF);
    await ready(s);
    await s.step('submit');
    expect(s.summary!.can.approve).toBe(false);
    expect(s.summary!.blockers.join(' ')).toContain('a dpo other than asha');
    expect(await s.step('approve')).toBe(false);
    me.user = 'ben';
    me.role = 'staff';
    await s.reloadSummary();
    expect(s.summary!.can.approve).toBe(false);
    me.user = 'dana';
    me.role = 'dpo';
    await s.reloadSummary();
    expect(s.summary!.can.approve).toBe(true);
    expect(await s.step('approve')).toBe(true);
  });

  it('a stale draft says so and its changed items cannot be read', async () => {
    setup({ stale: true });
    const s = new ReviewStore(REF);
    await s.load();
    expect(s.summary!.stale).toBe(true);
    expect(s.summary!.blockers[0]).toContain('the vault changed since the draft was made');
    await s.showItem(3);
    expect(toDeskError(s.itemError).code).toBe('conflict');
  });

  it('a request with no draft says so', async () => {
    setup({ noDraft: true });
    const s = new ReviewStore(REF);
    await s.load();
    expect(s.missing).toBe(true);
    expect(s.error).toBeNull();
  });

  it('an auditor is refused', async () => {
    setup({}, { user: 'carol', role: 'auditor' });
    const s = new ReviewStore(REF);
    await s.load();
    expect(toDeskError(s.error).code).toBe('forbidden');
  });
});

describe('review store: candidate items from mentions', () => {
  it('accepts and declines in bulk, refuses a member row or a withholding, and never lets undecided candidates block', async () => {
    const { mock, me } = setup({ disclosure: false });
    const s = new ReviewStore(REF);
    await s.load();
    const page = await import('./api').then((api) => api.reviewItems(REF, { kind: 'mentions', undecided_only: false, party: null, withheld_only: false }, 0, 100));
    expect(page.total).toBe(3);
    const [a, b, c] = page.items.map((i) => i.n);
    expect(page.items.every((i) => i.source === 'mention' && i.accepted === null && i.bundle_id.startsWith('mention-'))).toBe(true);
    // Every third party decided: submit is possible with all three undecided.
    expect(await s.redactAllUndecided('third party')).toBe(true);
    expect(s.summary!.blockers).toEqual([]);
    expect(s.summary!.candidates).toEqual({ items: 3, accepted: 0, declined: 0, undecided: 3 });
    // Problems, all at once, nothing applied.
    expect(await s.decide([{ action: 'candidate', item: 0, accept: true }, { action: 'withhold', item: a, exemption: 'third_party', reason: 'x', silent: false }], 'x')).toBe(false);
    const ps = toDeskError(s.actionError).problems.map((p) => p.field);
    expect(ps).toEqual(['decisions[0].item', 'decisions[1].item']);
    expect(s.summary!.candidates.accepted).toBe(0);
    // Bulk: one action, one undo.
    expect(await s.decide([{ action: 'candidate', item: a, accept: true }, { action: 'candidate', item: b, accept: false }, { action: 'candidate', item: c, accept: true }], 'bulk')).toBe(true);
    expect(s.summary!.candidates).toEqual({ items: 3, accepted: 2, declined: 1, undecided: 0 });
    const item = (await import('./api').then((api) => api.reviewItem(REF, b, null))) ;
    expect(item.released_row).toBeNull();
    await s.undo();
    expect(s.summary!.candidates.undecided).toBe(3);
    // Only undecided: the candidates not yet answered are listed.
    expect(await s.candidate(a, false)).toBe(true);
    await s.setFilter({ kind: 'mentions', undecided_only: true });
    expect(s.page!.total).toBe(2);
    // A new draft carries the answers over.
    mock.sync();
    await mock.handle('review_create', { reference: REF }, me);
    await s.load();
    expect(s.summary!.candidates.declined).toBe(1);
  });
});
