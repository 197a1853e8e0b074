// Installed after tauri-mock-sending.js: the safe-keeping part of the mocked backend, a small
// vault. While the database is locked every other command is refused with code "locked", as the
// backend does. A test sets how the vault starts with window.__MOCK_VAULT__ (browser.test.mjs
// openApp's vault option): state, unlocked, paused (sends a lock pauses), auto_lock_minutes.
(() => {
  const { handlers, fail, commands } = window.__MOCK__;
  const PASSPHRASE = 'Lindenfeld three, free at last';
  const RECOVERY = 'ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567';
  const NEXT_RECOVERY = 'WXYZ-2345-ABCD-EFGH-IJKL-MNOP-QRST-UV67';
  const PATH = '/home/demo/.local/share/appeal-desk/appeal.db';
  const start = window.__MOCK_VAULT__ ?? {};
  const vault = {
    state: start.state ?? 'encrypted',
    unlocked: start.unlocked ?? true,
    remembered: false,
    passphrase: PASSPHRASE,
    recovery: RECOVERY,
    auto_lock_minutes: start.auto_lock_minutes ?? 15,
    backup: { folder: null, every_hours: 24, keep: 10 },
    last_backup: null,
    paused: start.paused ?? 0,
    wrong: 0,
  };
  const retention = [
    { campaign_id: 1, campaign: 'Free the Lindenfeld Three', months: 24, due: 3 },
    { campaign_id: 2, campaign: 'Open the Eastmere archive', months: null, due: 0 },
  ];
  const due = [
    { id: 7, name: 'Runa Larkin', email: 'runa.larkin@example.org', last_activity: '2022-03-01', campaign: 'Free the Lindenfeld Three' },
    { id: 8, name: 'Ivo Quill', email: null, last_activity: '2022-02-11', campaign: 'Free the Lindenfeld Three' },
    { id: 9, name: '', email: 'sefa@example.org', last_activity: '2021-12-24', campaign: 'Free the Lindenfeld Three' },
  ];
  const backups = [];

  const open = () => vault.unlocked && vault.state !== 'missing';
  const needOpen = () => (open() ? null : fail('locked', 'the database is locked; unlock it to go on'));
  const wrongKey = () => fail('wrong_key', 'that passphrase does not open this database; nothing was changed. Check it and try again, or use the recovery key');
  const keys = (recovery) => {
    vault.recovery = recovery;
    return { recovery_key: recovery };
  };

  /** As zxcvbn roughly: longer is stronger; acceptable from a score of 3 and 10 characters. */
  function strength(passphrase) {
    const length = [...passphrase].length;
    const score = length < 6 ? 0 : length < 9 ? 1 : length < 12 ? 2 : length < 20 ? 3 : 4;
    return {
      score,
      acceptable: score >= 3 && length >= 10,
      warning: score < 2 ? 'This is similar to a commonly used password.' : null,
      suggestions: score < 3 ? ['Add another word or two. Uncommon words are better.'] : [],
      crack_time: ['3 seconds', '2 hours', '4 months', '12 years', 'centuries'][score],
    };
  }

  /** The backend locks by itself (a test stands in for whatever made it). */
  window.__MOCK__.lockBackend = () => {
    vault.unlocked = false;
  };

  // Every command registered so far refuses while locked, as the backend's state.db() does.
  for (const [cmd, handler] of Object.entries(handlers)) {
    if (cmd.startsWith('plugin:')) continue;
    handlers[cmd] = (args) => needOpen() ?? handler(args);
  }

  commands({
    security_state: [{}, () => ({
      path: PATH,
      state: vault.state,
      unlocked: open(),
      remembered: vault.remembered,
      last_backup: open() ? vault.last_backup : null,
      backup: open() ? { ...vault.backup } : null,
      auto_lock_minutes: open() ? vault.auto_lock_minutes : 15,
      retention_due: open() ? retention.reduce((n, r) => n + r.due, 0) : null,
    })],
    passphrase_strength: [{ passphrase: 'string' }, ({ passphrase }) => strength(passphrase)],
    create_database: [{ passphrase: 'string', remember: 'boolean' }, ({ passphrase, remember }) => {
      if (vault.state !== 'missing') return fail('conflict', 'there is a database already');
      if (!strength(passphrase).acceptable) return fail('invalid_input', 'that passphrase is too weak to protect the list');
      Object.assign(vault, { state: 'encrypted', unlocked: true, passphrase, remembered: remember });
      return keys(RECOVERY);
    }],
    unlock_database: [{ secret: 'string', kind: 'string', remember: 'boolean' }, ({ secret, kind, remember }) => {
      const normal = (text) => text.toUpperCase().replace(/[\s-]/g, '');
      const right = kind === 'passphrase' ? secret === vault.passphrase : normal(secret) === normal(vault.recovery);
      if (!['passphrase', 'recovery_key'].includes(kind)) throw `invalid args for command unlock_database: kind ${kind}`;
      if (!right) {
        vault.wrong += 1;
        return wrongKey();
      }
      Object.assign(vault, { unlocked: true, wrong: 0, remembered: vault.remembered || remember });
      return null;
    }],
    unlock_remembered: [{}, () => {
      if (!vault.remembered) return false;
      vault.unlocked = true;
      return true;
    }],
    lock_database: [{}, () => {
      vault.unlocked = false;
      return { paused_sends: vault.paused };
    }],
    encrypt_database: [{ passphrase: 'string', remember: 'boolean' }, ({ passphrase, remember }) => {
      if (vault.state !== 'plaintext') return fail('invalid_input', 'the database is encrypted already');
      return new Promise((resolve) => setTimeout(() => {
        Object.assign(vault, { state: 'encrypted', passphrase, remembered: remember });
        resolve(keys(RECOVERY));
      }, 300));
    }],
    change_passphrase: [{ current: 'string', next: 'string' }, ({ current, next }) => {
      if (current !== vault.passphrase) return wrongKey();
      vault.passphrase = next;
      return null;
    }],
    new_recovery_key: [{ passphrase: 'string' }, ({ passphrase }) => (passphrase === vault.passphrase ? keys(NEXT_RECOVERY) : wrongKey())],
    rotate_data_key: [{ passphrase: 'string' }, ({ passphrase }) => (passphrase === vault.passphrase ? keys(NEXT_RECOVERY) : wrongKey())],
    set_remember: [{ remember: 'boolean', passphrase: 'string|null' }, ({ remember, passphrase }) => {
      if (remember && passphrase !== vault.passphrase) return wrongKey();
      vault.remembered = remember;
      return null;
    }],
    backup_now: [{ file: 'string|null' }, ({ file }) => needOpen() ?? (() => {
      if (file === null && vault.backup.folder === null) return fail('invalid_input', 'no backup folder is set; choose one under Automatic backups, or choose a file');
      const path = file ?? `${vault.backup.folder}/appeal-desk-20240601T100000Z.db`;
      const made = { path, taken_at: '2024-06-01T10:00:00Z', bytes: 3_450_000 };
      vault.last_backup = made.taken_at;
      if (file === null) backups.unshift(made);
      return made;
    })()],
    list_backups: [{}, () => needOpen() ?? (vault.backup.folder ? [...backups] : [])],
    set_backup_settings: [{ settings: 'object' }, ({ settings }) => needOpen() ?? (() => {
      vault.backup = { ...settings };
      return null;
    })()],
    restore_backup: [{ file: 'string', passphrase: 'string|null' }, ({ file, passphrase }) => needOpen() ?? (() => {
      // A file named "old-…" was taken with an earlier key, as the backend words it.
      if (file.includes('old-') && passphrase === null) {
        return fail('key_needed', 'this backup was taken with an earlier key; give the passphrase or recovery key of the day it was taken');
      }
      if (file.includes('old-') && passphrase !== 'the old passphrase of 2023') return wrongKey();
      return {
        restored_from: file,
        previous_kept_as: '/home/demo/.local/share/appeal-desk/backups/appeal-desk-20240601T100500Z.db',
        erased_again: 2,
        suppressions_carried: 14,
        signatories: 4998,
      };
    })()],
    set_auto_lock: [{ minutes: 'number' }, ({ minutes }) => needOpen() ?? (() => {
      vault.auto_lock_minutes = minutes;
      return null;
    })()],
    retention_overview: [{}, () => needOpen() ?? retention.map((r) => ({ ...r }))],
    retention_due: [{}, () => needOpen() ?? due.slice(0, retention.reduce((n, r) => n + r.due, 0))],
    set_retention: [{ campaignId: 'number', months: 'number|null' }, ({ campaignId, months }) => needOpen() ?? (() => {
      const row = retention.find((r) => r.campaign_id === campaignId);
      if (!row) return fail('not_found', `No campaign with number ${campaignId} exists.`);
      row.months = months;
      if (months === null) row.due = 0;
      return null;
    })()],
    purge_retention: [{ dryRun: 'boolean' }, ({ dryRun }) => needOpen() ?? (() => {
      const people = retention.reduce((n, r) => n + r.due, 0);
      const report = { dry_run: dryRun, people, signatures: people * 2, messages: 0, suppressed: people };
      if (!dryRun) for (const row of retention) row.due = 0;
      return report;
    })()],
  });
})();
