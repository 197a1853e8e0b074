import { Channel } from '@tauri-apps/api/core';
import { invoke } from '../shared/ipc';
import type { Attempt } from '../../bindings/Attempt';
import type { MinuteCount } from '../../bindings/MinuteCount';
import type { OutboxPage } from '../../bindings/OutboxPage';
import type { OutboxQuery } from '../../bindings/OutboxQuery';
import type { OutboxStatus } from '../../bindings/OutboxStatus';
import type { Resolution } from '../../bindings/Resolution';
import type { SendProgress } from '../../bindings/SendProgress';
import type { TestSendReport } from '../../bindings/TestSendReport';

/**
 * Sends the mailing through the account; progress arrives on a channel about four times a
 * second. Resolves only when the send ends (finished, or stopped by cancel or a fatal error).
 * password null uses the keychain's (code "password_needed" when it has none).
 */
export function startSend(
  mailingId: number,
  profileId: number,
  password: string | null,
  onProgress: (progress: SendProgress) => void,
): Promise<SendProgress> {
  const channel = new Channel<SendProgress>();
  channel.onmessage = onProgress;
  return invoke<SendProgress>('start_send', { mailingId, profileId, password, onProgress: channel });
}

/** False when this window is not sending the mailing. */
export function pauseSend(mailingId: number): Promise<boolean> {
  return invoke<boolean>('pause_send', { mailingId });
}

export function resumeSend(mailingId: number): Promise<boolean> {
  return invoke<boolean>('resume_send', { mailingId });
}

/** Stops a running send (what is left is then cancelled), or cancels what a stopped one left. */
export function cancelSend(mailingId: number): Promise<number> {
  return invoke<number>('cancel_send', { mailingId });
}

/** One copy of a message to the given address; the message itself stays as it is. */
export function sendTestMessage(messageId: number, profileId: number, to: string, password: string | null): Promise<TestSendReport> {
  return invoke<TestSendReport>('send_test_message', { messageId, profileId, to, password });
}

export function outboxStatus(mailingId: number): Promise<OutboxStatus> {
  return invoke<OutboxStatus>('outbox_status', { mailingId });
}

export function outboxList(mailingId: number, query: OutboxQuery): Promise<OutboxPage> {
  return invoke<OutboxPage>('outbox_list', { mailingId, query });
}

export function messageAttempts(messageId: number): Promise<Attempt[]> {
  return invoke<Attempt[]>('message_attempts', { messageId });
}

/** Failed messages go back to the queue; returns how many. */
export function retryFailed(mailingId: number): Promise<number> {
  return invoke<number>('retry_failed', { mailingId });
}

/** Deferred messages become due now; returns how many. */
export function retryDeferredNow(mailingId: number): Promise<number> {
  return invoke<number>('retry_deferred_now', { mailingId });
}

/** The person's decision on uncertain messages: all of them (ids null) or the given ones. */
export function resolveUncertain(mailingId: number, resolution: Resolution, ids: number[] | null): Promise<number> {
  return invoke<number>('resolve_uncertain', { mailingId, resolution, ids });
}

/** Writes every attempt as CSV; returns the number of rows. */
export function exportSendLog(mailingId: number, path: string): Promise<number> {
  return invoke<number>('export_send_log', { mailingId, path });
}

export function sentPerMinute(mailingId: number): Promise<MinuteCount[]> {
  return invoke<MinuteCount[]>('sent_per_minute', { mailingId });
}
