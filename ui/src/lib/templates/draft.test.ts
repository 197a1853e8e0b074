import { describe, expect, it } from 'vitest';
import type { Template } from '../../bindings/Template';
import type { TemplateProblem } from '../../bindings/TemplateProblem';
import {
  addVariant,
  draftBlocker,
  draftFromTemplate,
  isDirty,
  newDraft,
  normaliseLanguage,
  parseAttachments,
  problemCounts,
  problemsOf,
  removeVariant,
} from './draft';

const stored: Template = {
  id: 7,
  campaign_id: 1,
  name: 'Appeal',
  fallback_language: 'en',
  variants: [
    { language: 'en', subject: 'Release N.', body: '{{ target.form_of_address }},' },
    { language: 'ru', subject: 'Освободите N.', body: '{{ target.form_of_address }}!' },
  ],
  attachments: [],
  updated_at: '2024-06-01 10:00:00',
};

describe('template drafts', () => {
  it('copies a stored template without sharing its variants', () => {
    const draft = draftFromTemplate(stored);
    draft.variants[0].subject = 'changed';
    expect(stored.variants[0].subject).toBe('Release N.');
    expect(draft).not.toHaveProperty('updated_at');
    expect(isDirty(draft, draftFromTemplate(stored))).toBe(true);
    expect(isDirty(draftFromTemplate(stored), draftFromTemplate(stored))).toBe(false);
  });

  it('starts a new draft with one empty variant in the fallback language', () => {
    expect(newDraft(3, 'ru')).toEqual({
      id: null,
      campaign_id: 3,
      name: '',
      fallback_language: 'ru',
      variants: [{ language: 'ru', subject: '', body: '' }],
      attachments: [],
    });
    expect(draftBlocker(newDraft(3))).toBe('no_name');
  });

  it('normalises language codes and refuses what is not one', () => {
    expect(normaliseLanguage(' DE ')).toBe('de');
    expect(normaliseLanguage('pt-br')).toBe('pt-BR');
    expect(normaliseLanguage('german')).toBeNull();
    expect(normaliseLanguage('')).toBeNull();
  });

  it('adds a variant once per language', () => {
    const draft = draftFromTemplate(stored);
    expect(addVariant(draft, 'DE')).toEqual({ language: 'de' });
    expect(addVariant(draft, 'de')).toEqual({ blocker: 'exists' });
    expect(addVariant(draft, 'x')).toEqual({ blocker: 'invalid_code' });
    expect(draft.variants.map((v) => v.language)).toEqual(['en', 'ru', 'de']);
  });

  it('removes a variant, moving the fallback, and never the last one', () => {
    const draft = draftFromTemplate(stored);
    expect(removeVariant(draft, 'en')).toBe('ru');
    expect(draft.fallback_language).toBe('ru');
    expect(removeVariant(draft, 'ru')).toBeNull();
    expect(removeVariant(draft, 'fr')).toBeNull();
    expect(draft.variants).toHaveLength(1);
  });

  it('sorts problems by variant and part', () => {
    const problems: TemplateProblem[] = [
      { language: 'en', part: 'body', line: 1, column: 4, message: 'a' },
      { language: 'en', part: 'subject', line: null, column: null, message: 'b' },
      { language: 'ru', part: 'body', line: 2, column: 1, message: 'c' },
    ];
    expect(problemsOf(problems, 'en', 'subject').map((p) => p.message)).toEqual(['b']);
    expect(problemCounts(problems)).toEqual({ en: 2, ru: 1 });
  });

  it('reads attachment paths one per line', () => {
    expect(parseAttachments(' /home/a/x.pdf \r\n\n/home/a/{{ signatory.last_name }}.pdf\n')).toEqual([
      '/home/a/x.pdf',
      '/home/a/{{ signatory.last_name }}.pdf',
    ]);
  });
});
