import { Channel, invoke } from '@tauri-apps/api/core';
import type { AudienceCheck } from '../../bindings/AudienceCheck';
import type { AudienceKind } from '../../bindings/AudienceKind';
import type { HandoverFormat } from '../../bindings/HandoverFormat';
import type { HandoverReport } from '../../bindings/HandoverReport';
import type { Mailing } from '../../bindings/Mailing';
import type { MailingDraft } from '../../bindings/MailingDraft';
import type { MergeProgress } from '../../bindings/MergeProgress';
import type { MergeReport } from '../../bindings/MergeReport';
import type { Message } from '../../bindings/Message';
import type { MessagePage } from '../../bindings/MessagePage';
import type { Recipient } from '../../bindings/Recipient';
import type { Rendered } from '../../bindings/Rendered';
import type { Target } from '../../bindings/Target';
import type { TargetFields } from '../../bindings/TargetFields';
import type { TargetImportReport } from '../../bindings/TargetImportReport';
import type { Template } from '../../bindings/Template';
import type { TemplateDraft } from '../../bindings/TemplateDraft';
import type { TemplateProblem } from '../../bindings/TemplateProblem';

export const listTargets = (campaignId: number) => invoke<Target[]>('list_targets', { campaignId });
export const createTarget = (campaignId: number, fields: TargetFields) =>
  invoke<Target>('create_target', { campaignId, fields });
export const updateTarget = (id: number, fields: TargetFields) => invoke<Target>('update_target', { id, fields });
export const deleteTarget = (id: number) => invoke<null>('delete_target', { id });
export const importTargets = (campaignId: number, path: string) =>
  invoke<TargetImportReport>('import_targets', { campaignId, path });
export const exportTargets = (campaignId: number, path: string) =>
  invoke<number>('export_targets', { campaignId, path });

export const listTemplates = (campaignId: number) => invoke<Template[]>('list_templates', { campaignId });
export const saveTemplate = (template: TemplateDraft) => invoke<Template>('save_template', { template });
export const checkTemplate = (template: TemplateDraft) =>
  invoke<TemplateProblem[]>('check_template', { template });
export const templateFields = (campaignId: number) => invoke<string[]>('template_fields', { campaignId });
export const previewRecipients = (campaignId: number, audience: AudienceKind, offset: number, limit: number) =>
  invoke<Recipient[]>('preview_recipients', { campaignId, audience, offset, limit });
export const renderPreview = (template: TemplateDraft, recipient: Recipient) =>
  invoke<Rendered>('render_preview', { template, recipient });

export const listMailings = (campaignId: number) => invoke<Mailing[]>('list_mailings', { campaignId });
export const createMailing = (draft: MailingDraft) => invoke<Mailing>('create_mailing', { draft });
export const checkMailing = (id: number) => invoke<AudienceCheck>('check_mailing', { id });
export function mergeMailing(
  id: number,
  excludeProblems: boolean,
  onProgress: (p: MergeProgress) => void,
): Promise<MergeReport> {
  const channel = new Channel<MergeProgress>();
  channel.onmessage = onProgress;
  return invoke<MergeReport>('merge_mailing', { id, excludeProblems, onProgress: channel });
}
export const listMessages = (mailingId: number, offset: number, limit: number) =>
  invoke<MessagePage>('list_messages', { mailingId, offset, limit });
export const getMessage = (id: number) => invoke<Message>('get_message', { id });
export const exportMessages = (mailingId: number, format: HandoverFormat, path: string) =>
  invoke<HandoverReport>('export_messages', { mailingId, format, path });
