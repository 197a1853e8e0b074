import type { SignatoryFields } from '../../bindings/SignatoryFields';
import type { MessageKey } from '../i18n/en';

type Show = (draft: SignatoryFields, tr: (key: MessageKey) => string) => string;

/** The columns of the "as it will be stored" table; only those with a value in some draft are shown. */
export const DRAFT_COLUMNS: { label: MessageKey; show: Show }[] = [
  { label: 'field.first_name', show: (d) => d.first_name ?? '' },
  { label: 'field.last_name', show: (d) => d.last_name ?? '' },
  { label: 'field.email', show: (d) => d.email ?? '' },
  { label: 'field.phone', show: (d) => d.phone ?? '' },
  { label: 'field.street', show: (d) => d.street ?? '' },
  { label: 'field.postcode', show: (d) => d.postcode ?? '' },
  { label: 'field.town', show: (d) => d.town ?? '' },
  { label: 'field.country', show: (d) => d.country ?? '' },
  { label: 'field.language', show: (d) => d.language ?? '' },
  {
    label: 'field.consent',
    show: (d, tr) => (d.consent === null ? '' : tr(d.consent ? 'consent.yes' : 'consent.no')),
  },
  { label: 'field.consent_date', show: (d) => d.consent_at ?? '' },
  { label: 'field.consent_source', show: (d) => d.consent_source ?? '' },
  {
    label: 'field.subscription',
    show: (d, tr) => (d.subscription === 'unknown' ? '' : tr(`subscription.${d.subscription}`)),
  },
  { label: 'field.tags', show: (d) => d.tags.join(', ') },
  {
    label: 'field.custom',
    show: (d) =>
      Object.entries(d.custom)
        .map(([key, value]) => `${key}: ${value}`)
        .join('; '),
  },
];

export function visibleDraftColumns(drafts: SignatoryFields[], tr: (key: MessageKey) => string) {
  return DRAFT_COLUMNS.filter((column) => drafts.some((draft) => column.show(draft, tr) !== ''));
}
