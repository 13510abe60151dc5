import { describe, expect, it } from 'vitest';
import { layoutConsent, orderPurposes, timeRange, xOf } from './consentLayout';

const T = (s: string) => Date.parse(s);
const range = { from: T('2024-01-01T00:00:00Z'), to: T('2024-01-11T00:00:00Z') }; // 10 days over 100px

const ev = (id: string, purpose: string, action: string, at: string) => ({ event_id: id, purpose, action, occurred_at: at });

describe('consent timeline layout', () => {
  it('draws a granted span until the withdrawal, with a withdrawal mark', () => {
    const l = layoutConsent([ev('1', 'partner_emails', 'granted', '2024-01-02T00:00:00Z'), ev('2', 'partner_emails', 'withdrawn', '2024-01-05T00:00:00Z')], range, 0, 100);
    expect(l.lanes).toHaveLength(1);
    const lane = l.lanes[0];
    expect(lane.spans).toEqual([{ start: T('2024-01-02T00:00:00Z'), end: T('2024-01-05T00:00:00Z'), x1: 10, x2: 40, open: false }]);
    expect(lane.marks.map((m) => [m.action, m.x])).toEqual([['granted', 10], ['withdrawn', 40]]);
  });

  it('runs a span still granted to the end of the range', () => {
    const l = layoutConsent([ev('1', 'research_panel', 'granted', '2024-01-06T00:00:00Z')], range, 20, 100);
    expect(l.lanes[0].spans[0]).toMatchObject({ x1: 70, x2: 120, open: true });
  });

  it('keeps one bar through a repeated grant and opens a new one after a withdrawal', () => {
    const l = layoutConsent(
      [
        ev('1', 'p', 'granted', '2024-01-02T00:00:00Z'),
        ev('2', 'p', 'granted', '2024-01-03T00:00:00Z'),
        ev('3', 'p', 'withdrawn', '2024-01-04T00:00:00Z'),
        ev('4', 'p', 'withdrawn', '2024-01-05T00:00:00Z'),
        ev('5', 'p', 'granted', '2024-01-08T00:00:00Z'),
      ],
      range,
      0,
      100,
    );
    expect(l.lanes[0].spans.map((s) => [s.x1, s.x2, s.open])).toEqual([[10, 30, false], [70, 100, true]]);
    expect(l.lanes[0].marks.filter((m) => m.action === 'withdrawn')).toHaveLength(2);
  });

  it('orders two events at the same instant by event id as text (core rule)', () => {
    // "10" < "9" as text: the grant (id 9) comes after the withdrawal (id 10) → granted
    const l = layoutConsent([ev('9', 'p', 'granted', '2024-01-02T00:00:00Z'), ev('10', 'p', 'withdrawn', '2024-01-02T00:00:00Z')], range, 0, 100);
    expect(l.lanes[0].spans).toHaveLength(1);
    expect(l.lanes[0].spans[0].open).toBe(true);
  });

  it('one lane per purpose: contract order first, unknown purposes after, flagged', () => {
    const l = layoutConsent(
      [ev('1', 'brand_new_purpose', 'granted', '2024-01-02T00:00:00Z'), ev('2', 'cookies.analytics', 'granted', '2024-01-02T00:00:00Z'), ev('3', 'newsletter.parenting_news', 'granted', '2024-01-03T00:00:00Z')],
      range,
      0,
      100,
    );
    expect(l.lanes.map((x) => [x.purpose, x.known])).toEqual([
      ['newsletter.parenting_news', true],
      ['cookies.analytics', true],
      ['brand_new_purpose', false],
    ]);
    expect(orderPurposes(['z', 'a', 'z'])).toEqual(['z', 'a']);
  });

  it('skips malformed events and clamps x to the range', () => {
    const l = layoutConsent([ev('1', 'p', 'granted', 'garbage'), { event_id: 'x', purpose: 'p', action: 'maybe', occurred_at: '2024-01-02T00:00:00Z' }], range, 0, 100);
    expect(l.lanes).toEqual([]);
    expect(xOf(T('2023-01-01T00:00:00Z'), range, 0, 100)).toBe(0);
    expect(xOf(T('2030-01-01T00:00:00Z'), range, 0, 100)).toBe(100);
  });

  it('time range covers every event and now', () => {
    const now = T('2025-01-01T00:00:00Z');
    const r = timeRange([ev('1', 'p', 'granted', '2024-01-01T00:00:00Z')], now);
    expect(r.from).toBeLessThan(T('2024-01-01T00:00:00Z'));
    expect(r.to).toBe(now);
    const empty = timeRange([], now);
    expect(empty.to).toBe(now);
    expect(empty.from).toBeLessThan(now);
  });
});
