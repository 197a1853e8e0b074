import { describe, expect, it } from 'vitest';
import type { TargetFields } from '../../bindings/TargetFields';
import { cleanAddress, emptyTargetForm, fromTargetForm, targetBlocker, targetLabel, toTargetForm } from './form';

const stored: TargetFields = {
  name: 'Halvard Brenn',
  title: 'Prosecutor General',
  organisation: 'Office of the Prosecutor General',
  email: 'office@prosecutor.example',
  address: 'Office of the Prosecutor General\n12 Court Lane\nLindenfeld',
  country: 'LF',
  language: 'en',
  form_of_address: 'Dear Prosecutor General',
};

describe('target form', () => {
  it('round-trips stored fields', () => {
    expect(fromTargetForm(toTargetForm(stored))).toEqual(stored);
  });

  it('turns blanks into null and trims, keeping the name as text', () => {
    const form = { ...emptyTargetForm(), name: '  Ilse Marrow ', email: '  ', language: ' RU ' };
    expect(fromTargetForm(form)).toEqual({
      name: 'Ilse Marrow',
      title: null,
      organisation: null,
      email: null,
      address: null,
      country: null,
      language: 'ru',
      form_of_address: null,
    });
  });

  it('cleans address lines', () => {
    expect(cleanAddress('  12 Court Lane \r\n\r\n Lindenfeld\n')).toBe('12 Court Lane\nLindenfeld');
    expect(fromTargetForm({ ...emptyTargetForm(), name: 'x', address: ' \n ' }).address).toBeNull();
  });

  it('needs a name and a plausible email', () => {
    expect(targetBlocker(emptyTargetForm())).toBe('no_name');
    expect(targetBlocker({ ...emptyTargetForm(), name: 'x', email: 'office@' })).toBe('bad_email');
    expect(targetBlocker({ ...emptyTargetForm(), name: 'x', email: 'a@b.example' })).toBeNull();
    expect(targetBlocker({ ...emptyTargetForm(), name: 'x' })).toBeNull();
  });

  it('labels a target with what is known', () => {
    expect(targetLabel(stored)).toBe('Halvard Brenn, Prosecutor General (Office of the Prosecutor General)');
    expect(targetLabel({ name: 'Ilse Marrow', title: null, organisation: null })).toBe('Ilse Marrow');
  });
});
