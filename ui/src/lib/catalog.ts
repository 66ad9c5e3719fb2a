// The catalogue as the UI shows it: a product as a tile (the quick item's shape, so tapping a
// found product, a favourite or a quick item is one flow), and the words for why a row was
// refused (keyed by the core's RejectCode; the type checker fails when a code has none).
import type { Product } from './bindings/Product';
import type { QuickItem } from './bindings/QuickItem';
import type { RejectCode } from './bindings/RejectCode';
import type { MessageKey } from './i18n/index';

/** A product as a tile: its SKU is the line's product id (Dintero's `id`). */
export function productTile(p: Product): QuickItem {
  return { id: p.sku, label: p.name, unit_price: p.price, vat: p.vat, weighed: p.unit === 'kg' };
}

export const REJECT_KEYS: Record<RejectCode, MessageKey> = {
  missing: 'catalog.reject.missing',
  bad_price: 'catalog.reject.bad_price',
  bad_vat: 'catalog.reject.bad_vat',
  vat_not_allowed: 'catalog.reject.vat_not_allowed',
  bad_gtin: 'catalog.reject.bad_gtin',
  duplicate_gtin: 'catalog.reject.duplicate_gtin',
  duplicate_sku: 'catalog.reject.duplicate_sku',
  bad_unit: 'catalog.reject.bad_unit',
  bad_flag: 'catalog.reject.bad_flag',
  bad_row: 'catalog.reject.bad_row',
};

/** Results asked for per keystroke (enough to fill the panel). */
export const SEARCH_LIMIT = 30;

/** Waits this long after the last keystroke before searching. */
export const SEARCH_DEBOUNCE_MS = 80;
