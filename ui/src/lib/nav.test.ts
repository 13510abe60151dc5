import { describe, expect, it } from 'vitest';
import { can, navItems } from './nav';

const DPO = ['sync', 'read_members', 'request_register', 'request_bundle', 'request_settings', 'change_requests', 'record_disclosure', 'amend_disclosure', 'read_disclosures', 'hold', 'manage_users', 'read_audit', 'read_status', 'change_own_password'];
const STAFF = ['sync', 'read_members', 'request_register', 'request_bundle', 'change_requests', 'record_disclosure', 'read_disclosures', 'read_status', 'change_own_password'];
const AUDITOR = ['request_register', 'read_disclosures', 'read_audit', 'read_status', 'change_own_password'];
const ids = (can: string[]) => navItems({ can }).map((i) => i.testid);

describe('role → nav', () => {
  it('gives a DPO everything', () => {
    expect(ids(DPO)).toEqual(['nav-home', 'nav-sync', 'nav-search', 'nav-requests', 'nav-disclosures', 'nav-audit', 'nav-users', 'nav-privacy']);
  });
  it('gives staff no audit and no users', () => {
    expect(ids(STAFF)).toEqual(['nav-home', 'nav-sync', 'nav-search', 'nav-requests', 'nav-disclosures', 'nav-privacy']);
  });
  it('gives an auditor no search and no sync', () => {
    const n = ids(AUDITOR);
    expect(n).not.toContain('nav-search');
    expect(n).not.toContain('nav-sync');
    expect(n).toEqual(['nav-home', 'nav-requests', 'nav-disclosures', 'nav-audit', 'nav-privacy']);
  });
  it('nothing when signed out', () => expect(navItems(null)).toEqual([]));
  it('accepts core action names as aliases', () => {
    expect(can({ can: ['legal_hold'] }, 'hold')).toBe(true);
    expect(can({ can: ['hold'] }, 'hold')).toBe(true);
    expect(can({ can: ['read_status'] }, 'hold')).toBe(false);
  });
});
