import { describe, expect, it } from 'vitest';
import { can, navItems } from './nav';
import { ROLE_CAN } from './generated';
import type { ActionKey } from './types';

// The roles table comes from core (generated): the nav follows it.
const ids = (can: readonly ActionKey[]) => navItems({ can: [...can] }).map((i) => i.testid);

describe('role → nav', () => {
  it('gives a DPO everything', () => {
    expect(ids(ROLE_CAN.dpo)).toEqual(['nav-home', 'nav-sync', 'nav-search', 'nav-requests', 'nav-disclosures', 'nav-audit', 'nav-users', 'nav-privacy']);
  });
  it('gives staff no audit and no users', () => {
    expect(ids(ROLE_CAN.staff)).toEqual(['nav-home', 'nav-sync', 'nav-search', 'nav-requests', 'nav-disclosures', 'nav-privacy']);
  });
  it('gives an auditor no search and no sync', () => {
    const n = ids(ROLE_CAN.auditor);
    expect(n).not.toContain('nav-search');
    expect(n).not.toContain('nav-sync');
    expect(n).toEqual(['nav-home', 'nav-requests', 'nav-disclosures', 'nav-audit', 'nav-privacy']);
  });
  it('nothing when signed out', () => expect(navItems(null)).toEqual([]));
  it('asks the session for the action key', () => {
    expect(can({ can: ['hold'] }, 'hold')).toBe(true);
    expect(can({ can: ['read_status'] }, 'hold')).toBe(false);
    expect(can(null, 'read_status')).toBe(false);
  });
});
