// The Day screen on answers the engine gave (the replayed `sales` fixture): the running report
// of the fixture's day, with the journal's chain head printed on it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DayReport } from '../src/lib/bindings/DayReport';
import type { Fixture } from '../src/lib/replay';
import salesFixture from '../src/lib/fixtures/sales.json';
import { $, mountApp, until } from './whole-app';

const sales = salesFixture as Fixture;
const recorded = sales.steps.find((s) => s.call === 'day_report')!;
let close: () => void;

beforeAll(async () => {
  // The report opens on "today": make that the fixture's day.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date((recorded.args as { from: string }).from));
  ({ close } = await mountApp(sales, '#/day'));
});

afterAll(() => {
  close();
  vi.useRealTimers();
});

describe('the day report on the recorded answers', () => {
  it('prints the chain head the engine gave', async () => {
    const head = (recorded.answer as DayReport).journal_head!;
    expect(head).toMatch(/^\d+:[0-9a-f]{12}$/);
    await until(() => $('#report-journal-head') !== null, 'the report');
    expect($('#report-journal-head')!.textContent).toContain(head);
    expect($('#report-net')!.textContent).not.toBe('');
  });

  it('shows failed attempts and open authorisations apart from paid sales', async () => {
    const answer = recorded.answer as DayReport;
    await until(() => $('#report-failed') !== null, 'the report');
    expect(answer.failed_attempts).toBeGreaterThan(0);
    expect($('#report-failed')!.textContent).toBe(String(answer.failed_attempts));
    expect($('#report-sales')!.textContent).toBe(String(answer.sales));
    expect($('#report-open')!.textContent).not.toBe('');
  });
});
