import { describe, expect, it } from 'vitest';
import { dueTone, formatBytes, formatDate, formatDateTime, humanise, localToRfc3339, relativeDue, rfc3339ToLocal } from './format';

describe('human dates', () => {
  it('formats an instant as "23 Nov 2026, 10:15" in en-GB', () => {
    expect(formatDateTime('2026-11-23T10:15:00Z', 'UTC')).toBe('23 Nov 2026, 10:15');
  });
  it('uses the given time zone (London is UTC+1 in summer)', () => {
    expect(formatDateTime('2026-07-01T10:15:00Z', 'Europe/London')).toBe('1 Jul 2026, 11:15');
  });
  it('shows a dash for no value and the raw text for garbage', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a time')).toBe('not a time');
  });
  it('formats a plain date without shifting the day', () => {
    expect(formatDate('2026-01-02')).toBe('2 Jan 2026');
    expect(formatDate(null)).toBe('—');
  });
});

describe('relative due', () => {
  it.each([
    [0, 'due today'],
    [1, 'due tomorrow'],
    [3, 'due in 3 days'],
    [-1, 'overdue by 1 day'],
    [-2, 'overdue by 2 days'],
  ])('%i → %s', (n, s) => expect(relativeDue(n)).toBe(s));
  it('is empty without a due date', () => expect(relativeDue(null)).toBe(''));
});

describe('due tone', () => {
  const base = { status: 'open', overdue: false, paused: false, days_left: 20, outcome: null };
  it('colours rows: overdue red, ≤7 days amber, paused grey, closed muted', () => {
    expect(dueTone({ ...base, overdue: true, days_left: -2 })).toBe('overdue');
    expect(dueTone({ ...base, days_left: 7 })).toBe('soon');
    expect(dueTone({ ...base, days_left: 8 })).toBe('ok');
    expect(dueTone({ ...base, paused: true, status: 'paused', days_left: 2 })).toBe('paused');
    expect(dueTone({ ...base, outcome: 'answered', status: 'closed', overdue: true })).toBe('closed');
  });
});

describe('other formatting', () => {
  it('humanises codes', () => expect(humanise('refused_manifestly_unfounded')).toBe('Refused manifestly unfounded'));
  it('formats bytes', () => {
    expect(formatBytes(500)).toBe('500 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(48_000_000)).toBe('46 MB');
  });
  it('turns datetime-local into RFC 3339 UTC and back', () => {
    const iso = localToRfc3339('2026-11-04T16:20');
    expect(iso).toMatch(/^2026-11-0\dT\d\d:20:00Z$/);
    expect(rfc3339ToLocal(iso)).toBe('2026-11-04T16:20');
    expect(localToRfc3339('')).toBeNull();
  });
});
