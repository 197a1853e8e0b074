import type { AppError } from '../../bindings/AppError';
import type { ErrorCode } from '../../bindings/ErrorCode';
import type { MessageKey } from '../i18n/en';
import type { Params } from '../i18n/types';

type Translate = (key: MessageKey, params?: Params) => string;

/**
 * Every error code the backend has (ErrorCode is generated from the core's enum), each with a
 * fallback sentence: a code added there and missing here is a type error.
 */
export const ERROR_CODES = {
  not_found: 'error.not_found',
  invalid_input: 'error.invalid_input',
  malformed_file: 'error.malformed_file',
  conflict: 'error.conflict',
  connection: 'error.connection',
  password_needed: 'error.password_needed',
  database: 'error.database',
  io: 'error.io',
  newer_database: 'error.newer_database',
  damaged: 'error.damaged',
  internal: 'error.internal',
  locked: 'error.locked',
  key_needed: 'error.key_needed',
  wrong_key: 'error.wrong_key',
} as const satisfies Record<ErrorCode, MessageKey>;

export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Ends the text like a sentence, without doubling punctuation. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  return /[.!?…»")]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function fallbackFor(code: string, tr: Translate): string {
  const key = (ERROR_CODES as Record<string, MessageKey>)[code];
  return key ? tr(key) : tr('error.unknown');
}

/**
 * Turns whatever an invoke (or a plugin) rejected with into one sentence for a person.
 * AppError messages are already written for people and are shown as they are.
 */
export function errorToSentence(error: unknown, tr: Translate): string {
  if (isAppError(error)) {
    const message = asSentence(error.message);
    return message === '' ? fallbackFor(error.code, tr) : message;
  }
  if (typeof error === 'string' && error.trim() !== '') {
    return tr('error.with_detail', { detail: asSentence(error) });
  }
  if (error instanceof Error && error.message.trim() !== '') {
    return tr('error.with_detail', { detail: asSentence(error.message) });
  }
  return tr('error.unknown');
}
