import type { TargetFields } from '../../bindings/TargetFields';

/** Every field of a target, in the order the form shows them. */
export const TARGET_FIELDS = [
  'name',
  'title',
  'organisation',
  'email',
  'country',
  'language',
  'form_of_address',
  'address',
] as const satisfies readonly (keyof TargetFields)[];
export type TargetField = (typeof TARGET_FIELDS)[number];

/** What the form binds to: every value as text. */
export type TargetForm = Record<TargetField, string>;

export function emptyTargetForm(): TargetForm {
  return Object.fromEntries(TARGET_FIELDS.map((key) => [key, ''])) as TargetForm;
}

export function toTargetForm(fields: TargetFields): TargetForm {
  return Object.fromEntries(TARGET_FIELDS.map((key) => [key, fields[key] ?? ''])) as TargetForm;
}

/** Address lines trimmed, blank lines dropped, Windows line ends made plain. */
export function cleanAddress(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function fromTargetForm(form: TargetForm): TargetFields {
  return {
    name: form.name.trim(),
    title: blankToNull(form.title),
    organisation: blankToNull(form.organisation),
    email: blankToNull(form.email),
    address: blankToNull(cleanAddress(form.address)),
    country: blankToNull(form.country),
    language: blankToNull(form.language)?.toLowerCase() ?? null,
    form_of_address: blankToNull(form.form_of_address),
  };
}

export type TargetBlocker = 'no_name' | 'bad_email';

/** Why the form cannot be saved yet, or null when it can. */
export function targetBlocker(form: TargetForm): TargetBlocker | null {
  if (form.name.trim() === '') return 'no_name';
  const email = form.email.trim();
  if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'bad_email';
  return null;
}

/** "Name, Title (Organisation)", as the table shows a target. */
export function targetLabel(fields: Pick<TargetFields, 'name' | 'title' | 'organisation'>): string {
  const head = [fields.name, fields.title].filter((part) => part && part.trim() !== '').join(', ');
  return fields.organisation ? `${head} (${fields.organisation})` : head;
}
