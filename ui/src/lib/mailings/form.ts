import type { AudienceFilter } from '../../bindings/AudienceFilter';
import type { AudienceKind } from '../../bindings/AudienceKind';
import type { Consent } from '../../bindings/Consent';
import type { ConsentCounts } from '../../bindings/ConsentCounts';
import type { MailingDraft } from '../../bindings/MailingDraft';

export const AUDIENCES: readonly AudienceKind[] = ['signatories_to_targets', 'signatories', 'targets'];

/** The consent rules, narrowest first; "given" is the default. */
export const CONSENT_RULES: readonly Consent[] = ['given', 'given_or_unknown', 'everyone'];

/**
 * Whether the consent rule applies: only to letters to supporters. A letter on a signatory's
 * behalf is their own act under the petition's terms, and targets are not asked.
 */
export function consentApplies(audience: AudienceKind): boolean {
  return audience === 'signatories';
}

/**
 * Whether the letters can name the group's unsubscribe page: only letters to supporters carry
 * an unsubscribe link (List-Unsubscribe). Letters on a signatory's behalf and to targets do not.
 */
export function unsubscribePageApplies(audience: AudienceKind): boolean {
  return audience === 'signatories';
}

/** An https address with a host: one-click unsubscribing needs an encrypted page. */
export function isHttpsPage(value: string): boolean {
  return /^https:\/\/[^\s/?#]+\S*$/i.test(value.trim());
}

/** How many of the selected people a rule lets through. */
export function reach(counts: ConsentCounts, rule: Consent): number {
  switch (rule) {
    case 'given':
      return counts.given;
    case 'given_or_unknown':
      return counts.given + counts.unknown;
    case 'everyone':
      return counts.given + counts.unknown + counts.refused;
  }
}

/** What the new-mailing form binds to. */
export type MailingForm = {
  name: string;
  template_id: number | null;
  audience: AudienceKind;
  petition_id: number | null;
  consent: Consent;
  tag: string;
  country: string;
  language: string;
  from_name: string;
  from_address: string;
  reply_to: string;
  /** The group's unsubscribe page; empty for none. Sent only for letters to supporters. */
  unsubscribe_url: string;
};

export function emptyMailingForm(): MailingForm {
  return {
    name: '',
    template_id: null,
    audience: 'signatories_to_targets',
    petition_id: null,
    consent: 'given',
    tag: '',
    country: '',
    language: '',
    from_name: '',
    from_address: '',
    reply_to: '',
    unsubscribe_url: '',
  };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export type MailingBlocker = 'no_name' | 'no_template' | 'no_from_name' | 'bad_from_address' | 'bad_reply_to' | 'bad_unsubscribe_url';

/** Why the mailing cannot be created yet, or null when it can. */
export function mailingBlocker(form: MailingForm): MailingBlocker | null {
  if (form.name.trim() === '') return 'no_name';
  if (form.template_id === null) return 'no_template';
  if (form.from_name.trim() === '') return 'no_from_name';
  if (!EMAIL.test(form.from_address.trim())) return 'bad_from_address';
  if (form.reply_to.trim() !== '' && !EMAIL.test(form.reply_to.trim())) return 'bad_reply_to';
  if (unsubscribePageApplies(form.audience) && form.unsubscribe_url.trim() !== '' && !isHttpsPage(form.unsubscribe_url)) {
    return 'bad_unsubscribe_url';
  }
  return null;
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * The signatory filter as the backend takes it: cleared for a targets-only audience, and the
 * consent rule only where it applies ("given" elsewhere, which the backend ignores there).
 */
export function audienceFilter(form: MailingForm): AudienceFilter {
  const people = form.audience !== 'targets';
  return {
    petition_id: people ? form.petition_id : null,
    consent: consentApplies(form.audience) ? form.consent : 'given',
    tag: people ? blankToNull(form.tag) : null,
    country: people ? (blankToNull(form.country)?.toUpperCase() ?? null) : null,
    language: people ? (blankToNull(form.language)?.toLowerCase() ?? null) : null,
  };
}

/**
 * Who the filter selects, consent aside: what `audience_consent` counts. The rule is left at
 * "given" (the count ignores it) so that choosing a rule does not ask again.
 */
export function selectionFilter(form: MailingForm): AudienceFilter {
  return { ...audienceFilter({ ...form, audience: 'signatories' }), consent: 'given' };
}

/** The form as the backend takes it; the unsubscribe page only where it applies and given. */
export function toMailingDraft(form: MailingForm, campaignId: number): MailingDraft {
  const page = unsubscribePageApplies(form.audience) ? blankToNull(form.unsubscribe_url) : null;
  return {
    campaign_id: campaignId,
    template_id: form.template_id ?? 0,
    name: form.name.trim(),
    audience: form.audience,
    filter: audienceFilter(form),
    from_name: form.from_name.trim(),
    from_address: form.from_address.trim(),
    reply_to: blankToNull(form.reply_to),
    ...(page === null ? {} : { unsubscribe_url: page }),
  };
}
