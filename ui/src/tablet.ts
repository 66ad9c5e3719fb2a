// Entry of tablet.html, the customer display on a tablet: the pairing form until the counter's
// code is typed, then the same display screen as the counter's display window (./lib/tablet.ts).
import './app.css';
import { mount } from 'svelte';
import CustomerDisplay from './screens/CustomerDisplay.svelte';
import TabletPair from './components/TabletPair.svelte';
import { setTransport } from './lib/api';
import { setLang } from './lib/i18n.svelte';
import { toLang } from './lib/i18n/index';
import { applyTheme } from './lib/state.svelte';
import { paired, tabletTransport } from './lib/tablet';

const target = document.getElementById('app')!;
applyTheme('auto');
setLang(toLang(navigator.language));

function showDisplay(): void {
  target.replaceChildren();
  setTransport(tabletTransport(() => location.reload()));
  mount(CustomerDisplay, { target });
}

async function start(): Promise<void> {
  const p = await paired();
  if (p === true) showDisplay();
  else if (p === false) mount(TabletPair, { target, props: { onpaired: showDisplay } });
  else setTimeout(() => void start(), 3000);
}

void start();
