import { Channel } from '@tauri-apps/api/core';
import { invoke } from '../shared/ipc';
import type { AudienceCheck } from '../../bindings/AudienceCheck';
import type { AudienceFilter } from '../../bindings/AudienceFilter';
import type { ConsentCounts } from '../../bindings/ConsentCounts';
import type { HandoverFormat } from '../../bindings/HandoverFormat';
import type { HandoverReport } from '../../bindings/HandoverReport';
import type { Mailing } from '../../bindings/Mailing';
import type { MailingDraft } from '../../bindings/MailingDraft';
import type { MergeProgress } from '../../bindings/MergeProgress';
import type { MergeReport } from '../../bindings/MergeReport';
import type { Message } from '../../bindings/Message';
import type { MessagePage } from '../../bindings/MessagePage';

export function listMailings(campaignId: number): Promise<Mailing[]> {
  return invoke<Mailing[]>('list_mailings', { campaignId });
}

export function createMailing(draft: MailingDraft): Promise<Mailing> {
  return invoke<Mailing>('create_mailing', { draft });
}

export async function deleteMailing(id: number): Promise<void> {
  await invoke<null>('delete_mailing', { id });
}

/** The people a filter selects, by what they said about being contacted (its consent rule aside). */
export function audienceConsent(campaignId: number, filter: AudienceFilter): Promise<ConsentCounts> {
  return invoke<ConsentCounts>('audience_consent', { campaignId, filter });
}

/** Every recipient the mailing reaches, with whatever would stop their letter. */
export function checkMailing(id: number): Promise<AudienceCheck> {
  return invoke<AudienceCheck>('check_mailing', { id });
}

/**
 * Renders the messages into the outbox, reporting progress through a channel. Merging again
 * replaces the unsent messages. With problems in the audience the backend refuses unless
 * excludeProblems leaves those recipients out.
 */
export function mergeMailing(
  id: number,
  excludeProblems: boolean,
  onProgress: (progress: MergeProgress) => void,
): Promise<MergeReport> {
  const channel = new Channel<MergeProgress>();
  channel.onmessage = onProgress;
  return invoke<MergeReport>('merge_mailing', { id, excludeProblems, onProgress: channel });
}

export function listMessages(mailingId: number, offset: number, limit: number): Promise<MessagePage> {
  return invoke<MessagePage>('list_messages', { mailingId, offset, limit });
}

export function getMessage(id: number): Promise<Message> {
  return invoke<Message>('get_message', { id });
}

/** Hands the messages over: eml writes a folder, the other formats one file. */
export function exportMessages(mailingId: number, format: HandoverFormat, path: string): Promise<HandoverReport> {
  return invoke<HandoverReport>('export_messages', { mailingId, format, path });
}
