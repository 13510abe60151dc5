import { describe, expect, it } from 'vitest';
import { activityEntities, channelLabel, columnsOf, outcomeLabel, showValue } from './display';

describe('display helpers', () => {
  it('lists activity entities in reading order, unknown ones after, never consent', () => {
    expect(activityEntities({ reviews: 1, consent_events: 3, posts: 2, zebra_things: 1, login_events: 0 })).toEqual([
      'posts',
      'login_events',
      'reviews',
      'zebra_things',
    ]);
  });
  it('columns are the union of keys, internal ones last', () => {
    expect(columnsOf([{ _export_sequence: 1, id: 'a' }, { id: 'b', body: 'x' }])).toEqual(['id', 'body', '_export_sequence']);
  });
  it('shows values for people', () => {
    expect(showValue(null)).toBe('—');
    expect(showValue(true)).toBe('yes');
    expect(showValue('2026-01-02')).toBe('2 Jan 2026');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
    expect(showValue('plain')).toBe('plain');
  });
  it('labels channels and outcomes in plain words', () => {
    expect(channelLabel('web')).toBe('Web form');
    expect(channelLabel('other')).toBe('In person or other');
    expect(outcomeLabel('refused_excessive')).toBe('Refused — excessive');
  });
});
