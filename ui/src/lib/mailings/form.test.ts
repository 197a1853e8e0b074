import { describe, expect, it } from 'vitest';
import { emptyMailingForm, mailingBlocker, toMailingDraft, type MailingForm } from './form';

const filled: MailingForm = {
  ...emptyMailingForm(),
  name: ' November letters ',
  template_id: 4,
  from_name: 'Free N. Committee',
  from_address: 'letters@free-n.example.org',
};

describe('new mailing form', () => {
  it('says what is missing, in order', () => {
    expect(mailingBlocker(emptyMailingForm())).toBe('no_name');
    expect(mailingBlocker({ ...filled, template_id: null })).toBe('no_template');
    expect(mailingBlocker({ ...filled, from_name: ' ' })).toBe('no_from_name');
    expect(mailingBlocker({ ...filled, from_address: 'letters@' })).toBe('bad_from_address');
    expect(mailingBlocker({ ...filled, reply_to: 'not an address' })).toBe('bad_reply_to');
    expect(mailingBlocker(filled)).toBeNull();
  });

  it('builds the draft with blanks as null and codes normalised', () => {
    const draft = toMailingDraft({ ...filled, tag: ' paper ', country: 'de', language: 'RU', petition_id: 11 }, 1);
    expect(draft).toEqual({
      campaign_id: 1,
      template_id: 4,
      name: 'November letters',
      audience: 'signatories_to_targets',
      filter: { petition_id: 11, consent_only: false, tag: 'paper', country: 'DE', language: 'ru' },
      from_name: 'Free N. Committee',
      from_address: 'letters@free-n.example.org',
      reply_to: null,
    });
  });

  it('clears the signatory filter for a targets-only audience', () => {
    const draft = toMailingDraft({ ...filled, audience: 'targets', tag: 'paper', petition_id: 11, consent_only: true }, 1);
    expect(draft.filter).toEqual({ petition_id: null, consent_only: false, tag: null, country: null, language: null });
  });
});
