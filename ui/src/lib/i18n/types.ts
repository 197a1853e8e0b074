/** A message with plural forms, chosen with Intl.PluralRules for the count. */
export type Plural = {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
};

export type Message = string | Plural;

export const LANGS = ['en', 'ru'] as const;
export type Lang = (typeof LANGS)[number];

export type Params = Record<string, string | number>;

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** Picks the UI language from a BCP 47 tag such as navigator.language ("ru-RU" → "ru"). */
export function langFromTag(tag: string | null | undefined): Lang {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return isLang(base) ? base : 'en';
}
