// Hash routing: every screen has a URL (#/sell, #/charge/12, #/transactions/12, #/day,
// #/settings, #/receipt/12, #/receipt/12/refund), so it can be opened and screenshotted directly.

export type Route =
  | { name: 'sell' }
  | { name: 'charge'; saleId: number }
  | { name: 'transactions' }
  | { name: 'sale'; saleId: number }
  | { name: 'day' }
  | { name: 'settings' }
  | { name: 'receipt'; saleId: number; refund: boolean };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
  const id = Number(path[1]);
  const hasId = path.length >= 2 && Number.isInteger(id) && id > 0;
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
      return hasId ? { name: 'receipt', saleId: id, refund: path[2] === 'refund' } : { name: 'transactions' };
    default:
      return { name: 'sell' };
  }
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'sell':
      return '#/sell';
    case 'charge':
      return `#/charge/${r.saleId}`;
    case 'transactions':
      return '#/transactions';
    case 'sale':
      return `#/transactions/${r.saleId}`;
    case 'day':
      return '#/day';
    case 'settings':
      return '#/settings';
    case 'receipt':
      return `#/receipt/${r.saleId}${r.refund ? '/refund' : ''}`;
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
