// Installed with page.addInitScript before the app runs: stands in for the Tauri backend.
// Replicates what @tauri-apps/api/mocks mockIPC sets up on window.__TAURI_INTERNALS__,
// answers every command with canned data (fictional people only) and logs each call
// in window.__IPC_CALLS__ so the test can check what the UI sent.
(() => {
  const calls = [];
  const callbacks = new Map();
  window.__IPC_CALLS__ = calls;

  const FIRST = ['Mira', 'Olek', 'Tamsin', 'Ivo', 'Lena', 'Bruno', 'Ada', 'Sefa', 'Nilo', 'Runa'];
  const LAST = ['Kestrel', 'Marrow', 'Vale', 'Thornby', 'Quill', 'Ashdown', 'Fenwick', 'Larkin'];
  const TOWNS = ['Lindenfeld', 'Birkenau', 'Eastmere', 'Port Calloway', 'Hollin'];
  const TOTAL = 5000;

  function person(i) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
    return {
      id: i + 1,
      first_name: first,
      last_name: last,
      email: `${first}.${last}.${i + 1}@example.org`.toLowerCase(),
      town: TOWNS[i % TOWNS.length],
      country: i % 3 === 0 ? 'DE' : 'NL',
      created_at: '2024-05-01 09:30:00',
    };
  }

  const everyone = Array.from({ length: TOTAL }, (_, i) => person(i));

  function fail(code, message) {
    return Promise.reject({ code, message });
  }

  function listSignatories({ query }) {
    const term = (query.search ?? '').toLowerCase();
    const matching = term
      ? everyone.filter((p) => [p.first_name, p.last_name, p.email, p.town].some((v) => v.toLowerCase().includes(term)))
      : everyone;
    return { total: matching.length, rows: matching.slice(query.offset, query.offset + query.limit) };
  }

  function signatory(id) {
    const row = everyone[id - 1];
    if (!row) return fail('not_found', `No signatory with number ${id} exists.`);
    return {
      ...row,
      updated_at: row.created_at,
      petitions: ['Open letter for the Lindenfeld Three'],
      phone: null,
      street: null,
      postcode: '10115',
      language: 'de',
      consent: true,
      consent_at: '2024-04-30',
      consent_source: 'paper sheet',
      subscription: 'subscribed',
      tags: ['paper'],
      custom: { shirt: 'M' },
    };
  }

  const HEADERS = ['Имя', 'Фамилия', 'E-mail', 'Город', 'Подписано', 'Notiz'];
  const GUESS = ['first_name', 'last_name', 'email', 'town', 'signed_at', 'custom'];
  const SAMPLE = [
    ['Runa', 'Larkin', 'runa.larkin@example.org', 'Lindenfeld', '2024-05-02', 'met at the stall'],
    ['Ivo', 'Quill', 'ivo.quill@example.org', 'Eastmere', '2024-05-02', ''],
    ['', '', '', 'Hollin', '2024-05-03', 'illegible'],
    ['Sefa', 'Ashdown', 'sefa@example.org', 'Hollin', '2024-05-03', ''],
  ];
  // Cells whose line breaks (Alt+Enter in Excel) the import joined; three in all, two listed.
  const FOLDS = [
    { line: 3, field: 'town', from: 'Port\nCalloway', to: 'Port, Calloway' },
    { line: 6, field: 'first_name', from: 'Ada\r\nMaria', to: 'Ada Maria' },
  ];
  const FOLDED = 3;
  const REJECTS = [
    { line: 4, reason: 'The row has no name and no email address.', values: SAMPLE[2] },
    { line: 7, reason: 'The email address “olek@@example” is not valid.', values: ['Olek', 'Marrow', 'olek@@example'] },
  ];

  function columns(options) {
    return HEADERS.map((header, index) => {
      const chosen = options.mapping.find((m) => m.index === index);
      return { index, header, field: chosen ? chosen.field : GUESS[index] };
    });
  }

  /** As the core: with no petition, the signature's columns are kept as custom fields. */
  function keptAsCustom(options) {
    if (options.petition_id !== null) return [];
    return columns(options).filter((m) => m.field === 'signed_at' || m.field === 'comment').map((m) => m.header);
  }

  /** The counts of both the dry run and the import of paper-sheets.csv. */
  function report(options, importId) {
    return {
      import_id: importId, dry_run: importId === null, rows: 8, imported: 3, updated: 1, duplicates: 1, suppressed: 1,
      rejected: 2, rejects: REJECTS, folded: FOLDED, folds: FOLDS, kept_as_custom: keptAsCustom(options),
    };
  }

  function preview({ path, options }) {
    if (path.includes('broken')) {
      return fail('malformed_file', 'Line 3 of broken.csv has a quote that is never closed, so the file cannot be read.');
    }
    const mapping = columns(options);
    const drafts = SAMPLE.filter((row) => row[0]).map((row) => ({
      first_name: row[0], last_name: row[1], email: row[2], phone: null, street: null, postcode: null,
      town: row[3], country: null, language: null, consent: null, consent_at: null, consent_source: null,
      subscription: 'unknown', tags: [], custom: row[5] ? { Notiz: row[5] } : {},
    }));
    return {
      file_name: path.split('/').pop(),
      format: 'csv',
      encoding: options.encoding ?? 'windows-1251',
      delimiter: options.delimiter ?? ';',
      sheets: [],
      headers: HEADERS,
      mapping,
      sample: SAMPLE,
      drafts,
      report: report(options, null),
    };
  }

  function channelId(channel) {
    if (channel && typeof channel === 'object' && 'id' in channel) return channel.id;
    return Number(String(channel).replace('__CHANNEL__:', ''));
  }

  function runImport({ options, onProgress }) {
    const id = channelId(onProgress);
    const steps = [
      { rows: 2, bytes: 100, total_bytes: 400 },
      { rows: 5, bytes: 250, total_bytes: 400 },
      { rows: 8, bytes: 400, total_bytes: 400 },
    ];
    return new Promise((resolve) => {
      steps.forEach((message, index) => {
        setTimeout(() => window.__TAURI_INTERNALS__.runCallback(id, { index, message }), 250 * (index + 1));
      });
      setTimeout(() => {
        window.__TAURI_INTERNALS__.runCallback(id, { index: steps.length, end: true });
        resolve(report(options, 42));
      }, 250 * (steps.length + 1));
    });
  }

  const campaigns = [{ id: 1, name: 'Free the Lindenfeld Three', created_at: '2024-02-01 10:00:00', petition_count: 1 }];
  const petitions = [{ id: 11, campaign_id: 1, title: 'Open letter for the Lindenfeld Three', created_at: '2024-02-02 10:00:00', signature_count: 5000 }];

  const handlers = {
    db_info: () => ({ path: '/home/demo/.local/share/appeal-desk/appeal.db', schema_version: 3, signatories: TOTAL }),
    list_campaigns: () => campaigns,
    create_campaign: ({ name }) => {
      const campaign = { id: campaigns.length + 1, name, created_at: '2024-06-01 10:00:00', petition_count: 0 };
      campaigns.push(campaign);
      return campaign;
    },
    list_petitions: ({ campaignId }) => petitions.filter((p) => p.campaign_id === campaignId),
    create_petition: ({ campaignId, title }) => {
      const petition = { id: 100 + petitions.length, campaign_id: campaignId, title, created_at: '2024-06-01 10:00:00', signature_count: 0 };
      petitions.push(petition);
      return petition;
    },
    list_signatories: listSignatories,
    get_signatory: ({ id }) => signatory(id),
    update_signatory: ({ id, fields }) => ({ ...signatory(id), ...fields }),
    delete_signatory: () => null,
    erase_signatory: () => ({ signatures: 2, rejected_rows: 1, import_changes: 3, messages: 0, suppressed: true, log_cleared: true }),
    preview_import: preview,
    run_import: runImport,
    list_imports: () => [
      { id: 42, file_name: 'paper-sheets.csv', created_at: '2024-06-01 10:00:00', petition_id: 11, rows: 8, imported: 3, updated: 1, duplicates: 1, suppressed: 1, rejected: 2, undone_at: null },
    ],
    undo_import: () => ({ removed: 3, restored: 1, kept: 0, signatures: 5 }),
    save_rejects: () => 2,
    export_columns: () => ['first_name', 'last_name', 'email', 'town', 'country'],
    export_signatures: ({ path, options }) => ({ rows: TOTAL, path, columns: options.columns }),
    'plugin:dialog|open': ({ options }) =>
      options.directory ? '/home/demo/Documents/letters' : '/home/demo/Documents/paper-sheets.csv',
    'plugin:dialog|save': ({ options }) => `/home/demo/Documents/${options.defaultPath ?? 'out.csv'}`,
  };

  async function invoke(cmd, args = {}) {
    calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
    const handler = handlers[cmd];
    if (!handler) throw `Command ${cmd} not found`;
    return handler(args);
  }

  function transformCallback(callback, once = false) {
    const id = window.crypto.getRandomValues(new Uint32Array(1))[0];
    callbacks.set(id, (data) => {
      if (once) callbacks.delete(id);
      return callback && callback(data);
    });
    return id;
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback: (id) => callbacks.delete(id),
    runCallback: (id, data) => callbacks.get(id)?.(data),
    callbacks,
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
  // tauri-mock-appeals.js (loaded next) adds the handlers of targets, templates and mailings.
  window.__MOCK__ = { handlers, person, fail, channelId };
})();
