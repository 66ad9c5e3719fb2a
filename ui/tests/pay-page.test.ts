import { describe, expect, it, vi } from 'vitest';
import { handlers, readPayPage, tell } from '../src/lib/pay-page';

describe('the pay window page', () => {
  it('reads what the shell put in its query, and nothing less', () => {
    const page = readPayPage('?sale=S1&sid=T1.abc&endpoint=http%3A%2F%2F127.0.0.1%3A4010&language=no');
    expect(page).toEqual({ saleId: 'S1', sid: 'T1.abc', endpoint: 'http://127.0.0.1:4010', language: 'no', lang: 'nb' });
    expect(readPayPage('?sale=S1&sid=T1&endpoint=https%3A%2F%2Fcheckout.dintero.com')?.lang).toBe('en');
    for (const partial of ['?sid=T1&endpoint=x', '?sale=S1&endpoint=x', '?sale=S1&sid=T1', '']) {
      expect(readPayPage(partial), partial).toBeNull();
    }
  });

  it('passes each payment event of the SDK to the engine by its SDK name', async () => {
    const sent: unknown[] = [];
    const h = handlers((e) => sent.push(e));
    h.onPayment({ type: 'SessionPaymentAuthorized', href: 'https://r/?transaction_id=T1' });
    h.onPaymentError({ type: 'SessionPaymentError', href: 'https://r/?error=failed' });
    h.onSessionCancel({ type: 'SessionCancel', href: 'https://r/?error=cancelled' });
    h.onSessionNotFound({ type: 'SessionNotFound' });
    expect(sent).toEqual([
      { type: 'SessionPaymentAuthorized', href: 'https://r/?transaction_id=T1' },
      { type: 'SessionPaymentError', href: 'https://r/?error=failed' },
      { type: 'SessionCancel', href: 'https://r/?error=cancelled' },
      { type: 'SessionNotFound', href: undefined },
    ]);
  });

  it('tells the engine, and follows the return URL only when the engine cannot be told', async () => {
    const invoke = vi.fn().mockResolvedValue(null);
    const follow = vi.fn();
    const event = { type: 'SessionPaymentAuthorized', href: 'https://r/?transaction_id=T1' };
    await tell(invoke, 'S1', event, follow);
    expect(invoke).toHaveBeenCalledWith('checkout_event', { saleId: 'S1', event: 'SessionPaymentAuthorized' });
    expect(follow).not.toHaveBeenCalled();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const refused = vi.fn().mockRejectedValue({ code: 'invalid_state', message: 'x' });
    await tell(refused, 'S1', event, follow);
    expect(follow).toHaveBeenCalledWith('https://r/?transaction_id=T1');
    follow.mockClear();
    await tell(refused, 'S1', { type: 'SessionNotFound' }, follow);
    expect(follow).not.toHaveBeenCalled();
  });
});
