import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import CustomerDisplay from './screens/CustomerDisplay.svelte';
import { applyBoot, applyTheme } from './lib/state.svelte';
import { storedTheme } from './lib/theme';

// `?theme=` forces one (screenshots); else the one the counter chose last.
const forced = new URLSearchParams(location.search).get('theme');
applyTheme(forced === null ? storedTheme() : forced === 'light' || forced === 'dark' ? forced : 'auto');

if (location.hash.startsWith('#/display')) {
  // The customer display window: its own page, which asks for nothing but its view.
  mount(CustomerDisplay, { target: document.getElementById('app')! });
} else {
  // The shell's start-up data first, so the first frame is the usable Sell screen.
  applyBoot();
  mount(App, { target: document.getElementById('app')! });
}
