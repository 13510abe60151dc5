// The review screen's state and moves (docs/review-api.md): the summary,
// the filtered item list (paged), the current item (cached, neighbours
// fetched ahead so "next" shows at once), the selected proposal and third
// party, and every decision — each one `review_decide` call, whose answer
// carries the new summary. Kept out of the components so Vitest drives it
// against the mock backend.
import { SvelteMap } from 'svelte/reactivity';
import * as api from './api';
import { toDeskError } from './errors';
import type {
  DecisionInput,
  DiscloseGround,
  Exemption,
  ItemFilter,
  ItemPage,
  ItemSummary,
  Party,
  PartyPage,
  PrejudiceGround,
  Proposal,
  ReviewItem,
  ReviewSummary,
  ThreeStepInput,
  Verdict,
} from './generated';
import { autoGround, verdictLabel } from './review';

/** Items per page of the list. */
export const ITEM_PAGE = 100;
/** Third parties per page of the side list. */
export const PARTY_PAGE = 50;
/** Most third parties one bulk decision asks for per page. */
const BULK_PAGE = 500;
/** Items fetched ahead of the current one (and one behind), so "next"
 *  shows from the cache even when keys come faster than one fetch. */
export const PREFETCH_AHEAD = 2;

export const NO_FILTER: ItemFilter = { kind: null, undecided_only: false, party: null, withheld_only: false };

export class ReviewStore {
  readonly reference: string;
  summary = $state<ReviewSummary | null>(null);
  /** The request has no draft yet. */
  missing = $state(false);
  /** Loading the screen failed. */
  error = $state<unknown>(null);
  /** The last action failed (shown near the actions). */
  actionError = $state<unknown>(null);
  /** Words for the live region (what just happened). */
  announce = $state('');

  filter = $state<ItemFilter>({ ...NO_FILTER });
  page = $state<ItemPage | null>(null);
  pageLoading = $state(false);
  /** The current item's index in the filtered list. */
  pos = $state(0);
  item = $state<ReviewItem | null>(null);
  itemLoading = $state(false);
  itemError = $state<unknown>(null);
  proposalId = $state<number | null>(null);
  showReleased = $state(false);

  partiesUndecidedOnly = $state(false);
  parties = $state<PartyPage | null>(null);
  /** The selected third party (the right-hand form). */
  party = $state<Party | null>(null);

  /** A decision or step is being applied. */
  busy = $state(false);
  /** How long the last item took to arrive (ms; from the cache: ~0). */
  lastItemMs = $state<number | null>(null);

  /** Third parties' labels ("Member A", "Email 1") as they are fetched. */
  readonly labels = new SvelteMap<number, string>();

  private cache = new Map<number, ReviewItem>();
  /** Items being fetched (a prefetch still on its way is awaited, not
   *  asked for again), and the cache's generation: a fetch begun before the
   *  cache was cleared (a decision changed the items) is not kept. */
  private inflight = new Map<number, Promise<ReviewItem>>();
  private cacheGen = 0;
  /** The cache generation the current item's answer belongs to. */
  private shownGen = -1;
  private itemToken = 0;
  private pageToken = 0;
  private partyToken = 0;
  private selToken = 0;

  /** The item to open first (a link to one item), else the list's first. */
  private initialItem: number | null;

  constructor(reference: string, initialItem: number | null = null) {
    this.reference = reference;
    this.initialItem = initialItem;
  }

  get proposal(): Proposal | null {
    return this.item?.proposals.find((p) => p.id === this.proposalId) ?? null;
  }

  /** A proposal's third party in words: its label if known, else what replaces it. */
  labelOf(p: Pick<Proposal, 'party' | 'replacement'>): string {
    return this.labels.get(p.party) ?? p.replacement;
  }

  get canDecide(): boolean {
    return !!this.summary?.can.decide;
  }

  // ------------------------------------------------------------ loading

  async load(): Promise<void> {
    this.error = null;
    try {
      this.summary = await api.reviewSummary(this.reference);
      this.missing = false;
    } catch (e) {
      if (toDeskError(e).code === 'not_found' && /no draft/.test(toDeskError(e).message)) this.missing = true;
      else this.error = e;
      return;
    }
    this.clearCache();
    const first = this.initialItem;
    this.initialItem = null;
    // Unfiltered, an item's place in the list is its number.
    const pos = first ?? this.pos;
    await Promise.all([this.loadPage(Math.floor(pos / ITEM_PAGE) * ITEM_PAGE), this.loadParties(this.parties?.offset ?? 0)]);
    if (first !== null) await this.showItem(first);
    else await this.showAt(this.pos);
  }

  async reloadSummary(): Promise<void> {
    try {
      this.summary = await api.reviewSummary(this.reference);
    } catch (e) {
      this.actionError = e;
    }
  }

  async loadPage(offset: number): Promise<void> {
    const token = ++this.pageToken;
    this.pageLoading = true;
    try {
      const page = await api.reviewItems(this.reference, { ...this.filter }, Math.max(0, offset), ITEM_PAGE);
      if (token !== this.pageToken) return;
      this.page = page;
      // Keep the current item's place if it is on this page.
      const i = this.item ? page.items.findIndex((x) => x.n === this.item!.item.n) : -1;
      if (i >= 0) this.pos = page.offset + i;
    } catch (e) {
      if (token === this.pageToken) this.actionError = e;
    } finally {
      if (token === this.pageToken) this.pageLoading = false;
    }
  }

  async loadParties(offset: number): Promise<void> {
    const token = ++this.partyToken;
    try {
      const p = await api.reviewParties(this.reference, this.partiesUndecidedOnly, Math.max(0, offset), PARTY_PAGE);
      for (const x of p.parties) this.labels.set(x.party, x.label);
      if (token === this.partyToken) this.parties = p;
    } catch (e) {
      if (token === this.partyToken) this.actionError = e;
    }
  }

  async setPartiesUndecided(on: boolean): Promise<void> {
    this.partiesUndecidedOnly = on;
    await this.loadParties(0);
  }

  /** One third party, by number. Parties are numbered 0…n-1 in list order,
   *  so it is the one-party page at that offset. */
  async fetchParty(n: number): Promise<Party | null> {
    const page = await api.reviewParties(this.reference, false, n, 1);
    const p = page.parties.find((p) => p.party === n) ?? null;
    if (p) this.labels.set(p.party, p.label);
    return p;
  }

  /** A third party as the current item's answer carried it (as fresh as
   *  the item: the cache is cleared by every decision). */
  private itemParty(n: number): Party | null {
    if (!this.item || this.shownGen !== this.cacheGen) return null; // an answer from before a decision
    return this.item.parties.find((p) => p.party === n) ?? null;
  }

  /** Select a third party: from the current item's answer at once, else
   *  from the side list while it is fetched afresh. */
  async selectParty(n: number | null): Promise<void> {
    const token = ++this.selToken;
    if (n === null) {
      this.party = null;
      return;
    }
    const withItem = this.itemParty(n);
    if (withItem) {
      this.party = withItem;
      return;
    }
    const fromList = this.parties?.parties.find((p) => p.party === n);
    if (fromList) this.party = fromList;
    try {
      const p = await this.fetchParty(n);
      if (token === this.selToken) this.party = p;
    } catch (e) {
      if (token === this.selToken) this.actionError = e;
    }
  }

  // ------------------------------------------------------------ moving

  /** The summary of the item at `pos` in the filtered list, if loaded. */
  private at(pos: number): ItemSummary | null {
    const p = this.page;
    if (!p || pos < p.offset || pos >= p.offset + p.items.length) return null;
    return p.items[pos - p.offset];
  }

  async setFilter(patch: Partial<ItemFilter>): Promise<void> {
    this.filter = { ...this.filter, ...patch };
    this.pos = 0;
    await this.loadPage(0);
    if (this.page && this.page.total > 0) await this.showAt(0);
  }

  async goPage(offset: number): Promise<void> {
    await this.loadPage(offset);
    if (this.page && this.page.items.length) await this.showAt(this.page.offset);
  }

  /** Show the item at `pos` of the filtered list. */
  async showAt(pos: number, selectLast = false): Promise<void> {
    const total = this.page?.total ?? 0;
    if (total === 0) return;
    pos = Math.max(0, Math.min(total - 1, pos));
    if (!this.at(pos)) await this.loadPage(Math.floor(pos / ITEM_PAGE) * ITEM_PAGE);
    const s = this.at(pos);
    if (!s) return;
    this.pos = pos;
    await this.showItem(s.n, { selectLast });
  }

  async next(): Promise<void> {
    const total = this.page?.total ?? 0;
    const { pos, listed } = this.locate();
    const to = listed ? pos + 1 : pos;
    if (to < total) await this.showAt(to);
  }

  async prev(): Promise<void> {
    const { pos } = this.locate();
    if (pos > 0) await this.showAt(pos - 1);
  }

  /** Where the current item is in the list. A decision may have taken it
   *  out of the filtered list: then the item now at its old place is next. */
  private locate(): { pos: number; listed: boolean } {
    const p = this.page;
    if (p && this.item) {
      const i = p.items.findIndex((x) => x.n === this.item!.item.n);
      if (i >= 0) return { pos: p.offset + i, listed: true };
      return { pos: this.pos, listed: false };
    }
    return { pos: this.pos, listed: true };
  }

  private currentPos(): number {
    return this.locate().pos;
  }

  /** Show item `n` (the cache first), select a proposal, fetch neighbours. */
  async showItem(n: number, opts: { keepProposal?: boolean; selectLast?: boolean } = {}): Promise<void> {
    const token = ++this.itemToken;
    const t0 = performance.now();
    const gen = this.cacheGen;
    let it = this.cache.get(n);
    if (!it) {
      this.itemLoading = true;
      try {
        it = await this.fetchItem(n);
      } catch (e) {
        if (token === this.itemToken) {
          this.itemError = e;
          this.itemLoading = false;
        }
        return;
      }
      // fetchItem kept it in the cache unless a decision cleared the cache meanwhile.
    }
    if (token !== this.itemToken) return;
    this.itemError = null;
    this.itemLoading = false;
    const keep = opts.keepProposal && this.item?.item.n === n && it.proposals.some((p) => p.id === this.proposalId);
    this.item = it;
    this.shownGen = gen;
    this.lastItemMs = performance.now() - t0;
    const listed = this.page?.items.findIndex((x) => x.n === n) ?? -1;
    if (listed >= 0) this.pos = this.page!.offset + listed;
    if (!keep) {
      const ps = it.proposals;
      const first = opts.selectLast ? ps[ps.length - 1] : (ps.find((p) => p.effective === null) ?? ps[0]);
      this.proposalId = first?.id ?? null;
    }
    const p = this.proposal;
    if (p && this.party?.party !== p.party) void this.selectParty(p.party);
    this.prefetch();
  }

  /** Fetch the next items of the list (and the previous one) into the cache. */
  private prefetch(): void {
    const cur = this.currentPos();
    const around = [...Array.from({ length: PREFETCH_AHEAD }, (_, i) => cur + 1 + i), cur - 1];
    for (const pos of around) {
      const s = this.at(pos);
      if (s && !this.cache.has(s.n)) this.fetchItem(s.n).catch(() => {});
    }
  }

  /** Item `n` from the backend, once: a fetch already on its way is shared. */
  private fetchItem(n: number): Promise<ReviewItem> {
    const pending = this.inflight.get(n);
    if (pending) return pending;
    const gen = this.cacheGen;
    const p = api.reviewItem(this.reference, n);
    this.inflight.set(n, p);
    p.then(
      (it) => {
        if (gen === this.cacheGen) this.cache.set(n, it);
        for (const x of it.parties) this.labels.set(x.party, x.label);
      },
      () => {},
    ).finally(() => {
      if (this.inflight.get(n) === p) this.inflight.delete(n);
    });
    return p;
  }

  private clearCache(): void {
    this.cache.clear();
    this.inflight.clear();
    this.cacheGen++;
  }

  selectProposal(id: number): void {
    this.proposalId = id;
    const p = this.proposal;
    if (p && this.party?.party !== p.party) void this.selectParty(p.party);
  }

  /** After deciding with a key: the next undecided proposal of the item
   *  (after the selected one, then from the start), if any. */
  selectNextUndecided(): void {
    const ps = this.item?.proposals ?? [];
    const i = ps.findIndex((p) => p.id === this.proposalId);
    const next = [...ps.slice(i + 1), ...ps.slice(0, Math.max(0, i))].find((p) => p.effective === null);
    if (next) this.selectProposal(next.id);
  }

  /** The next proposal of the item; past the last, the first of the next
   *  item (in the loaded page) that has any. */
  async nextProposal(step: 1 | -1 = 1): Promise<void> {
    const ps = this.item?.proposals ?? [];
    const i = ps.findIndex((p) => p.id === this.proposalId);
    const j = i + step;
    if (i >= 0 && j >= 0 && j < ps.length) return this.selectProposal(ps[j].id);
    if (i < 0 && ps.length) return this.selectProposal(step === 1 ? ps[0].id : ps[ps.length - 1].id);
    const p = this.page;
    if (!p) return;
    const { pos: cur, listed } = this.locate();
    const from = step === 1 && !listed ? cur : cur + step;
    for (let pos = from; pos >= p.offset && pos < p.offset + p.items.length; pos += step) {
      if (p.items[pos - p.offset].proposals > 0) return this.showAt(pos, step === -1);
    }
  }

  // ------------------------------------------------------------ deciding

  /** Apply decisions (one action); refresh what they change. */
  async decide(decisions: DecisionInput[], words: string): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.actionError = null;
    try {
      const applied = await api.reviewDecide(this.reference, decisions);
      this.summary = applied.summary;
      this.announce = words;
      await this.afterChange();
      return true;
    } catch (e) {
      this.actionError = e;
      this.announce = '';
      return false;
    } finally {
      this.busy = false;
    }
  }

  async undo(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.actionError = null;
    try {
      const u = await api.reviewUndo(this.reference);
      this.summary = u.summary;
      this.announce = `Undone: ${u.undone}.`;
      await this.afterChange();
    } catch (e) {
      this.actionError = e;
    } finally {
      this.busy = false;
    }
  }

  /** After a decision: the current item again (its proposals' effective
   *  decisions changed), then the list page and the side list. */
  private async afterChange(): Promise<void> {
    this.clearCache();
    const jobs: Promise<unknown>[] = [this.loadPage(this.page?.offset ?? 0), this.loadParties(this.parties?.offset ?? 0)];
    // The item first: its answer carries its third parties as they are now.
    const party = this.party?.party ?? null;
    if (this.item) await this.showItem(this.item.item.n, { keepProposal: true });
    if (party !== null && this.party?.party === party) jobs.push(this.selectParty(party));
    await Promise.all(jobs);
  }

  redactParty(party: number, reason: string, label = 'The third party'): Promise<boolean> {
    return this.decide([{ action: 'party', party, verdict: { decide: 'redact', reason } }], `${label}: redacted in every item.`);
  }

  discloseParty(party: number, ground: DiscloseGround, note: string, threeStep: ThreeStepInput | null, label = 'The third party'): Promise<boolean> {
    const d: DecisionInput = { action: 'party', party, verdict: { decide: 'disclose', ground, note } };
    if (threeStep) d.three_step = threeStep;
    return this.decide([d], `${label}: disclosed (${verdictLabel(d.verdict).replace(/^Disclose \(|\)$/g, '')}).`);
  }

  /** Record a party's three-step test, keeping its decision. */
  recordThreeStep(party: Party, threeStep: ThreeStepInput): Promise<boolean> {
    return this.decide([{ action: 'party', party: party.party, verdict: party.decision, three_step: threeStep }], `${party.label}: three-step test recorded.`);
  }

  undecideParty(party: Party): Promise<boolean> {
    return this.decide([{ action: 'party', party: party.party, verdict: null }], `${party.label}: undecided again.`);
  }

  proposalVerdict(id: number, verdict: Verdict | null): Promise<boolean> {
    const words = verdict ? `This proposal only: ${verdictLabel(verdict).toLowerCase()}.` : 'This proposal follows its third party again.';
    return this.decide([{ action: 'proposal', proposal: id, verdict }], words);
  }

  /** `d` on the selected proposal: disclose its party when its three-step
   *  record settles the ground; else the answer is the party, for the form. */
  async quickDisclose(onlyThis: boolean): Promise<'done' | 'needs-form' | 'nothing'> {
    const p = this.proposal;
    if (!p) return 'nothing';
    const party = this.party?.party === p.party ? this.party : await this.fetchParty(p.party);
    if (!party) return 'nothing';
    const ground = autoGround(party.three_step);
    if (!ground) {
      this.party = party;
      return 'needs-form';
    }
    const verdict: Verdict = { decide: 'disclose', ground, note: '' };
    const ok = onlyThis ? await this.proposalVerdict(p.id, verdict) : await this.discloseParty(p.party, ground, '', null, party.label);
    return ok ? 'done' : 'needs-form';
  }

  span(item: number, field: string, start: number, end: number, reason: string, text: string): Promise<boolean> {
    return this.decide([{ action: 'span', item, field, start, end, reason, text }], 'The selected text will be redacted.');
  }

  unspan(id: number): Promise<boolean> {
    return this.decide([{ action: 'unspan', span: id }], 'Span redaction removed.');
  }

  withhold(item: number, exemption: Exemption, reason: string, silent: boolean): Promise<boolean> {
    return this.decide([{ action: 'withhold', item, exemption, reason, silent }], 'The item is withheld.');
  }

  include(item: number): Promise<boolean> {
    return this.decide([{ action: 'include', item }], 'The item is included again.');
  }

  /** Accept (true) or decline (false) a candidate item; null: undecided again. */
  candidate(item: number, accept: boolean | null): Promise<boolean> {
    const words = accept === true ? 'Accepted: it goes into the bundle.' : accept === false ? 'Declined: it stays out of the bundle.' : 'Not decided again: it stays out unless accepted.';
    return this.decide([{ action: 'candidate', item, accept }], words);
  }

    mark(item: number, reviewed: boolean): Promise<boolean> {
    return this.decide([{ action: 'mark', item, reviewed }], reviewed ? 'Marked reviewed.' : 'No longer marked reviewed.');
  }

  disclosureDecision(
    disclosure: string,
    prejudice: boolean,
    ground: PrejudiceGround | null,
    reason: string,
    items: { item: number; withhold: boolean }[],
  ): Promise<boolean> {
    const d: DecisionInput = { action: 'disclosure', disclosure, prejudice, reason, items };
    if (ground) d.ground = ground;
    return this.decide([d], `The decision about ${disclosure} is recorded.`);
  }

  /** Redact every third party still undecided, in one action (one undo). */
  async redactAllUndecided(reason: string): Promise<boolean> {
    const parties: number[] = [];
    try {
      for (let offset = 0; ; offset += BULK_PAGE) {
        const page = await api.reviewParties(this.reference, true, offset, BULK_PAGE);
        parties.push(...page.parties.map((p) => p.party));
        if (page.parties.length < BULK_PAGE || offset + BULK_PAGE >= page.total) break;
      }
    } catch (e) {
      this.actionError = e;
      return false;
    }
    if (!parties.length) return true;
    return this.decide(
      parties.map((party) => ({ action: 'party', party, verdict: { decide: 'redact', reason } })),
      `${parties.length} third part${parties.length === 1 ? 'y' : 'ies'} redacted.`,
    );
  }

  // ------------------------------------------------------------ steps

  async step(kind: 'submit' | 'approve' | 'reopen' | 'withdraw', reason = ''): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.actionError = null;
    try {
      const ref = this.reference;
      this.summary =
        kind === 'submit'
          ? await api.reviewSubmit(ref)
          : kind === 'approve'
            ? await api.reviewApprove(ref)
            : kind === 'reopen'
              ? await api.reviewReopen(ref, reason)
              : await api.reviewWithdraw(ref, reason);
      this.announce = { submit: 'Submitted for approval.', approve: 'Approved.', reopen: 'Reopened: decisions can change again.', withdraw: 'Withdrawn.' }[kind];
      return true;
    } catch (e) {
      this.actionError = e;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
