import { invoke } from '../shared/ipc';
import type { AudienceKind } from '../../bindings/AudienceKind';
import type { Recipient } from '../../bindings/Recipient';
import type { Rendered } from '../../bindings/Rendered';
import type { Template } from '../../bindings/Template';
import type { TemplateDraft } from '../../bindings/TemplateDraft';
import type { TemplateProblem } from '../../bindings/TemplateProblem';

export function listTemplates(campaignId: number): Promise<Template[]> {
  return invoke<Template[]>('list_templates', { campaignId });
}

/** Stores the draft; an id of null makes a new template. */
export function saveTemplate(template: TemplateDraft): Promise<Template> {
  return invoke<Template>('save_template', { template });
}

export async function deleteTemplate(id: number): Promise<void> {
  await invoke<null>('delete_template', { id });
}

/** Every problem of every variant; an empty list means the template is sound. */
export function checkTemplate(template: TemplateDraft): Promise<TemplateProblem[]> {
  return invoke<TemplateProblem[]>('check_template', { template });
}

/** Every merge field a template of the campaign can use ("signatory.first_name", "today", …). */
export function templateFields(campaignId: number): Promise<string[]> {
  return invoke<string[]>('template_fields', { campaignId });
}

/** Real recipients to preview against, in mailing order. */
export function previewRecipients(
  campaignId: number,
  audience: AudienceKind,
  offset: number,
  limit: number,
): Promise<Recipient[]> {
  return invoke<Recipient[]>('preview_recipients', { campaignId, audience, offset, limit });
}

/** The draft merged for one recipient, in their language or the fallback. */
export function renderPreview(template: TemplateDraft, recipient: Recipient): Promise<Rendered> {
  return invoke<Rendered>('render_preview', { template, recipient });
}
