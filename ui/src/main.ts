import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { locale } from './lib/i18n/locale.svelte';

document.documentElement.lang = locale.lang;

const target = document.getElementById('app');
if (!target) throw new Error('The #app element is missing from index.html.');

export default mount(App, { target });
