import type { Template } from '../../bindings/Template';
import type { TemplateDraft } from '../../bindings/TemplateDraft';
import type { TemplatePart } from '../../bindings/TemplatePart';
import type { TemplateProblem } from '../../bindings/TemplateProblem';

export function newDraft(campaignId: number, language = 'en'): TemplateDraft {
  return {
    id: null,
    campaign_id: campaignId,
    name: '',
    fallback_language: language,
    variants: [{ language, subject: '', body: '' }],
    attachments: [],
  };
}

/** A stored template as an editable copy. */
export function draftFromTemplate(template: Template): TemplateDraft {
  return {
    id: template.id,
    campaign_id: template.campaign_id,
    name: template.name,
    fallback_language: template.fallback_language,
    variants: template.variants.map((v) => ({ ...v })),
    attachments: [...template.attachments],
  };
}

/** A language code as stored: "EN" → "en", "pt-br" → "pt-BR". Null when it is not one. */
export function normaliseLanguage(code: string): string | null {
  const text = code.trim();
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(text)) return null;
  const [base, ...rest] = text.split('-');
  return [base.toLowerCase(), ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part.toLowerCase()))].join('-');
}

export type VariantBlocker = 'invalid_code' | 'exists';

/** Adds an empty variant in that language; says why not when it cannot. */
export function addVariant(draft: TemplateDraft, code: string): { language: string } | { blocker: VariantBlocker } {
  const language = normaliseLanguage(code);
  if (language === null) return { blocker: 'invalid_code' };
  if (draft.variants.some((v) => v.language === language)) return { blocker: 'exists' };
  draft.variants.push({ language, subject: '', body: '' });
  return { language };
}

/**
 * Removes a variant, never the last one; when it was the fallback, the first remaining
 * variant becomes the fallback. Returns the language to show next, or null if nothing changed.
 */
export function removeVariant(draft: TemplateDraft, language: string): string | null {
  if (draft.variants.length < 2 || !draft.variants.some((v) => v.language === language)) return null;
  draft.variants = draft.variants.filter((v) => v.language !== language);
  if (draft.fallback_language === language) draft.fallback_language = draft.variants[0].language;
  return draft.fallback_language;
}

export type DraftBlocker = 'no_name';

export function draftBlocker(draft: TemplateDraft): DraftBlocker | null {
  return draft.name.trim() === '' ? 'no_name' : null;
}

/** The problems of one variant part ("en" subject, …). */
export function problemsOf(problems: readonly TemplateProblem[], language: string, part: TemplatePart): TemplateProblem[] {
  return problems.filter((p) => p.language === language && p.part === part);
}

/** How many problems each language has, for the variant tabs. */
export function problemCounts(problems: readonly TemplateProblem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) counts[p.language] = (counts[p.language] ?? 0) + 1;
  return counts;
}

/** Attachment paths from a textarea: one per line, blank lines left out. */
export function parseAttachments(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** True when the draft differs from what was last saved or opened. */
export function isDirty(draft: TemplateDraft, saved: TemplateDraft | null): boolean {
  return saved === null || JSON.stringify(draft) !== JSON.stringify(saved);
}
