// Demo scenarios for the fake backend only (npm run dev / preview without Tauri), so each screen
// can be opened in a given state by URL: ?scenario=cart | charge | paid | declined.
import { api, usingFake, fakeBackend } from './api';
import { addLine, toOrderInput } from './cart';
import { cartSale } from './cart-sale';
import { navigate } from './router.svelte';
import { app, currency, rememberCharge, repriceCart, sell } from './state.svelte';

export async function runScenario(name: string | null): Promise<void> {
  if (!name || !usingFake()) return;
  const items = app.settings?.quick_items ?? [];
  const add = (id: string, quantity: string) => {
    const q = items.find((x) => x.id === id);
    if (q) sell.cart = addLine(sell.cart, { description: q.label, quantity, unit_price: q.unit_price, vat: q.vat, product_id: q.id, weighed: q.weighed }).cart;
  };
  add('coffee', '2');
  add('bun', '1');
  add('candy', '0.375');
  add('mug', '1');
  await repriceCart();
  if (name === 'cart') return;
  const c = await api.charge(toOrderInput(sell.cart, currency()));
  rememberCharge(c);
  cartSale.id = c.sale_id;
  navigate({ name: 'charge', saleId: c.sale_id });
  if (name === 'paying') fakeBackend()?.visit(c.sale_id);
  if (name === 'paid') fakeBackend()?.pay(c.sale_id, 'authorized');
  if (name === 'declined') fakeBackend()?.pay(c.sale_id, 'declined');
}
