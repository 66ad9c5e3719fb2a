// How an order line's quantity and price read on screen: "2 × NOK 25.00", and for goods sold by
// weight "0,375 kg × kr 89,00/kg" (the cart, a sale's detail and its receipt alike).
import type { QuickItem } from './bindings/QuickItem';
import { translate, type Lang } from './i18n/index';
import { formatDecimal, formatMoney } from './money';

/** Whether a sold line was weighed: its product is a weighed quick item, or its quantity has
 *  decimals (only a scale gives those; a line keeps no unit of its own). */
export function soldByWeight(line: { quantity: string; product_id: string | null }, items: readonly QuickItem[]): boolean {
  const item = line.product_id === null ? undefined : items.find((q) => q.id === line.product_id);
  return item?.weighed ?? /\.\d*[1-9]/.test(line.quantity);
}

/** "0,375 kg" (weighed) or "2". */
export function quantityText(quantity: string, weighed: boolean, lang: Lang): string {
  const q = formatDecimal(quantity, lang);
  return weighed ? `${q}\u00a0${translate(lang, 'common.kg')}` : q;
}

/** "kr 89,00/kg" (weighed) or "kr 25,00". */
export function unitPriceText(unitPrice: number, currency: string, weighed: boolean, lang: Lang): string {
  const price = formatMoney(unitPrice, currency, lang);
  return weighed ? `${price}${translate(lang, 'sell.per_kg')}` : price;
}

/** "0,375 kg × kr 89,00/kg" or "2 × NOK 25.00". */
export function lineQuantityText(
  line: { quantity: string; unit_price: number },
  currency: string,
  weighed: boolean,
  lang: Lang,
): string {
  return `${quantityText(line.quantity, weighed, lang)} × ${unitPriceText(line.unit_price, currency, weighed, lang)}`;
}
