import { describe, expect, it } from 'vitest';
import { activityEntities, calendarLabel, channelLabel, columnsOf, ENTITY_LABELS, fieldLabel, objectOf, outcomeLabel, purposeLabel, showValue, sourceLabel } from './display';
import labels from '../../../crates/core/src/labels.json';

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
    expect(calendarLabel('england_and_wales')).toBe('England and Wales');
    expect(calendarLabel('scotland')).toBe('Scotland');
    expect(channelLabel('other')).toBe('In person or other');
    expect(outcomeLabel('refused_excessive')).toBe('Refused — excessive');
  });
  it('takes its words from the label table shared with the core', () => {
    expect(Object.keys(ENTITY_LABELS).sort()).toEqual(Object.keys(labels.entities).sort());
    expect(ENTITY_LABELS.login_events).toBe('Logins');
    expect(fieldLabel('posted_at')).toBe('Posted');
    expect(fieldLabel('marketing_segment')).toBe('Marketing segment');
    expect(fieldLabel('shoe_size')).toBe('Shoe size');
    expect(purposeLabel('partner_emails')).toBe("Emails about our partners' offers");
    expect(sourceLabel('cmp')).toBe('Cookie banner (CMP)');
    expect(sourceLabel('carrier_pigeon')).toBe('carrier_pigeon');
  });
});

describe('objectOf', () => {
  it('gives a JSON object back and anything else as an empty object', () => {
    expect(objectOf({ site: 'netmums' })).toEqual({ site: 'netmums' });
    expect(objectOf(null)).toEqual({});
    expect(objectOf(['a'])).toEqual({});
    expect(objectOf('text')).toEqual({});
    expect(objectOf(undefined)).toEqual({});
  });
});
