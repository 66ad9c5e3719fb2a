// Dev scenarios on the replayed `app` fixture (npm run dev / preview without Tauri), so each
// screen can be opened in a given state by URL: ?scenario=cart | charge | paying | paid. The
// cart and the acts are the ones the fixture recorded (src-tauri/tests/it/fixtures.rs).
import { api, replayBackend, usingReplay } from './api';
import { addLine, toOrderInput } from './cart';
import { cartSale } from './cart-sale';
import { navigate } from './router.svelte';
import { app, currency, rememberCharge, repriceCart, sell } from './state.svelte';

export async function runScenario(name: string | null): Promise<void> {
  if (!name || !usingReplay()) return;
  const items = app.settings?.quick_items ?? [];
  const add = (id: string, quantity: string) => {
    const q = items.find((x) => x.id === id);
    if (q) sell.cart = addLine(sell.cart, { description: q.label, quantity, unit_price: q.unit_price, vat: q.vat, product_id: q.id, weighed: q.weighed }).cart;
  };
  add('coffee', '2');
  add('bun', '3');
  await repriceCart();
  if (name === 'cart') return;
  const c = await api.charge(toOrderInput(sell.cart, currency()));
  rememberCharge(c);
  cartSale.id = c.sale_id;
  navigate({ name: 'charge', saleId: c.sale_id });
  const replay = await replayBackend();
  if (name === 'paying' || name === 'paid') replay?.act('visit');
  if (name === 'paid') replay?.act('pay');
}
