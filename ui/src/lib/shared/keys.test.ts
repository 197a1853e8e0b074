import { describe, expect, it } from 'vitest';
import { isSaveShortcut, lockShortcut, type KeyPress } from './keys';

const press = (key: string, keys: Partial<KeyPress> = {}): KeyPress => ({
  key,
  code: key.length === 1 && /[a-z]/i.test(key) ? `Key${key.toUpperCase()}` : key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...keys,
});

describe('isSaveShortcut', () => {
  it('is Ctrl+S and Cmd+S', () => {
    expect(isSaveShortcut(press('s', { ctrlKey: true }))).toBe(true);
    expect(isSaveShortcut(press('s', { metaKey: true }))).toBe(true);
    expect(isSaveShortcut(press('S', { ctrlKey: true }))).toBe(true);
  });

  it('is the same key with a Russian layout', () => {
    expect(isSaveShortcut({ ...press('ы', { ctrlKey: true }), code: 'KeyS' })).toBe(true);
  });

  it('follows the letter in a Latin layout: on Dvorak the key in the place of S types o', () => {
    expect(isSaveShortcut({ ...press('o', { ctrlKey: true }), code: 'KeyS' })).toBe(false);
    expect(isSaveShortcut({ ...press('s', { ctrlKey: true }), code: 'Semicolon' })).toBe(true);
  });

  it('is not plain S, another letter, or S with Shift or Alt', () => {
    expect(isSaveShortcut(press('s'))).toBe(false);
    expect(isSaveShortcut(press('d', { ctrlKey: true }))).toBe(false);
    expect(isSaveShortcut(press('S', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isSaveShortcut(press('s', { ctrlKey: true, altKey: true }))).toBe(false);
  });
});

describe('lockShortcut', () => {
  it('is Ctrl+L to lock, and Ctrl+Shift+L to lock and hide', () => {
    expect(lockShortcut(press('l', { ctrlKey: true }))).toBe('lock');
    expect(lockShortcut(press('L', { ctrlKey: true, shiftKey: true }))).toBe('panic');
    expect(lockShortcut(press('l', { metaKey: true }))).toBe('lock');
  });

  it('is the same key with a Russian layout', () => {
    expect(lockShortcut({ ...press('д', { ctrlKey: true }), code: 'KeyL' })).toBe('lock');
    expect(lockShortcut({ ...press('Д', { ctrlKey: true, shiftKey: true }), code: 'KeyL' })).toBe('panic');
  });

  it('is not plain L, L with Alt, or another letter', () => {
    expect(lockShortcut(press('l'))).toBeNull();
    expect(lockShortcut(press('L', { shiftKey: true }))).toBeNull();
    expect(lockShortcut(press('l', { ctrlKey: true, altKey: true }))).toBeNull();
    expect(lockShortcut(press('k', { ctrlKey: true }))).toBeNull();
  });
});
