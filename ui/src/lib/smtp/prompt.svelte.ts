import { forgetOnLock } from '../shared/session';
import { setSmtpPassword } from './api';
import { withPassword, type PasswordAnswer } from './password';

type Request = { account: string; resolve: (answer: PasswordAnswer | null) => void };

/** The open question "what is the password of this account?"; PasswordDialog shows it. */
let request = $state.raw<Request | null>(null);

export const passwordPrompt = {
  /** The account being asked about, or null. */
  get account(): string | null {
    return request?.account ?? null;
  },
  ask(account: string): Promise<PasswordAnswer | null> {
    request?.resolve(null);
    return new Promise((resolve) => {
      request = { account, resolve };
    });
  },
  answer(answer: PasswordAnswer | null): void {
    const pending = request;
    request = null;
    pending?.resolve(answer);
  },
};

// A question open when the app locks is declined, so the action waiting for it ends.
forgetOnLock(() => passwordPrompt.answer(null));

/**
 * withPassword with the dialog and the keychain: the views mount PasswordDialog to answer.
 * store keeps a password the person asks to remember: an SMTP account's unless told otherwise
 * (the mailbox view passes its own).
 */
export function loggingIn<T>(
  account: { id: number; name: string },
  run: (password: string | null) => Promise<T>,
  store: (id: number, password: string) => Promise<void> = setSmtpPassword,
): Promise<T | null> {
  return withPassword(account, run, (name) => passwordPrompt.ask(name), store);
}
