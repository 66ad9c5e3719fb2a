// The Transactions screen on answers the engine gave (the replayed `sales` fixture): the first
// page, a status filter and a search by reference, with the ids the WebDriver tests use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalePage } from '../src/lib/bindings/SalePage';
import type { Fixture } from '../src/lib/replay';
import { tx } from '../src/lib/tx-state.svelte';
import salesFixture from '../src/lib/fixtures/sales.json';
import { $, $$, mountApp, until } from './whole-app';

const sales = salesFixture as Fixture;
const rows = () => $$('[data-testid=sale-row]');
let close: () => void;

beforeAll(async () => {
  ({ close } = await mountApp(sales, '#/transactions'));
});

afterAll(() => {
  close();
  tx.search = '';
  tx.statuses = [];
});

describe('the transactions list on the recorded answers', () => {
  it('shows the first page, newest first, with each sale’s status', async () => {
    await until(() => rows().length > 0, 'rows');
    expect(rows().map((r) => r.dataset.status)).toEqual(['cancelled', 'declined', 'authorized', 'captured']);
    expect(rows().at(-1)!.dataset.saleId).toBe(sales.vars.captured);
  });

  it('filters by status', async () => {
    $<HTMLElement>('[data-testid=status-chip][data-status=captured]')!.click();
    await until(() => rows().length === 1, 'one captured sale');
    expect(rows()[0]!.dataset.saleId).toBe(sales.vars.captured);
    $<HTMLElement>('[data-testid=status-chip][data-status=all]')!.click();
    await until(() => rows().length === 4, 'all again');
  });

  it('finds a sale by its merchant reference', async () => {
    const first = sales.steps.find((s) => s.call === 'list_sales')!.answer as SalePage;
    const ref = first.items[0]!.merchant_reference;
    const input = $<HTMLInputElement>('#search')!;
    input.value = ref;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await until(() => rows().length === 1, 'the one sale');
    expect(rows()[0]!.dataset.saleId).toBe(first.items[0]!.sale_id);
  });
});
