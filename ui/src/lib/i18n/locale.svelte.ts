import type { MessageKey } from './en';
import { translate } from './translate';
import { isLang, langFromTag, type Lang, type Params } from './types';

const STORAGE_KEY = 'appeal-desk.lang';

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // storage unavailable: fall back to the browser language
  }
  return langFromTag(globalThis.navigator?.language);
}

let current = $state<Lang>(initialLang());

export const locale = {
  get lang(): Lang {
    return current;
  },
  set lang(value: Lang) {
    current = value;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, value);
    } catch {
      // not persisted; the choice still applies for this session
    }
    if (typeof document !== 'undefined') document.documentElement.lang = value;
  },
};

/** Translates a key in the current language; reactive inside components. */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}
