import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import CustomerDisplay from './screens/CustomerDisplay.svelte';
import { applyBoot, applyTheme, type Theme } from './lib/state.svelte';

const params = new URLSearchParams(location.search);
let theme = (params.get('theme') as Theme | null) ?? null;
if (!theme) {
  try {
    theme = (localStorage.getItem('kasse.theme') as Theme | null) ?? 'auto';
  } catch {
    theme = 'auto';
  }
}
applyTheme(theme === 'light' || theme === 'dark' ? theme : 'auto');

if (location.hash.startsWith('#/display')) {
  // The customer display window: its own page, which asks for nothing but its view.
  mount(CustomerDisplay, { target: document.getElementById('app')! });
} else {
  // The shell's start-up data first, so the first frame is the usable Sell screen.
  applyBoot();
  mount(App, { target: document.getElementById('app')! });
}
