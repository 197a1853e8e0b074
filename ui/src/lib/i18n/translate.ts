import { en, type MessageKey, type Messages } from './en';
import { ru } from './ru';
import type { Lang, Message, Params, Plural } from './types';

export const dictionaries: Record<Lang, Messages> = { en, ru };

const pluralRules = new Map<Lang, Intl.PluralRules>();
const numberFormats = new Map<Lang, Intl.NumberFormat>();

function rulesFor(lang: Lang): Intl.PluralRules {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(lang);
    pluralRules.set(lang, rules);
  }
  return rules;
}

function numberFormat(lang: Lang): Intl.NumberFormat {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(lang);
    numberFormats.set(lang, format);
  }
  return format;
}

function pickPlural(lang: Lang, forms: Plural, count: number): string {
  const category = rulesFor(lang).select(count) as keyof Plural;
  return forms[category] ?? forms.other;
}

function resolve(lang: Lang, message: Message, params: Params | undefined): string {
  if (typeof message === 'string') return message;
  const count = Number(params?.count ?? 0);
  return pickPlural(lang, message, count);
}

/** Replaces {name} placeholders; numbers are formatted for the language. */
export function interpolate(lang: Lang, text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numberFormat(lang).format(value) : value;
  });
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const message = dictionaries[lang][key] ?? en[key];
  return interpolate(lang, resolve(lang, message, params), params);
}

/** The {placeholders} a message uses, in all its plural forms. */
export function placeholders(message: Message): string[] {
  const texts = typeof message === 'string' ? [message] : Object.values(message);
  const names = new Set<string>();
  for (const text of texts) {
    for (const match of (text ?? '').matchAll(/\{(\w+)\}/g)) names.add(match[1]);
  }
  return [...names].sort();
}
