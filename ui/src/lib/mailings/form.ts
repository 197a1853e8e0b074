import type { AudienceKind } from '../../bindings/AudienceKind';
import type { MailingDraft } from '../../bindings/MailingDraft';

export const AUDIENCES: readonly AudienceKind[] = ['signatories_to_targets', 'signatories', 'targets'];

/** What the new-mailing form binds to. */
export type MailingForm = {
  name: string;
  template_id: number | null;
  audience: AudienceKind;
  petition_id: number | null;
  consent_only: boolean;
  tag: string;
  country: string;
  language: string;
  from_name: string;
  from_address: string;
  reply_to: string;
};

export function emptyMailingForm(): MailingForm {
  return {
    name: '',
    template_id: null,
    audience: 'signatories_to_targets',
    petition_id: null,
    consent_only: false,
    tag: '',
    country: '',
    language: '',
    from_name: '',
    from_address: '',
    reply_to: '',
  };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export type MailingBlocker = 'no_name' | 'no_template' | 'no_from_name' | 'bad_from_address' | 'bad_reply_to';

/** Why the mailing cannot be created yet, or null when it can. */
export function mailingBlocker(form: MailingForm): MailingBlocker | null {
  if (form.name.trim() === '') return 'no_name';
  if (form.template_id === null) return 'no_template';
  if (form.from_name.trim() === '') return 'no_from_name';
  if (!EMAIL.test(form.from_address.trim())) return 'bad_from_address';
  if (form.reply_to.trim() !== '' && !EMAIL.test(form.reply_to.trim())) return 'bad_reply_to';
  return null;
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The form as the backend takes it; the signatory filter is cleared for a targets-only audience. */
export function toMailingDraft(form: MailingForm, campaignId: number): MailingDraft {
  const people = form.audience !== 'targets';
  return {
    campaign_id: campaignId,
    template_id: form.template_id ?? 0,
    name: form.name.trim(),
    audience: form.audience,
    filter: {
      petition_id: people ? form.petition_id : null,
      consent_only: people && form.consent_only,
      tag: people ? blankToNull(form.tag) : null,
      country: people ? (blankToNull(form.country)?.toUpperCase() ?? null) : null,
      language: people ? (blankToNull(form.language)?.toLowerCase() ?? null) : null,
    },
    from_name: form.from_name.trim(),
    from_address: form.from_address.trim(),
    reply_to: blankToNull(form.reply_to),
  };
}
