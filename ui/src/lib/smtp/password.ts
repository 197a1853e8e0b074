import { isAppError } from '../shared/errors';

/** What the person typed when asked for an account's password. */
export type PasswordAnswer = { password: string; /** Store it in the OS keychain too. */ remember: boolean };

type Account = { id: number; name: string };

/**
 * Runs an action that logs in to the account: first with the keychain's password; when the
 * keychain has none (code "password_needed") asks for it, stores it if the person wants, and
 * runs the action again with it. Resolves null when the person declines. The password lives only
 * in this call.
 */
export async function withPassword<T>(
  account: Account,
  run: (password: string | null) => Promise<T>,
  ask: (accountName: string) => Promise<PasswordAnswer | null>,
  store: (id: number, password: string) => Promise<void>,
): Promise<T | null> {
  try {
    return await run(null);
  } catch (err) {
    if (!isAppError(err) || err.code !== 'password_needed') throw err;
  }
  const answer = await ask(account.name);
  if (!answer) return null;
  if (answer.remember) await store(account.id, answer.password);
  return run(answer.password);
}
