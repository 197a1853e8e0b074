// Installed after tauri-mock.js: the SMTP accounts, sending and outbox part of the mocked backend.
// Fictional people and servers only. Every command checks the argument names and types the UI
// sends against what the Tauri command takes (camelCase), and refuses anything else the way the
// IPC layer would, so a wrong name shows up as a failed call in the test.
(() => {
  const { handlers, person, fail, channelId } = window.__MOCK__;
  const STAMP = '2024-06-01 10:00:00';
  const TOTAL = 40;
  const MAILING_ID = 12;

  /** Types: number, string, boolean, object, array, channel, each optionally "|null". */
  function check(cmd, args, spec) {
    const got = Object.keys(args).sort().join(', ');
    const want = Object.keys(spec).sort().join(', ');
    if (got !== want) throw `invalid args for command ${cmd}: expected {${want}}, got {${got}}`;
    for (const [name, type] of Object.entries(spec)) {
      const value = args[name];
      const ok = type.split('|').some((t) => {
        if (t === 'null') return value === null;
        if (t === 'array') return Array.isArray(value);
        if (t === 'channel') return value !== null && typeof value === 'object' && typeof value.id === 'number';
        return value !== null && typeof value === t && !Array.isArray(value);
      });
      if (!ok) throw `invalid args for command ${cmd}: ${name} should be ${type}, got ${JSON.stringify(value)}`;
    }
  }

  /** Registers commands with their argument specs. */
  function commands(table) {
    for (const [cmd, [spec, handler]] of Object.entries(table)) {
      handlers[cmd] = (args) => {
        check(cmd, args, spec);
        return handler(args);
      };
    }
  }

  // --- SMTP accounts -------------------------------------------------------------------------

  const DRAFT_KEYS = [
    'name', 'host', 'port', 'security', 'username', 'from_name', 'from_address', 'reply_to', 'ca_file',
    'concurrency', 'limits', 'max_attempts', 'retry_base_seconds', 'timeout_seconds', 'dkim',
  ];
  const NO_LIMITS = { per_second: null, per_minute: null, per_hour: null, per_day: null };

  function account(id, name, host, extra = {}) {
    return {
      id, created_at: STAMP, updated_at: STAMP, name, host, port: 465, security: 'tls', username: 'letters',
      from_name: 'Lindenfeld Three Committee', from_address: 'letters@lindenfeld-three.example.org', reply_to: null,
      ca_file: null, concurrency: 4, limits: NO_LIMITS, max_attempts: 5, retry_base_seconds: 60, timeout_seconds: 60,
      dkim: null, ...extra,
    };
  }

  const profiles = [
    account(1, 'Lindenfeld relay', 'smtp.lindenfeld-three.example.org', { limits: { ...NO_LIMITS, per_minute: 30 } }),
    account(2, 'Offline relay', 'smtp.offline.example'),
    account(3, 'Volunteer mailbox', 'mail.volunteers.example.org', { username: 'runa', from_address: 'runa@volunteers.example.org' }),
  ];
  /** The keychain: account id → password. */
  const keychain = new Map([[1, 'kept-in-keychain'], [2, 'kept-in-keychain']]);
  let nextProfile = 7;

  function profileOf(id) {
    const found = profiles.find((p) => p.id === id);
    if (!found) throw { code: 'not_found', message: `there is no SMTP account ${id}` };
    return found;
  }

  /** The backend's password rule: the one given, else the keychain's, else "password_needed". */
  function needPassword(p, given) {
    if (p.username === null || given !== null || keychain.has(p.id)) return null;
    return fail('password_needed', `there is no password for ${p.name} in the keychain; enter it`);
  }

  commands({
    list_smtp_profiles: [{}, () => profiles],
    save_smtp_profile: [{ id: 'number|null', draft: 'object' }, ({ id, draft }) => {
      const keys = Object.keys(draft).sort().join(',');
      if (keys !== [...DRAFT_KEYS].sort().join(',')) throw `invalid args for command save_smtp_profile: draft has ${keys}`;
      if (id === null) {
        const created = { ...draft, id: nextProfile++, created_at: STAMP, updated_at: STAMP };
        profiles.push(created);
        return created;
      }
      return Object.assign(profileOf(id), draft);
    }],
    delete_smtp_profile: [{ id: 'number' }, ({ id }) => {
      profiles.splice(profiles.indexOf(profileOf(id)), 1);
      keychain.delete(id);
      return null;
    }],
    set_smtp_password: [{ id: 'number', password: 'string' }, ({ id, password }) => {
      keychain.set(profileOf(id).id, password);
      return null;
    }],
    has_smtp_password: [{ id: 'number' }, ({ id }) => keychain.has(profileOf(id).id)],
    test_smtp_profile: [{ id: 'number', password: 'string|null' }, ({ id, password }) => {
      const p = profileOf(id);
      const needed = needPassword(p, password);
      if (needed) return needed;
      if (p.host.includes('offline')) {
        return fail('connection', `nothing answers at ${p.host}:${p.port} (connection refused): check the host name and port`);
      }
      return { server: `${p.host}:${p.port}`, encrypted: p.security !== 'none', authenticated: p.username !== null, milliseconds: 142 };
    }],
    import_suppression_list: [{ path: 'string', reason: 'string' }, ({ reason }) => {
      if (!['unsubscribed', 'bounced', 'manual'].includes(reason)) throw `invalid args for command import_suppression_list: reason ${reason}`;
      return { added: 41, already_listed: 3, without_address: [[7, 'Olek;Marrow;;Hollin']], without_address_count: 1 };
    }],
  });

  // --- The outbox of "Spring letters" ----------------------------------------------------------

  const spring = {
    id: MAILING_ID, campaign_id: 1, template_id: 5, name: 'Spring letters', audience: 'signatories',
    filter: { petition_id: null, consent: 'given_or_unknown', tag: null, country: null, language: null },
    from_name: 'Lindenfeld Three Committee', from_address: 'letters@lindenfeld-three.example.org', reply_to: null,
    state: 'merged', message_count: TOTAL, created_at: STAMP,
  };
  const listMailings = handlers.list_mailings;
  handlers.list_mailings = (args) => [...listMailings(args), ...(args.campaignId === spring.campaign_id ? [spring] : [])];

  /** What happens to each message when it is sent; the rest are accepted. */
  const unknownUser = { state: 'failed', code: 550, reply: (email) => `550 5.1.1 <${email}>: Recipient address rejected: User unknown` };
  const FATE = {
    5: unknownUser,
    17: unknownUser,
    23: { state: 'suppressed', code: null, reply: () => 'not sent: the address is on the suppression list' },
    31: { state: 'uncertain', code: null, reply: () => 'the connection broke after the letter was handed over; it may have arrived' },
  };
  const rows = Array.from({ length: TOTAL }, (_, i) => {
    const p = person(i);
    return {
      id: 5000 + i, to: `${p.first_name} ${p.last_name} <${p.email}>`, subject: 'Release the Lindenfeld Three',
      state: 'queued', attempts: 0, last_reply: null, next_attempt_at: null, sent_at: null,
    };
  });
  /** Attempts by message id. */
  const attempts = new Map();
  let queueNo = 0x4f2a9c1b7d00;

  function attempt(row, outcome, code, reply, queueId = null) {
    const list = attempts.get(row.id) ?? [];
    list.push({ at: new Date().toISOString(), outcome, code, reply, queue_id: queueId });
    attempts.set(row.id, list);
  }

  function counts() {
    const c = { queued: 0, sending: 0, sent: 0, deferred: 0, failed: 0, suppressed: 0, cancelled: 0, uncertain: 0 };
    for (const row of rows) c[row.state] += 1;
    return c;
  }

  const open = (c) => c.queued + c.sending + c.deferred + c.uncertain;

  function deliver(row) {
    row.attempts += 1;
    const index = rows.indexOf(row);
    const fate = FATE[index];
    if (fate) {
      const reply = fate.reply(person(index).email);
      Object.assign(row, { state: fate.state, last_reply: reply });
      attempt(row, fate.state, fate.code, reply);
      return;
    }
    const queueId = (queueNo++).toString(16).toUpperCase();
    const reply = `250 2.0.0 Ok: queued as ${queueId}`;
    Object.assign(row, { state: 'sent', last_reply: reply, sent_at: new Date().toISOString(), next_attempt_at: null });
    attempt(row, 'sent', 250, reply, queueId);
  }

  /** The send running in this window, if any. */
  let send = null;

  function startSend({ mailingId, profileId, password, onProgress }) {
    const p = profileOf(profileId);
    const needed = needPassword(p, password);
    if (needed) return needed;
    if (mailingId !== MAILING_ID) return fail('not_found', `there is no mailing ${mailingId}`);
    if (send) return fail('conflict', 'this mailing is already being sent');
    const channel = channelId(onProgress);
    const started = Date.now();
    let index = 0;
    let tick = 0;
    send = { paused: false, cancelled: false };
    const progress = (phase) => {
      const c = counts();
      const left = open(c);
      const rate = phase === 'paused' ? 0 : 8;
      return {
        mailing_id: mailingId, phase, counts: c, total: TOTAL, connections: phase === 'paused' ? 0 : 4, rate_per_second: rate,
        eta_seconds: rate > 0 ? Math.ceil(left / rate) : null, next_retry_at: null,
        note: phase === 'slowed_down' ? '421 4.7.0 Too many messages, slow down' : null,
        elapsed_seconds: Math.round((Date.now() - started) / 1000),
      };
    };
    const emit = (message) => window.__TAURI_INTERNALS__.runCallback(channel, { index: index++, message });
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        tick += 1;
        if (send.cancelled) {
          for (const row of rows) if (row.state === 'queued' || row.state === 'deferred') row.state = 'cancelled';
        }
        if (send.paused && !send.cancelled) {
          emit(progress('paused'));
          return;
        }
        const next = rows.filter((r) => r.state === 'queued').slice(0, 2);
        next.forEach(deliver);
        const c = counts();
        if (c.queued > 0) {
          emit(progress(tick === 6 ? 'slowed_down' : 'running'));
          return;
        }
        clearInterval(timer);
        send = null;
        const final = progress(open(c) === 0 ? 'finished' : 'stopped');
        emit(final);
        window.__TAURI_INTERNALS__.runCallback(channel, { index, end: true });
        resolve(final);
      }, 250);
    });
  }

  function transition(from, to, outcome, reply, only = null) {
    const chosen = rows.filter((r) => from.includes(r.state) && (only === null || only.includes(r.id)));
    for (const row of chosen) {
      Object.assign(row, { state: to, last_reply: reply }, to === 'queued' ? { attempts: 0 } : {});
      attempt(row, outcome, null, reply);
    }
    return chosen.length;
  }

  function outboxOf(mailingId) {
    if (mailingId === MAILING_ID) return rows;
    return [];
  }

  commands({
    start_send: [{ mailingId: 'number', profileId: 'number', password: 'string|null', onProgress: 'channel' }, startSend],
    pause_send: [{ mailingId: 'number' }, () => {
      if (!send) return false;
      send.paused = true;
      return true;
    }],
    resume_send: [{ mailingId: 'number' }, () => {
      if (!send) return false;
      send.paused = false;
      return true;
    }],
    cancel_send: [{ mailingId: 'number' }, () => {
      if (send) {
        send.cancelled = true;
        return 0;
      }
      return transition(['queued', 'deferred'], 'cancelled', 'cancelled', 'cancelled by the user');
    }],
    send_test_message: [{ messageId: 'number', profileId: 'number', to: 'string', password: 'string|null' }, ({ profileId, to, password }) => {
      const needed = needPassword(profileOf(profileId), password);
      if (needed) return needed;
      return { to, reply: '250 2.0.0 Ok: queued as 7C1D0E9A2B44', queue_id: '7C1D0E9A2B44' };
    }],
    outbox_status: [{ mailingId: 'number' }, ({ mailingId }) => {
      const list = outboxOf(mailingId);
      const c = mailingId === MAILING_ID ? counts() : { queued: 0, sending: 0, sent: 0, deferred: 0, failed: 0, suppressed: 0, cancelled: 0, uncertain: 0 };
      return { mailing_id: mailingId, counts: c, total: list.length, finished: list.length > 0 && open(c) === 0, sending_elsewhere: false, next_retry_at: null };
    }],
    outbox_list: [{ mailingId: 'number', query: 'object' }, ({ mailingId, query }) => {
      check('outbox_list (query)', query, { state: 'string|null', search: 'string|null', offset: 'number', limit: 'number' });
      const term = (query.search ?? '').toLowerCase();
      const matching = outboxOf(mailingId).filter((r) => (query.state === null || r.state === query.state) && r.to.toLowerCase().includes(term));
      return { total: matching.length, rows: matching.slice(query.offset, query.offset + query.limit).map((r) => ({ ...r })) };
    }],
    message_attempts: [{ messageId: 'number' }, ({ messageId }) => attempts.get(messageId) ?? []],
    retry_failed: [{ mailingId: 'number' }, () => transition(['failed'], 'queued', 'requeued', 'retry requested by the user')],
    retry_deferred_now: [{ mailingId: 'number' }, () => rows.filter((r) => r.state === 'deferred').length],
    resolve_uncertain: [{ mailingId: 'number', resolution: 'string', ids: 'array|null' }, ({ resolution, ids }) => {
      const to = { resend: ['queued', 'requeued'], mark_sent: ['sent', 'marked_sent'], cancel: ['cancelled', 'cancelled'] }[resolution];
      if (!to) throw `invalid args for command resolve_uncertain: resolution ${resolution}`;
      return transition(['uncertain'], to[0], to[1], `the user chose: ${resolution}`, ids);
    }],
    export_send_log: [{ mailingId: 'number', path: 'string' }, () => [...attempts.values()].reduce((n, list) => n + list.length, 0)],
    sent_per_minute: [{ mailingId: 'number' }, ({ mailingId }) => {
      const minutes = new Map();
      for (const row of outboxOf(mailingId)) {
        const list = attempts.get(row.id) ?? [];
        for (const a of list) {
          if (a.outcome !== 'sent' && a.outcome !== 'failed') continue;
          const minute = a.at.slice(0, 16);
          const m = minutes.get(minute) ?? { minute, sent: 0, failed: 0 };
          m[a.outcome] += 1;
          minutes.set(minute, m);
        }
      }
      return [...minutes.values()];
    }],
  });

  // tauri-mock-security.js (loaded next) registers its commands the same way.
  window.__MOCK__.commands = commands;
})();
