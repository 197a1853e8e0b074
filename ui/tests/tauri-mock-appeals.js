// Installed after tauri-mock.js: the targets, templates and mailings part of the mocked backend.
// Fictional people and offices only. Templates are merged with a tiny stand-in for Jinja
// ({{ path }} only) and checked for unknown fields the way the backend words it.
(() => {
  const { handlers, person, fail, channelId } = window.__MOCK__;
  const CAMPAIGN = 'Free the Lindenfeld Three';
  const PEOPLE = 60;
  const STAMP = '2024-06-01 10:00:00';

  const targets = [
    {
      id: 1, campaign_id: 1, created_at: STAMP, name: 'Halvard Brenn', title: 'Prosecutor General',
      organisation: 'Office of the Prosecutor General', email: 'office@prosecutor.lindenfeld.example',
      address: 'Office of the Prosecutor General\n12 Court Lane\nLindenfeld 10115', country: 'LF', language: 'en',
      form_of_address: 'Dear Prosecutor General',
    },
    {
      id: 2, campaign_id: 1, created_at: STAMP, name: 'Vesna Orlova', title: 'Minister of Justice',
      organisation: 'Ministry of Justice', email: null, address: 'Ministry of Justice\n3 Birch Square\nEastmere',
      country: 'LF', language: 'ru', form_of_address: 'Уважаемая госпожа Министр',
    },
  ];
  const FIELDS = [
    ...['first_name', 'last_name', 'full_name', 'email', 'town', 'country', 'language'].map((f) => `signatory.${f}`),
    'signatory.custom.shirt',
    ...['name', 'title', 'organisation', 'email', 'address', 'country', 'language', 'form_of_address'].map((f) => `target.${f}`),
    'campaign.name', 'sender.name', 'sender.address', 'today',
  ];
  const templates = [
    {
      id: 5, campaign_id: 1, name: 'Appeal for the Lindenfeld Three', fallback_language: 'en', attachments: [], updated_at: STAMP,
      variants: [
        {
          language: 'en',
          subject: 'Release the Lindenfeld Three, from {{ signatory.full_name }}',
          body: '{{ target.form_of_address }},\n\nI am writing about the Lindenfeld Three.\n\nYours sincerely,\n{{ signatory.full_name }}',
        },
        {
          language: 'ru',
          subject: 'Освободите «Линденфельдскую тройку»',
          body: '{{ target.form_of_address }}!\n\nПрошу освободить «Линденфельдскую тройку».\n\n{{ signatory.full_name }}',
        },
      ],
    },
  ];
  const mailings = [
    {
      id: 9, campaign_id: 1, template_id: 5, name: 'November letters', audience: 'signatories_to_targets',
      filter: { petition_id: null, consent: 'given', tag: null, country: null, language: null },
      from_name: 'Lindenfeld Three Committee', from_address: 'letters@lindenfeld-three.example.org', reply_to: null,
      state: 'draft', message_count: 0, created_at: STAMP,
    },
  ];
  /** Merged messages by mailing id. */
  const outbox = new Map();
  let nextId = 200;

  function signatory(id) {
    const p = person(id - 1);
    return { ...p, full_name: `${p.first_name} ${p.last_name}`, language: 'en', custom: { shirt: 'M' } };
  }

  /** What each person said about being contacted: every tenth no, every fourth else not known. */
  function consentOf(id) {
    if (id % 10 === 0) return 'refused';
    return id % 4 === 0 ? 'unknown' : 'given';
  }

  const FILTER_KEYS = 'consent, country, language, petition_id, tag';
  const RULES = { given: ['given'], given_or_unknown: ['given', 'unknown'], everyone: ['given', 'unknown', 'refused'] };

  /** The people a filter selects, consent aside (all of them sign petition 11 and carry the tag "paper"). */
  function selected(filter) {
    const people = Array.from({ length: PEOPLE }, (_, i) => signatory(i + 1));
    if (!filter) return people;
    if (Object.keys(filter).sort().join(', ') !== FILTER_KEYS || !RULES[filter.consent]) {
      throw `invalid args: filter should be {${FILTER_KEYS}} with a known consent, got ${JSON.stringify(filter)}`;
    }
    return people.filter(
      (p) =>
        (filter.petition_id === null || filter.petition_id === 11) &&
        (filter.tag === null || filter.tag === 'paper') &&
        (filter.country === null || filter.country === p.country) &&
        (filter.language === null || filter.language === p.language),
    );
  }

  function consentCounts(people) {
    const counts = { given: 0, refused: 0, unknown: 0 };
    for (const p of people) counts[consentOf(p.id)] += 1;
    return counts;
  }

  /** Who a mailing to supporters leaves out under its consent rule. */
  function leftOut(mailing) {
    if (mailing.audience !== 'signatories') return [];
    return selected(mailing.filter)
      .filter((p) => !RULES[mailing.filter.consent].includes(consentOf(p.id)))
      .map((p) => ({ signatory_id: p.id, label: p.full_name, reason: consentOf(p.id) }));
  }

  /** The recipients of an audience; with a mailing, its filter and (to supporters) its consent rule. */
  function recipients(kind, mailing = null) {
    const people = selected(mailing?.filter ?? null);
    if (kind === 'targets') return targets.map((t) => ({ signatory_id: null, target_id: t.id, label: t.name }));
    if (kind === 'signatories') {
      const rule = RULES[mailing?.filter.consent ?? 'everyone'];
      return people
        .filter((p) => rule.includes(consentOf(p.id)))
        .map((p) => ({ signatory_id: p.id, target_id: null, label: p.full_name }));
    }
    return people.flatMap((p) => targets.map((t) => ({ signatory_id: p.id, target_id: t.id, label: `${p.full_name} → ${t.name}` })));
  }

  function problemOf(recipient) {
    const target = targets.find((t) => t.id === recipient.target_id);
    return target && !target.email ? `${target.name} has no email address, so the letter cannot be addressed.` : null;
  }

  function render(template, recipient, sender = { name: 'Lindenfeld Three Committee', address: 'letters@lindenfeld-three.example.org' }) {
    const s = recipient.signatory_id ? signatory(recipient.signatory_id) : null;
    const target = targets.find((t) => t.id === recipient.target_id) ?? null;
    const context = { signatory: s, target, campaign: { name: CAMPAIGN }, sender, today: '1 June 2024' };
    const language = target?.language ?? s?.language ?? template.fallback_language;
    const variant =
      template.variants.find((v) => v.language === language) ??
      template.variants.find((v) => v.language === template.fallback_language) ?? template.variants[0];
    const merge = (source) =>
      source.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path) => {
        const value = path.split('.').reduce((v, key) => (v == null ? undefined : v[key]), context);
        return value == null ? '' : String(value);
      });
    const text = merge(variant.body);
    const escape = (v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const paragraphs = text.split(/\n{2,}/).map((p) => `<p>${escape(p).replace(/\n/g, '<br>')}</p>`).join('\n');
    const html = `<!doctype html><html lang="${variant.language}"><head><meta charset="utf-8"><style>body{font-family:serif;margin:2rem;line-height:1.5}</style></head><body>\n${paragraphs}\n</body></html>`;
    return { language: variant.language, subject: merge(variant.subject), text, html };
  }

  function distance(a, b) {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const here = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = here;
      }
    }
    return row[b.length];
  }

  function position(source, at) {
    const before = source.slice(0, at);
    return { line: before.split('\n').length, column: [...before.slice(before.lastIndexOf('\n') + 1)].length + 1 };
  }

  function check({ template }) {
    const problems = [];
    for (const v of template.variants) {
      if (v.subject.trim() === '') problems.push({ language: v.language, part: 'subject', line: null, column: null, message: 'the subject is empty' });
      for (const part of ['subject', 'body']) {
        const source = v[part];
        const problem = (at, message) => ({ language: v.language, part, ...position(source, at), message });
        if (source.lastIndexOf('{{') > source.lastIndexOf('}}')) {
          problems.push(problem(source.lastIndexOf('{{'), 'syntax error: unexpected end of input, expected end of variable block'));
          continue;
        }
        const vars = [...new Set([...source.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]))].sort();
        for (const name of vars) {
          if (FIELDS.includes(name) || name.startsWith('signatory.custom.')) continue;
          const best = FIELDS.map((f) => [distance(name, f), f]).sort((a, b) => a[0] - b[0])[0];
          const hint = best && best[0] <= 3 ? `; did you mean ${best[1]}?` : '';
          problems.push(problem(source.indexOf(name), `unknown field ${name}${hint}`));
        }
      }
    }
    return problems;
  }

  function message(mailing, template, recipient, id) {
    const s = signatory(recipient.signatory_id);
    const target = targets.find((t) => t.id === recipient.target_id) ?? { name: s.full_name, email: s.email };
    const letter = render(template, recipient, { name: mailing.from_name, address: mailing.from_address });
    const mailto = `mailto:${target.email}?subject=${encodeURIComponent(letter.subject)}&body=${encodeURIComponent(letter.text)}`;
    return {
      id, mailing_id: mailing.id, from: `${s.full_name} via ${mailing.from_name} <${mailing.from_address}>`,
      to: `${target.name} <${target.email}>`, reply_to: s.email, subject: letter.subject, text: letter.text, html: letter.html,
      language: letter.language, message_id: `<${id}.${mailing.id}@lindenfeld-three.example.org>`, state: 'queued', mailto, attachments: [],
    };
  }

  function merge({ id, excludeProblems, onProgress }) {
    const mailing = mailings.find((m) => m.id === id);
    const all = recipients(mailing.audience, mailing);
    const bad = all.filter(problemOf);
    if (bad.length > 0 && !excludeProblems) {
      return fail('invalid_input', `${bad.length} recipients have problems; fix them, or leave them out of the merge`);
    }
    const good = all.filter((r) => !problemOf(r));
    const template = templates.find((t) => t.id === mailing.template_id);
    const channel = channelId(onProgress);
    const steps = [Math.floor(good.length / 3), Math.floor((2 * good.length) / 3), good.length];
    return new Promise((resolve) => {
      steps.forEach((done, index) => {
        setTimeout(() => window.__TAURI_INTERNALS__.runCallback(channel, { index, message: { done, total: good.length } }), 150 * (index + 1));
      });
      setTimeout(() => {
        window.__TAURI_INTERNALS__.runCallback(channel, { index: steps.length, end: true });
        const replaced = (outbox.get(id) ?? []).length;
        outbox.set(id, good.map((r, i) => message(mailing, template, r, 1000 + i)));
        Object.assign(mailing, { state: 'merged', message_count: good.length });
        resolve({ messages: good.length, excluded: bad.length, replaced });
      }, 150 * (steps.length + 1));
    });
  }

  function saveTemplate({ template }) {
    // Names are unique within a campaign, as the backend's unique index makes them.
    const clash = templates.find((t) => t.campaign_id === template.campaign_id && t.id !== template.id && t.name === template.name.trim());
    if (clash) return fail('conflict', `this campaign already has a template called "${clash.name}"`);
    const stored = { ...template, id: template.id ?? nextId++, updated_at: '2024-06-02 09:00:00' };
    const at = templates.findIndex((t) => t.id === stored.id);
    if (at >= 0) templates[at] = stored;
    else templates.push(stored);
    return stored;
  }

  Object.assign(handlers, {
    list_targets: ({ campaignId }) => targets.filter((t) => t.campaign_id === campaignId),
    create_target: ({ campaignId, fields }) => {
      const target = { ...fields, id: nextId++, campaign_id: campaignId, created_at: STAMP };
      targets.push(target);
      return target;
    },
    update_target: ({ id, fields }) => Object.assign(targets.find((t) => t.id === id), fields),
    delete_target: ({ id }) => {
      targets.splice(targets.findIndex((t) => t.id === id), 1);
      return null;
    },
    import_targets: () => ({
      rows: 4, imported: 2, updated: 1, rejected: 1,
      rejects: [{ line: 5, reason: 'The row has no name.', values: ['', 'Minister of the Interior', 'interior@gov.lindenfeld.example'] }],
    }),
    export_targets: () => targets.length,
    list_templates: ({ campaignId }) => templates.filter((t) => t.campaign_id === campaignId),
    save_template: saveTemplate,
    delete_template: ({ id }) => {
      templates.splice(templates.findIndex((t) => t.id === id), 1);
      return null;
    },
    check_template: check,
    template_fields: () => FIELDS,
    preview_recipients: ({ audience, offset, limit }) => recipients(audience).slice(offset, offset + limit),
    render_preview: ({ template, recipient }) => render(template, recipient),
    list_mailings: ({ campaignId }) => mailings.filter((m) => m.campaign_id === campaignId),
    create_mailing: ({ draft }) => {
      const mailing = { ...draft, id: nextId++, state: 'draft', message_count: 0, created_at: STAMP };
      mailings.push(mailing);
      return mailing;
    },
    delete_mailing: ({ id }) => {
      mailings.splice(mailings.findIndex((m) => m.id === id), 1);
      return null;
    },
    audience_consent: (args) => {
      if (Object.keys(args).sort().join(', ') !== 'campaignId, filter' || typeof args.campaignId !== 'number') {
        throw `invalid args for command audience_consent: expected {campaignId, filter}, got ${JSON.stringify(args)}`;
      }
      return consentCounts(selected(args.filter));
    },
    check_mailing: ({ id }) => {
      const mailing = mailings.find((m) => m.id === id);
      const all = recipients(mailing.audience, mailing);
      const problems = all.filter(problemOf).map((recipient) => ({ recipient, message: problemOf(recipient) }));
      const left = leftOut(mailing);
      // The core's sentence is English only; the UI builds its own from the counts.
      const note = mailing.audience === 'signatories'
        ? `Only people whose consent is ${mailing.filter.consent.replace(/_/g, ' ')} are written to.`
        : 'Consent to be contacted is not asked: these letters follow the petition’s terms.';
      return {
        recipients: all.length, problems, consent: consentCounts(selected(mailing.filter)),
        consent_note: note, left_out_count: left.length, left_out: left,
      };
    },
    merge_mailing: merge,
    list_messages: ({ mailingId, offset, limit }) => {
      const all = outbox.get(mailingId) ?? [];
      const rows = all.slice(offset, offset + limit).map(({ id, to, subject, language, state, mailto }) => ({ id, to, subject, language, state, mailto }));
      return { total: all.length, rows };
    },
    get_message: ({ id }) => {
      for (const messages of outbox.values()) {
        const found = messages.find((m) => m.id === id);
        if (found) return found;
      }
      return fail('not_found', `No message with number ${id} exists.`);
    },
    export_messages: ({ mailingId, path }) => ({ messages: (outbox.get(mailingId) ?? []).length, path }),
  });
})();
