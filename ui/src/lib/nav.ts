// Which navigation items and actions a role gets, from SessionInfo.can.
import type { ActionKey, Role, SessionInfo } from './types';

export interface NavItem {
  id: 'home' | 'sync' | 'search' | 'requests' | 'disclosures' | 'audit' | 'users' | 'privacy';
  label: string;
  href: string;
  testid: string;
}

/** Whether the session may do `action` (its `can`: core's roles table). */
export function can(session: Pick<SessionInfo, 'can'> | null | undefined, action: ActionKey): boolean {
  return !!session && session.can.includes(action);
}

const ALL: (NavItem & { needs: ActionKey | null })[] = [
  { id: 'home', label: 'Home', href: '#/', testid: 'nav-home', needs: null },
  { id: 'sync', label: 'Sync', href: '#/sync', testid: 'nav-sync', needs: 'sync' },
  { id: 'search', label: 'Search', href: '#/search', testid: 'nav-search', needs: 'read_members' },
  { id: 'requests', label: 'Requests', href: '#/requests', testid: 'nav-requests', needs: 'request_register' },
  { id: 'disclosures', label: 'Disclosures', href: '#/disclosures', testid: 'nav-disclosures', needs: 'read_disclosures' },
  { id: 'audit', label: 'Audit trail', href: '#/audit', testid: 'nav-audit', needs: 'read_audit' },
  { id: 'users', label: 'Users', href: '#/users', testid: 'nav-users', needs: 'manage_users' },
  { id: 'privacy', label: 'Privacy facts', href: '#/privacy', testid: 'nav-privacy', needs: 'read_status' },
];

export function navItems(session: Pick<SessionInfo, 'can'> | null | undefined): NavItem[] {
  if (!session) return [];
  return ALL.filter((i) => i.needs === null || can(session, i.needs)).map(({ needs: _n, ...i }) => i);
}

/** Privacy facts: everyone reads, only a DPO edits. */
export function canEditPrivacyFacts(session: Pick<SessionInfo, 'role'> | null | undefined): boolean {
  return session?.role === 'dpo';
}

export const ROLE_LABELS: Record<Role, string> = {
  dpo: 'Data protection officer',
  staff: 'Staff',
  auditor: 'Auditor',
};
