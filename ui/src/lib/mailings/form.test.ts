import { describe, expect, it } from 'vitest';
import {
  CONSENT_RULES,
  consentApplies,
  emptyMailingForm,
  mailingBlocker,
  reach,
  selectionFilter,
  toMailingDraft,
  unsubscribePageApplies,
  type MailingForm,
} from './form';

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
      filter: { petition_id: 11, consent: 'given', tag: 'paper', country: 'DE', language: 'ru' },
      from_name: 'Free N. Committee',
      from_address: 'letters@free-n.example.org',
      reply_to: null,
    });
  });

  it('clears the signatory filter for a targets-only audience', () => {
    const draft = toMailingDraft({ ...filled, audience: 'targets', tag: 'paper', petition_id: 11, consent: 'everyone' }, 1);
    expect(draft.filter).toEqual({ petition_id: null, consent: 'given', tag: null, country: null, language: null });
  });
});

describe('consent rule of a mailing', () => {
  it('asks for a yes by default', () => {
    expect(emptyMailingForm().consent).toBe('given');
    expect(CONSENT_RULES[0]).toBe('given');
  });

  it('applies only to letters to supporters', () => {
    expect(consentApplies('signatories')).toBe(true);
    expect(consentApplies('signatories_to_targets')).toBe(false);
    expect(consentApplies('targets')).toBe(false);
  });

  it('sends the chosen rule for a mailing to supporters', () => {
    for (const rule of CONSENT_RULES) {
      expect(toMailingDraft({ ...filled, audience: 'signatories', consent: rule }, 1).filter.consent).toBe(rule);
    }
  });

  it('sends "given" on a signatory’s behalf, whatever was chosen before switching', () => {
    const draft = toMailingDraft({ ...filled, audience: 'signatories_to_targets', consent: 'everyone' }, 1);
    expect(draft.filter.consent).toBe('given');
  });

  it('counts what each rule reaches: yes; yes and unknown; all', () => {
    const counts = { given: 42, refused: 6, unknown: 12 };
    expect(CONSENT_RULES.map((rule) => reach(counts, rule))).toEqual([42, 54, 60]);
  });

  it('asks for counts by who is selected, not by the rule or the audience', () => {
    const form: MailingForm = { ...filled, audience: 'signatories', tag: ' paper ', country: 'de', petition_id: 11 };
    const selection = selectionFilter(form);
    expect(selection).toEqual({ petition_id: 11, consent: 'given', tag: 'paper', country: 'DE', language: null });
    expect(selectionFilter({ ...form, consent: 'everyone' })).toEqual(selection);
    expect(selectionFilter({ ...form, audience: 'signatories_to_targets' })).toEqual(selection);
  });
});

describe('unsubscribe page of a mailing', () => {
  const toSupporters: MailingForm = { ...filled, audience: 'signatories' };

  it('is asked for only for letters to supporters', () => {
    expect(unsubscribePageApplies('signatories')).toBe(true);
    expect(unsubscribePageApplies('signatories_to_targets')).toBe(false);
    expect(unsubscribePageApplies('targets')).toBe(false);
  });

  it('must be an https address when given', () => {
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: 'http://free-n.example.org/leave' })).toBe('bad_unsubscribe_url');
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: 'free-n.example.org/leave' })).toBe('bad_unsubscribe_url');
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: 'https://' })).toBe('bad_unsubscribe_url');
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: 'https://free-n.example.org/leave here' })).toBe('bad_unsubscribe_url');
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: ' https://free-n.example.org/leave ' })).toBeNull();
    expect(mailingBlocker({ ...toSupporters, unsubscribe_url: '' })).toBeNull();
  });

  it('goes into the draft trimmed, and is left out when empty', () => {
    const draft = toMailingDraft({ ...toSupporters, unsubscribe_url: ' https://free-n.example.org/leave ' }, 1);
    expect(draft.unsubscribe_url).toBe('https://free-n.example.org/leave');
    expect('unsubscribe_url' in toMailingDraft({ ...toSupporters, unsubscribe_url: '  ' }, 1)).toBe(false);
  });

  it('is neither checked nor sent once the audience is no longer supporters', () => {
    const onBehalf: MailingForm = { ...toSupporters, audience: 'signatories_to_targets', unsubscribe_url: 'http://old.example.org' };
    expect(mailingBlocker(onBehalf)).toBeNull();
    expect('unsubscribe_url' in toMailingDraft(onBehalf, 1)).toBe(false);
  });
});
