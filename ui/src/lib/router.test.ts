import { describe, expect, it } from 'vitest';
import { memberHref, navOf, newDisclosureHref, parseHash, reviewHref } from './router';

describe('routes', () => {
  it('parses and formats member routes with odd characters', () => {
    const h = memberHref('net mums', 'm/1', 'consent');
    expect(parseHash(h)).toEqual({ name: 'member', site: 'net mums', memberId: 'm/1', tab: 'consent' });
    expect(navOf(parseHash(h))).toBe('search');
  });
  it('the conflicts list belongs to Home, where its panel links from', () => {
    expect(navOf(parseHash('#/conflicts'))).toBe('home');
  });
  it('parses the disclosure form with a prefill', () => {
    expect(parseHash(newDisclosureHref('netmums', 'm-1'))).toEqual({ name: 'disclosure-new', site: 'netmums', memberId: 'm-1' });
    expect(parseHash('#/disclosures/D-1/amend')).toEqual({ name: 'disclosure-amend', id: 'D-1' });
  });
  it('parses the review screen of a request, under Requests', () => {
    const h = reviewHref('SAR/2026 7');
    expect(h).toBe('#/review/SAR%2F2026%207');
    expect(parseHash(h)).toEqual({ name: 'review', reference: 'SAR/2026 7' });
    expect(navOf(parseHash(h))).toBe('requests');
    expect(parseHash('#/review').name).toBe('not-found');
    expect(parseHash(reviewHref('SAR-1', 12))).toEqual({ name: 'review', reference: 'SAR-1', item: 12 });
    expect(parseHash('#/review/SAR-1?item=x')).toEqual({ name: 'review', reference: 'SAR-1' });
  });
  it('home for empty, not-found for junk', () => {
    expect(parseHash('')).toEqual({ name: 'home' });
    expect(parseHash('#/nope').name).toBe('not-found');
  });
});
