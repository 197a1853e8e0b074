import { describe, expect, it } from 'vitest';
import type { MessageKey } from '../i18n/en';
import { translate } from '../i18n/translate';
import type { Lang, Params } from '../i18n/types';
import { foldFieldLabel, keptAsCustomNote, unlistedFolds } from './report';

const tr = (lang: Lang) => (key: MessageKey, params?: Params) => translate(lang, key, params);

describe('keptAsCustomNote', () => {
  it('says nothing when no column is kept as a custom field', () => {
    expect(keptAsCustomNote([], 'preview', tr('en'), 'en')).toBeNull();
  });

  it('names the kept columns, quoted, before the import and after it', () => {
    expect(keptAsCustomNote(['Date signed', 'Comment'], 'preview', tr('en'), 'en')).toBe(
      'No petition chosen: “Date signed” and “Comment” will be kept as custom fields of each person. ' +
        'Go back and choose a petition to store them with the signature.',
    );
    expect(keptAsCustomNote(['Signed'], 'done', tr('en'), 'en')).toMatch(
      /^No petition was chosen: “Signed” was kept as a custom field of each person\./,
    );
  });

  it('quotes and lists the way Russian does, and names a column without a header', () => {
    expect(keptAsCustomNote(['Подписано', ''], 'preview', tr('ru'), 'ru')).toMatch(
      /^Петиция не выбрана: столбцы «Подписано» и «\(без заголовка\)» будут сохранены/,
    );
  });
});

describe('foldFieldLabel', () => {
  it('translates the field names the core reports', () => {
    expect(foldFieldLabel({ field: 'first_name' }, tr('en'))).toBe('First name');
    expect(foldFieldLabel({ field: 'postcode' }, tr('en'))).toBe('Postcode');
    expect(foldFieldLabel({ field: 'last_name' }, tr('ru'))).toBe('Фамилия');
    expect(foldFieldLabel({ field: 'town' }, tr('ru'))).toBe('Город');
  });
});

describe('unlistedFolds', () => {
  it('counts the folded cells beyond the listed ones', () => {
    expect(unlistedFolds({ folded: 1500, folds: new Array(1000) })).toBe(500);
    expect(unlistedFolds({ folded: 2, folds: [{}, {}] })).toBe(0);
  });
});
