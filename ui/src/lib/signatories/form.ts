import type { SignatoryFields } from '../../bindings/SignatoryFields';
import type { Subscription } from '../../bindings/Subscription';

/** The plain text fields of a signatory, edited as text inputs. */
export const TEXT_FIELDS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'street',
  'postcode',
  'town',
  'country',
  'language',
  'consent_at',
  'consent_source',
] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

export type Consent = 'yes' | 'no' | 'unknown';
export const SUBSCRIPTIONS: Subscription[] = ['subscribed', 'unsubscribed', 'unknown'];

export type CustomEntry = { key: string; value: string };

/** What the edit form holds: every value as text the inputs can bind to. */
export type SignatoryForm = Record<TextField, string> & {
  consent: Consent;
  subscription: Subscription;
  /** Tags separated by commas. */
  tags: string;
  custom: CustomEntry[];
};

export function toForm(fields: SignatoryFields): SignatoryForm {
  const text = Object.fromEntries(TEXT_FIELDS.map((name) => [name, fields[name] ?? ''])) as Record<
    TextField,
    string
  >;
  return {
    ...text,
    consent: fields.consent === null ? 'unknown' : fields.consent ? 'yes' : 'no',
    subscription: fields.subscription,
    tags: fields.tags.join(', '),
    custom: Object.entries(fields.custom)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([key, value]) => ({ key, value })),
  };
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Splits "a, b,,c , a" into ["a", "b", "c"]. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const tag = part.trim();
    if (tag !== '') seen.add(tag);
  }
  return [...seen];
}

export function fromForm(form: SignatoryForm): SignatoryFields {
  const custom: Record<string, string> = {};
  for (const entry of form.custom) {
    const key = entry.key.trim();
    if (key !== '') custom[key] = entry.value.trim();
  }
  return {
    first_name: blankToNull(form.first_name),
    last_name: blankToNull(form.last_name),
    email: blankToNull(form.email),
    phone: blankToNull(form.phone),
    street: blankToNull(form.street),
    postcode: blankToNull(form.postcode),
    town: blankToNull(form.town),
    country: blankToNull(form.country),
    language: blankToNull(form.language),
    consent: form.consent === 'unknown' ? null : form.consent === 'yes',
    consent_at: blankToNull(form.consent_at),
    consent_source: blankToNull(form.consent_source),
    subscription: form.subscription,
    tags: parseTags(form.tags),
    custom,
  };
}

/** True when saving the form would change the stored fields. */
export function formChanges(form: SignatoryForm, original: SignatoryFields): boolean {
  const next = fromForm(form);
  const before = fromForm(toForm(original));
  return JSON.stringify(next) !== JSON.stringify(before);
}
