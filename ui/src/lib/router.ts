// Hash routes: `#/member/<site>/<id>?tab=consent`. Pure parse/format.

export type Route =
  | { name: 'home' }
  | { name: 'sync' }
  | { name: 'search'; q?: string }
  | { name: 'member'; site: string; memberId: string; tab: string }
  | { name: 'requests'; overdue?: boolean }
  | { name: 'request'; reference: string }
  | { name: 'review'; reference: string; item?: number }
  | { name: 'disclosures' }
  | { name: 'disclosure'; id: string }
  | { name: 'disclosure-new'; site?: string; memberId?: string }
  | { name: 'disclosure-amend'; id: string }
  | { name: 'audit' }
  | { name: 'users' }
  | { name: 'privacy' }
  | { name: 'conflicts' }
  | { name: 'not-found'; path: string };

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const [path, query = ''] = h.split('?');
  const q = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [a, b, c] = parts;
  switch (a) {
    case undefined:
    case 'home':
      return { name: 'home' };
    case 'sync':
      return { name: 'sync' };
    case 'search':
      return { name: 'search', q: q.get('q') ?? undefined };
    case 'member':
      if (b && c) return { name: 'member', site: b, memberId: c, tab: q.get('tab') ?? 'profile' };
      break;
    case 'requests':
      return b ? { name: 'request', reference: b } : q.get('overdue') === '1' ? { name: 'requests', overdue: true } : { name: 'requests' };
    case 'review':
      if (b) {
        const item = Number(q.get('item'));
        return q.get('item') !== null && Number.isInteger(item) && item >= 0 ? { name: 'review', reference: b, item } : { name: 'review', reference: b };
      }
      break;
    case 'disclosures':
      if (b === 'new') return { name: 'disclosure-new', site: q.get('site') ?? undefined, memberId: q.get('member') ?? undefined };
      if (b && c === 'amend') return { name: 'disclosure-amend', id: b };
      return b ? { name: 'disclosure', id: b } : { name: 'disclosures' };
    case 'audit':
      return { name: 'audit' };
    case 'users':
      return { name: 'users' };
    case 'privacy':
      return { name: 'privacy' };
    case 'conflicts':
      return { name: 'conflicts' };
  }
  return { name: 'not-found', path };
}

const enc = encodeURIComponent;

export function memberHref(site: string, memberId: string, tab?: string): string {
  return `#/member/${enc(site)}/${enc(memberId)}${tab && tab !== 'profile' ? `?tab=${enc(tab)}` : ''}`;
}
export function requestHref(reference: string): string {
  return `#/requests/${enc(reference)}`;
}
/** The review screen of a request's current draft. */
export function reviewHref(reference: string, item?: number): string {
  return `#/review/${enc(reference)}${item === undefined ? '' : `?item=${item}`}`;
}
export function disclosureHref(id: string): string {
  return `#/disclosures/${enc(id)}`;
}
export function newDisclosureHref(site?: string, memberId?: string): string {
  const q = new URLSearchParams();
  if (site) q.set('site', site);
  if (memberId) q.set('member', memberId);
  const s = q.toString();
  return `#/disclosures/new${s ? `?${s}` : ''}`;
}
export function amendDisclosureHref(id: string): string {
  return `#/disclosures/${enc(id)}/amend`;
}

/** Which nav item a route belongs to. */
export function navOf(r: Route): string {
  switch (r.name) {
    case 'member':
      return 'search';
    case 'conflicts':
      return 'home'; // reached from Home's panel
    case 'request':
    case 'review':
      return 'requests';
    case 'disclosure':
    case 'disclosure-new':
    case 'disclosure-amend':
      return 'disclosures';
    default:
      return r.name;
  }
}
