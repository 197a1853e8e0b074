import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from './en';
import { ru } from './ru';
import { dictionaries, placeholders, translate } from './translate';
import { LANGS, langFromTag } from './types';

const keys = Object.keys(en).sort() as MessageKey[];

describe('dictionaries', () => {
  it.each(LANGS)('%s has exactly the English keys', (lang) => {
    expect(Object.keys(dictionaries[lang]).sort()).toEqual(keys);
  });

  it.each(LANGS)('%s uses the same placeholders as English in every message', (lang) => {
    for (const key of keys) {
      expect(placeholders(dictionaries[lang][key]), `${lang} ${key}`).toEqual(placeholders(en[key]));
    }
  });

  it.each(LANGS)('%s has no empty messages', (lang) => {
    for (const key of keys) {
      const message = dictionaries[lang][key];
      const texts = typeof message === 'string' ? [message] : Object.values(message);
      for (const text of texts) expect(text?.trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it.each(LANGS)('%s plural messages have every form the language needs', (lang) => {
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const key of keys) {
      const message = dictionaries[lang][key];
      if (typeof message === 'string') continue;
      for (const category of categories) {
        expect(message, `${lang} ${key} needs "${category}"`).toHaveProperty(category);
      }
    }
  });

  it('plural in English means plural in Russian', () => {
    for (const key of keys) {
      expect(typeof ru[key], key).toBe(typeof en[key]);
    }
  });
});

describe('translate', () => {
  it('fills in placeholders and formats numbers for the language', () => {
    expect(translate('en', 'report.saved_rejects', { count: 1234, path: '/tmp/x.csv' })).toBe(
      '1,234 rows saved to /tmp/x.csv.',
    );
    expect(translate('ru', 'report.saved_rejects', { count: 1234, path: '/tmp/x.csv' })).toBe(
      '1\u00a0234 строки сохранены в /tmp/x.csv.',
    );
  });

  it('picks Russian plural forms', () => {
    expect(translate('ru', 'import.run', { count: 1 })).toBe('Импортировать 1 строку');
    expect(translate('ru', 'import.run', { count: 3 })).toBe('Импортировать 3 строки');
    expect(translate('ru', 'import.run', { count: 5 })).toBe('Импортировать 5 строк');
    expect(translate('ru', 'import.run', { count: 21 })).toBe('Импортировать 21 строку');
    expect(translate('ru', 'import.run', { count: 11 })).toBe('Импортировать 11 строк');
  });

  it('picks English plural forms', () => {
    expect(translate('en', 'import.run', { count: 1 })).toBe('Import 1 row');
    expect(translate('en', 'import.run', { count: 0 })).toBe('Import 0 rows');
  });

  it('leaves unknown placeholders visible rather than dropping text', () => {
    expect(translate('en', 'import.source')).toBe('File: {name}');
  });
});

describe('langFromTag', () => {
  it.each([
    ['ru-RU', 'ru'],
    ['ru', 'ru'],
    ['en-GB', 'en'],
    ['de-DE', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%s → %s', (tag, lang) => {
    expect(langFromTag(tag)).toBe(lang);
  });
});
