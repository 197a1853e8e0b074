import type { Profile } from '../../bindings/Profile';
import type { ProfileDraft } from '../../bindings/ProfileDraft';
import type { RateLimits } from '../../bindings/RateLimits';
import type { Security } from '../../bindings/Security';
import { wholeNumber } from '../shared/numbers';

export const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];

/** The usual port for each kind of connection. */
export const DEFAULT_PORT: Record<Security, number> = { tls: 465, starttls: 587, none: 25 };

export const LIMITS = ['per_second', 'per_minute', 'per_hour', 'per_day'] as const satisfies readonly (keyof RateLimits)[];

/** What the account form binds to: numbers as typed, so a half-typed value is not lost. */
export type ProfileForm = {
  name: string;
  host: string;
  port: string;
  security: Security;
  username: string;
  from_name: string;
  from_address: string;
  reply_to: string;
  ca_file: string;
  concurrency: string;
  limits: Record<keyof RateLimits, string>;
  max_attempts: string;
  retry_base_seconds: string;
  timeout_seconds: string;
  dkim: boolean;
  dkim_domain: string;
  dkim_selector: string;
  dkim_key_file: string;
};

/** A new account with the backend's usual defaults (STARTTLS, 4 connections, 5 attempts). */
export function emptyProfileForm(): ProfileForm {
  return {
    name: '',
    host: '',
    port: String(DEFAULT_PORT.starttls),
    security: 'starttls',
    username: '',
    from_name: '',
    from_address: '',
    reply_to: '',
    ca_file: '',
    concurrency: '4',
    limits: { per_second: '', per_minute: '', per_hour: '', per_day: '' },
    max_attempts: '5',
    retry_base_seconds: '60',
    timeout_seconds: '60',
    dkim: false,
    dkim_domain: '',
    dkim_selector: '',
    dkim_key_file: '',
  };
}

const text = (value: number | null) => (value === null ? '' : String(value));

export function toProfileForm(profile: Profile): ProfileForm {
  return {
    name: profile.name,
    host: profile.host,
    port: String(profile.port),
    security: profile.security,
    username: profile.username ?? '',
    from_name: profile.from_name,
    from_address: profile.from_address,
    reply_to: profile.reply_to ?? '',
    ca_file: profile.ca_file ?? '',
    concurrency: String(profile.concurrency),
    limits: {
      per_second: text(profile.limits.per_second),
      per_minute: text(profile.limits.per_minute),
      per_hour: text(profile.limits.per_hour),
      per_day: text(profile.limits.per_day),
    },
    max_attempts: String(profile.max_attempts),
    retry_base_seconds: String(profile.retry_base_seconds),
    timeout_seconds: String(profile.timeout_seconds),
    dkim: profile.dkim !== null,
    dkim_domain: profile.dkim?.domain ?? '',
    dkim_selector: profile.dkim?.selector ?? '',
    dkim_key_file: profile.dkim?.key_file ?? '',
  };
}

/** The new security, with the port following it while the port is still the old default. */
export function withSecurity(form: ProfileForm, security: Security): ProfileForm {
  const port = form.port.trim() === String(DEFAULT_PORT[form.security]) ? String(DEFAULT_PORT[security]) : form.port;
  return { ...form, security, port };
}

/** Whether the host is this computer: the only place an unencrypted connection may go. */
export function isLoopback(host: string): boolean {
  const h = host.trim().replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const MAX_U32 = 4_294_967_295;

export type ProfileBlocker =
  | 'no_name'
  | 'bad_host'
  | 'bad_port'
  | 'none_not_local'
  | 'none_with_user'
  | 'bad_from_address'
  | 'bad_reply_to'
  | 'bad_concurrency'
  | 'bad_limit'
  | 'bad_attempts'
  | 'bad_seconds'
  | 'dkim_incomplete';

/** Why the account cannot be saved yet, or null when it can. The backend checks the files. */
export function profileBlocker(form: ProfileForm): ProfileBlocker | null {
  const host = form.host.trim();
  if (form.name.trim() === '') return 'no_name';
  if (host === '' || /[\s/]/.test(host)) return 'bad_host';
  if (wholeNumber(form.port, 1, 65535) === null) return 'bad_port';
  if (form.security === 'none' && !isLoopback(host)) return 'none_not_local';
  if (form.security === 'none' && form.username.trim() !== '') return 'none_with_user';
  if (!EMAIL.test(form.from_address.trim())) return 'bad_from_address';
  if (form.reply_to.trim() !== '' && !EMAIL.test(form.reply_to.trim())) return 'bad_reply_to';
  if (wholeNumber(form.concurrency, 1, 64) === null) return 'bad_concurrency';
  if (LIMITS.some((key) => form.limits[key].trim() !== '' && wholeNumber(form.limits[key], 1, MAX_U32) === null)) {
    return 'bad_limit';
  }
  if (wholeNumber(form.max_attempts, 1, 50) === null) return 'bad_attempts';
  if (wholeNumber(form.retry_base_seconds, 1, MAX_U32) === null || wholeNumber(form.timeout_seconds, 1, MAX_U32) === null) {
    return 'bad_seconds';
  }
  if (form.dkim && [form.dkim_domain, form.dkim_selector, form.dkim_key_file].some((v) => v.trim() === '')) {
    return 'dkim_incomplete';
  }
  return null;
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The form as the backend takes it; call only when profileBlocker is null. */
export function toProfileDraft(form: ProfileForm): ProfileDraft {
  const limit = (key: keyof RateLimits) => wholeNumber(form.limits[key], 1, MAX_U32);
  return {
    name: form.name.trim(),
    host: form.host.trim(),
    port: Number(form.port.trim()),
    security: form.security,
    username: form.security === 'none' ? null : blankToNull(form.username),
    from_name: form.from_name.trim(),
    from_address: form.from_address.trim(),
    reply_to: blankToNull(form.reply_to),
    ca_file: form.security === 'none' ? null : blankToNull(form.ca_file),
    concurrency: Number(form.concurrency.trim()),
    limits: { per_second: limit('per_second'), per_minute: limit('per_minute'), per_hour: limit('per_hour'), per_day: limit('per_day') },
    max_attempts: Number(form.max_attempts.trim()),
    retry_base_seconds: Number(form.retry_base_seconds.trim()),
    timeout_seconds: Number(form.timeout_seconds.trim()),
    dkim: form.dkim
      ? { domain: form.dkim_domain.trim(), selector: form.dkim_selector.trim(), key_file: form.dkim_key_file.trim() }
      : null,
  };
}
