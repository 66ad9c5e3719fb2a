// The Transactions list state survives opening a sale and coming back.
import type { SaleStatus } from './bindings/SaleStatus';
import type { SaleSummary } from './bindings/SaleSummary';

export const tx = $state({
  search: '',
  statuses: [] as SaleStatus[],
  from: '',
  to: '',
  amountMin: '',
  amountMax: '',
  /** Only the authorisations staff must capture or void (the core's list, one page). */
  uncaptured: false,
  items: [] as SaleSummary[],
  nextCursor: null as string | null,
  loaded: false,
});

export const FILTER_STATUSES: SaleStatus[] = [
  'waiting', 'paying', 'authorized', 'captured', 'partially_refunded', 'refunded', 'declined', 'failed', 'cancelled', 'expired', 'voided', 'on_hold',
];

export const PAGE_SIZE = 50;
