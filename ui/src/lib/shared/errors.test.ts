import { describe, expect, it } from 'vitest';
import type { MessageKey } from '../i18n/en';
import { translate } from '../i18n/translate';
import type { Params } from '../i18n/types';
import { asSentence, ERROR_CODES, errorToSentence, isAppError } from './errors';

const en = (key: MessageKey, params?: Params) => translate('en', key, params);
const ru = (key: MessageKey, params?: Params) => translate('ru', key, params);

describe('errorToSentence', () => {
  it('shows the message of an AppError as it is', () => {
    const error = { code: 'malformed_file', message: 'Line 3 has a quote that is never closed.' };
    expect(errorToSentence(error, en)).toBe('Line 3 has a quote that is never closed.');
  });

  it('ends an AppError message like a sentence', () => {
    expect(errorToSentence({ code: 'io', message: 'Permission denied' }, en)).toBe('Permission denied.');
  });

  it('falls back to a sentence for the code when the message is empty', () => {
    expect(errorToSentence({ code: 'newer_database', message: '  ' }, en)).toBe(
      translate('en', 'error.newer_database'),
    );
    expect(errorToSentence({ code: 'not_found', message: '' }, ru)).toBe(translate('ru', 'error.not_found'));
  });

  it('has a fallback sentence for every backend code', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      const sentence = errorToSentence({ code, message: '' }, en);
      expect(sentence).not.toBe(translate('en', 'error.unknown'));
      expect(sentence).toMatch(/[.!?]$/);
    }
  });

  it('uses the generic sentence for an unknown code without a message', () => {
    expect(errorToSentence({ code: 'something_new', message: '' }, en)).toBe(translate('en', 'error.unknown'));
  });

  it('wraps plain strings (plugin and IPC errors)', () => {
    expect(errorToSentence('Command foo not found', en)).toBe('Something went wrong: Command foo not found.');
  });

  it('wraps Error objects', () => {
    expect(errorToSentence(new Error('network down'), en)).toBe('Something went wrong: network down.');
  });

  it.each([null, undefined, 42, {}, { code: 1, message: 'x' }, ''])('has a sentence for %j', (value) => {
    expect(errorToSentence(value, en)).toBe(translate('en', 'error.unknown'));
  });
});

describe('helpers', () => {
  it('recognises AppError shapes', () => {
    expect(isAppError({ code: 'io', message: 'x' })).toBe(true);
    expect(isAppError({ code: 'io' })).toBe(false);
    expect(isAppError('io')).toBe(false);
  });

  it('does not double punctuation', () => {
    expect(asSentence('Done!')).toBe('Done!');
    expect(asSentence('Saved to “x”.')).toBe('Saved to “x”.');
    expect(asSentence(' Saved ')).toBe('Saved.');
  });
});
