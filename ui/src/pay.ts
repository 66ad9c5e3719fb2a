// Entry of pay.html, the "Pay here" window: embeds the sale's checkout (./lib/pay-page.ts).
import './app.css';
import { embed } from '@dintero/checkout-web-sdk';
import { translate } from './lib/i18n';
import { handlers, readPayPage, tell, type Invoke } from './lib/pay-page';
import { isDark, storedTheme } from './lib/theme';

declare global {
  interface Window {
    __TAURI__?: { core: { invoke: Invoke } };
  }
}

async function start(): Promise<void> {
  document.documentElement.dataset.theme = isDark(storedTheme()) ? 'dark' : 'light';
  const page = readPayPage(location.search);
  const unavailable = document.getElementById('pay-unavailable')!;
  const lang = page?.lang ?? 'en';
  document.documentElement.lang = lang;
  document.getElementById('pay-title')!.textContent = translate(lang, 'pay.title');
  unavailable.textContent = translate(lang, 'pay.unavailable');
  const invoke = window.__TAURI__?.core.invoke;
  if (!page || !invoke) {
    unavailable.hidden = false;
    return;
  }
  const follow = (href: string) => location.assign(href);
  try {
    await embed({
      container: document.getElementById('checkout') as HTMLDivElement,
      sid: page.sid,
      endpoint: page.endpoint,
      language: page.language,
      ...handlers((event) => void tell(invoke, page.saleId, event, follow)),
    });
  } catch (e) {
    console.error('embed', e);
    unavailable.hidden = false;
  }
}

void start();
