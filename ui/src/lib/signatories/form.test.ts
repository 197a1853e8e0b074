import { describe, expect, it } from 'vitest';
import type { SignatoryFields } from '../../bindings/SignatoryFields';
import { formChanges, fromForm, parseTags, toForm } from './form';

const fields: SignatoryFields = {
  first_name: 'Mira',
  last_name: 'Kestrel',
  email: 'mira@example.org',
  phone: null,
  street: null,
  postcode: '10115',
  town: 'Lindenfeld',
  country: 'DE',
  language: 'de',
  consent: true,
  consent_at: '2024-03-01',
  consent_source: 'paper sheet',
  subscription: 'subscribed',
  tags: ['volunteer', 'paper'],
  custom: { shirt: 'M' },
};

describe('signatory form', () => {
  it('round-trips the stored fields', () => {
    expect(fromForm(toForm(fields))).toEqual(fields);
  });

  it('turns blanks into null and trims', () => {
    const form = toForm(fields);
    form.town = '   ';
    form.first_name = ' Mira ';
    const next = fromForm(form);
    expect(next.town).toBeNull();
    expect(next.first_name).toBe('Mira');
  });

  it('maps consent to true, false and null', () => {
    const form = toForm({ ...fields, consent: null });
    expect(form.consent).toBe('unknown');
    form.consent = 'no';
    expect(fromForm(form).consent).toBe(false);
  });

  it('drops custom fields without a name', () => {
    const form = toForm(fields);
    form.custom.push({ key: ' ', value: 'x' }, { key: ' size ', value: ' L ' });
    expect(fromForm(form).custom).toEqual({ shirt: 'M', size: 'L' });
  });

  it('notices changes and ignores whitespace-only ones', () => {
    const form = toForm(fields);
    expect(formChanges(form, fields)).toBe(false);
    form.town = 'Lindenfeld ';
    expect(formChanges(form, fields)).toBe(false);
    form.town = 'Birkenau';
    expect(formChanges(form, fields)).toBe(true);
  });

  it('parses tags', () => {
    expect(parseTags('a, b,,c , a')).toEqual(['a', 'b', 'c']);
    expect(parseTags('  ')).toEqual([]);
  });
});
