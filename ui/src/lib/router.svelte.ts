// Hash routing: every screen has a URL (#/sell, #/charge/ID, #/transactions/ID, #/day,
// #/settings, #/receipt/ID, #/receipt/ID/refund/OPERATION), so it can be opened and screenshotted directly.

export type Route =
  | { name: 'sell' }
  | { name: 'charge'; saleId: string }
  | { name: 'transactions' }
  | { name: 'sale'; saleId: string }
  | { name: 'day' }
  | { name: 'settings' }
  /** `refund`: the operation id of the refund whose receipt it is; `null`: the sale's. */
  | { name: 'receipt'; saleId: string; refund: string | null };

/** A sale id from a URL segment (sale ids are opaque strings, UUIDs in the shell), or null. */
function saleIdFromPath(seg: string): string | null {
  let id: string;
  try {
    id = decodeURIComponent(seg);
  } catch {
    return null;
  }
  return /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? id : null;
}

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
  const id = path.length >= 2 ? saleIdFromPath(path[1]!) : null;
  const hasId = id !== null;
  switch (path[0]) {
    case 'charge':
      return hasId ? { name: 'charge', saleId: id } : { name: 'sell' };
    case 'transactions':
      return hasId ? { name: 'sale', saleId: id } : { name: 'transactions' };
    case 'day':
      return { name: 'day' };
    case 'settings':
      return { name: 'settings' };
    case 'receipt':
      if (!hasId) return { name: 'transactions' };
      if (path[2] !== 'refund') return { name: 'receipt', saleId: id, refund: null };
      {
        const op = path.length >= 4 ? saleIdFromPath(path[3]!) : null;
        return op === null ? { name: 'sale', saleId: id } : { name: 'receipt', saleId: id, refund: op };
      }
    default:
      return { name: 'sell' };
  }
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'sell':
      return '#/sell';
    case 'charge':
      return `#/charge/${encodeURIComponent(r.saleId)}`;
    case 'transactions':
      return '#/transactions';
    case 'sale':
      return `#/transactions/${encodeURIComponent(r.saleId)}`;
    case 'day':
      return '#/day';
    case 'settings':
      return '#/settings';
    case 'receipt':
      return `#/receipt/${encodeURIComponent(r.saleId)}${r.refund === null ? '' : `/refund/${encodeURIComponent(r.refund)}`}`;
  }
}

export const router = $state<{ route: Route }>({
  route: typeof location !== 'undefined' ? parseHash(location.hash) : { name: 'sell' },
});

export function navigate(r: Route): void {
  const h = routeHash(r);
  router.route = r;
  if (typeof location !== 'undefined' && location.hash !== h) {
    history.pushState(null, '', h);
  }
}

export function startRouter(): () => void {
  const on = () => {
    router.route = parseHash(location.hash);
  };
  window.addEventListener('hashchange', on);
  window.addEventListener('popstate', on);
  return () => {
    window.removeEventListener('hashchange', on);
    window.removeEventListener('popstate', on);
  };
}
