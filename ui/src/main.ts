import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { locale } from './lib/i18n/locale.svelte';

document.documentElement.lang = locale.lang;

// WebKitGTK gives the process locale as navigator.language; under LANG=C or POSIX that is
// "C", which Intl rejects. The chart library formats numbers with it as soon as it loads, so
// the Sending screen would fail to open. Give Intl a tag it accepts: the UI's language.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, 'language', { value: locale.lang, configurable: true });
}

const target = document.getElementById('app');
if (!target) throw new Error('The #app element is missing from index.html.');

export default mount(App, { target });
