import { describe, expect, it } from 'vitest';
import type { Profile } from '../../bindings/Profile';
import { emptyProfileForm, isLoopback, profileBlocker, toProfileDraft, toProfileForm, withSecurity, type ProfileForm } from './form';

const filled: ProfileForm = {
  ...emptyProfileForm(),
  name: ' Committee mailbox ',
  host: ' mail.committee.example.org ',
  username: ' letters ',
  from_name: 'Lindenfeld Three Committee',
  from_address: 'letters@lindenfeld-three.example.org',
};

describe('account form', () => {
  it('says what is missing or wrong, in order', () => {
    expect(profileBlocker(emptyProfileForm())).toBe('no_name');
    expect(profileBlocker({ ...filled, host: 'smtp example.org' })).toBe('bad_host');
    expect(profileBlocker({ ...filled, port: '70000' })).toBe('bad_port');
    expect(profileBlocker({ ...filled, port: '58 7' })).toBe('bad_port');
    expect(profileBlocker({ ...filled, from_address: 'letters@' })).toBe('bad_from_address');
    expect(profileBlocker({ ...filled, reply_to: 'nobody' })).toBe('bad_reply_to');
    expect(profileBlocker({ ...filled, concurrency: '0' })).toBe('bad_concurrency');
    expect(profileBlocker({ ...filled, limits: { ...filled.limits, per_hour: '0' } })).toBe('bad_limit');
    expect(profileBlocker({ ...filled, limits: { ...filled.limits, per_hour: '1.5' } })).toBe('bad_limit');
    expect(profileBlocker({ ...filled, max_attempts: '51' })).toBe('bad_attempts');
    expect(profileBlocker({ ...filled, timeout_seconds: '' })).toBe('bad_seconds');
    expect(profileBlocker({ ...filled, dkim: true, dkim_domain: 'lindenfeld-three.example.org' })).toBe('dkim_incomplete');
    expect(profileBlocker(filled)).toBeNull();
  });

  it('allows no encryption only to this computer, and never with a login', () => {
    const plain = withSecurity(filled, 'none');
    expect(profileBlocker(plain)).toBe('none_not_local');
    expect(profileBlocker({ ...plain, host: '127.0.0.1' })).toBe('none_with_user');
    expect(profileBlocker({ ...plain, host: '127.0.0.1', username: '' })).toBeNull();
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('127.0.0.53')).toBe(true);
    expect(isLoopback('127.example.org')).toBe(false);
  });

  it('moves the port along with the security while it is the usual one', () => {
    expect(withSecurity(filled, 'tls').port).toBe('465');
    expect(withSecurity({ ...filled, port: '2525' }, 'tls').port).toBe('2525');
  });

  it('builds the draft: trimmed, empty limits as no limit, DKIM only when ticked', () => {
    const draft = toProfileDraft({ ...filled, reply_to: ' ', limits: { ...filled.limits, per_minute: ' 30 ' }, dkim_domain: 'x' });
    expect(draft).toEqual({
      name: 'Committee mailbox',
      host: 'mail.committee.example.org',
      port: 587,
      security: 'starttls',
      username: 'letters',
      from_name: 'Lindenfeld Three Committee',
      from_address: 'letters@lindenfeld-three.example.org',
      reply_to: null,
      ca_file: null,
      concurrency: 4,
      limits: { per_second: null, per_minute: 30, per_hour: null, per_day: null },
      max_attempts: 5,
      retry_base_seconds: 60,
      timeout_seconds: 60,
      dkim: null,
    });
    const signed = toProfileDraft({ ...filled, dkim: true, dkim_domain: 'a.example', dkim_selector: 's1', dkim_key_file: '/k.pem' });
    expect(signed.dkim).toEqual({ domain: 'a.example', selector: 's1', key_file: '/k.pem' });
  });

  it('reads a stored account back into the form unchanged', () => {
    const draft = toProfileDraft({ ...filled, limits: { ...filled.limits, per_day: '2000' } });
    const profile: Profile = { ...draft, id: 3, created_at: '2024-06-01 10:00:00', updated_at: '2024-06-01 10:00:00' };
    expect(toProfileDraft(toProfileForm(profile))).toEqual(draft);
  });
});
