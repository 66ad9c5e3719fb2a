// The pay window's page: Dintero's checkout embedded with its Web SDK for one sale. What it
// needs comes from the shell in its query (`sale`, `sid`, `endpoint`, `language`: decided by
// kasse-core's pay_window::Embed); the SDK's payment events go to the engine, which reads the
// payment (an event proves nothing). If the engine cannot be told, the page follows the event's
// `href` (the return URL), which the shell catches and confirms with one read: the fallback.
import type { PayCommand } from './bindings/commands';
import { toLang, type Lang } from './i18n';

export interface PayPage {
  saleId: string;
  sid: string;
  endpoint: string;
  language?: string;
  lang: Lang;
}

/** The page's query read back; `null` when a part is missing. */
export function readPayPage(search: string): PayPage | null {
  const q = new URLSearchParams(search);
  const saleId = q.get('sale');
  const sid = q.get('sid');
  const endpoint = q.get('endpoint');
  if (!saleId || !sid || !endpoint) return null;
  const language = q.get('language') ?? undefined;
  return { saleId, sid, endpoint, language, lang: toLang(language) };
}

/** The SDK's events that say something about the payment (the engine knows the same names). */
export type PaymentEvent = { type: string; href?: string };

export type Invoke = (cmd: PayCommand, args: Record<string, unknown>) => Promise<unknown>;

/** Passes one SDK event to the engine; on failure follows its `href`, if any. */
export async function tell(
  invoke: Invoke,
  saleId: string,
  event: PaymentEvent,
  follow: (href: string) => void,
): Promise<void> {
  try {
    await invoke('checkout_event', { saleId, event: event.type });
  } catch (e) {
    console.error('checkout_event', e);
    if (event.href) follow(event.href);
  }
}

/** The SDK's handlers for the payment events, each passing its event on with `tell`. */
export function handlers(send: (event: PaymentEvent) => void) {
  const pass = (event: PaymentEvent) => send({ type: event.type, href: event.href });
  return {
    onPayment: pass,
    onPaymentError: pass,
    onSessionCancel: pass,
    onSessionNotFound: pass,
  };
}
