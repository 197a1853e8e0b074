import { describe, expect, it, vi } from 'vitest';
import { withPassword } from './password';

const account = { id: 3, name: 'Committee mailbox' };
const needed = { code: 'password_needed', message: 'there is no password for Committee mailbox in the keychain; enter it' };

describe('withPassword', () => {
  it('uses the keychain without asking when it has the password', async () => {
    const ask = vi.fn();
    const run = vi.fn(async (pw: string | null) => `ran with ${pw}`);
    expect(await withPassword(account, run, ask, vi.fn())).toBe('ran with null');
    expect(ask).not.toHaveBeenCalled();
  });

  it('asks when the keychain has none, and runs once more with the answer', async () => {
    const run = vi.fn(async (pw: string | null) => {
      if (pw === null) throw needed;
      return pw.length;
    });
    const store = vi.fn(async () => {});
    const result = await withPassword(account, run, async () => ({ password: 'hunter22', remember: false }), store);
    expect(result).toBe(8);
    expect(run.mock.calls).toEqual([[null], ['hunter22']]);
    expect(store).not.toHaveBeenCalled();
  });

  it('stores the password in the keychain only when asked to', async () => {
    const store = vi.fn(async () => {});
    const run = async (pw: string | null) => {
      if (pw === null) throw needed;
      return 'ok';
    };
    await withPassword(account, run, async () => ({ password: 'hunter22', remember: true }), store);
    expect(store).toHaveBeenCalledWith(3, 'hunter22');
  });

  it('gives null when the person declines, and passes other errors on', async () => {
    const refused = async () => {
      throw needed;
    };
    expect(await withPassword(account, refused, async () => null, vi.fn())).toBeNull();
    const broken = { code: 'connection', message: 'the server refused the password' };
    await expect(withPassword(account, async () => Promise.reject(broken), vi.fn(), vi.fn())).rejects.toEqual(broken);
  });
});
