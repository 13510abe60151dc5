import { describe, expect, it } from 'vitest';
import { kindTotals, pageLabel } from './conflicts';

const counts = [
  { site: 'bumps', kind: 'weak_consent_proof', count: 5 },
  { site: 'netmums', kind: 'newsletter_sent_after_withdrawal', count: 1200 },
  { site: 'netmums', kind: 'weak_consent_proof', count: 7 },
];

describe('kindTotals', () => {
  it('adds a kind up across sites, largest first', () => {
    expect(kindTotals(counts, null)).toEqual([
      { kind: 'newsletter_sent_after_withdrawal', count: 1200 },
      { kind: 'weak_consent_proof', count: 12 },
    ]);
  });
  it('counts one site only when asked', () => {
    expect(kindTotals(counts, 'bumps')).toEqual([{ kind: 'weak_consent_proof', count: 5 }]);
    expect(kindTotals(counts, 'elsewhere')).toEqual([]);
  });
  it('breaks ties by name so the chips do not jump', () => {
    const tie = [
      { site: 'a', kind: 'z_kind', count: 2 },
      { site: 'a', kind: 'a_kind', count: 2 },
    ];
    expect(kindTotals(tie, null).map((k) => k.kind)).toEqual(['a_kind', 'z_kind']);
  });
});

describe('pageLabel', () => {
  it('says which rows of how many', () => {
    expect(pageLabel(0, 100, 215722)).toBe('1–100 of 215,722');
    expect(pageLabel(215700, 22, 215722)).toBe('215,701–215,722 of 215,722');
  });
  it('says when there is nothing', () => {
    expect(pageLabel(0, 0, 0)).toBe('None');
    expect(pageLabel(300, 0, 12)).toBe('None beyond 12');
  });
});
