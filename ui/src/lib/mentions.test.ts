import { describe, expect, it } from 'vitest';
import { authorLabel, checkDate, hasNext, incompleteNotes, kindLabel, pageRange, searchable, snippetText } from './mentions';

describe('mentions helpers', () => {
  it('labels kinds and authors', () => {
    expect(kindLabel('at_username')).toBe('@username');
    expect(kindLabel('name')).toBe('first name and surname');
    expect(authorLabel({ kind: 'member', member_id: 'm-1', username: 'Chatty' })).toBe('Chatty');
    expect(authorLabel({ kind: 'former_member', member_id: 'm-9', username: null })).toBe('a former member (m-9)');
    expect(authorLabel({ kind: 'staff', member_id: null, username: null })).toBe('helpdesk staff');
    expect(authorLabel({ kind: 'requester', member_id: null, username: null })).toContain('without an account');
  });

  it('pages', () => {
    expect(pageRange({ page: 2, page_size: 20, total: 1234 }, 20)).toBe('Items 21–40 of 1,234');
    expect(pageRange({ page: 9, page_size: 20, total: 10 }, 0)).toBeNull();
    expect(hasNext({ page: 1, page_size: 20, total: 20 })).toBe(false);
    expect(hasNext({ page: 1, page_size: 20, total: 21 })).toBe(true);
  });

  it('snippets as text, dates and searchable words', () => {
    expect(snippetText([{ text: 'see ', mark: false }, { text: '@Zoë', mark: true }])).toBe('see «@Zoë»');
    expect(checkDate('')).toBeNull();
    expect(checkDate('2026-01-31')).toBeNull();
    expect(checkDate('2026-01-31T10:00:00Z')).toBeNull();
    expect(checkDate('31/01/2026')).toContain('YYYY-MM-DD');
    expect(searchable('!')).toBe(false);
    expect(searchable('Zö')).toBe(true);
  });

  it('says what a bounded search did not read', () => {
    const notes = incompleteNotes({
      words: ['x'], page: 1, page_size: 20, items: [], more: false,
      sites: [
        { site: 'a', indexed: false, complete: false, rows_read: 50000 },
        { site: 'b', indexed: true, complete: true, rows_read: 3 },
      ],
    });
    expect(notes).toEqual(['a: only the newest 50,000 items were read. Turn on the site\'s text index to search everything.']);
  });
});
