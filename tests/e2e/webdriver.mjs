// A small W3C WebDriver client over fetch: enough to drive the app window through
// tauri-driver without pulling a test framework into the repository.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecc';

/** The id of an element reference, W3C-style or the older `ELEMENT` key. */
const idOf = (ref) => ref[ELEMENT] ?? ref.ELEMENT ?? Object.values(ref)[0];

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application, env = {}) {
    const body = {
      capabilities: {
        alwaysMatch: {
          'tauri:options': { application, env },
          browserName: 'wry',
        },
      },
    };
    const res = await call(base, 'POST', '/session', body);
    return new Session(base, res.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return idOf(el);
  }

  async findAll(css) {
    const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return els.map(idOf);
  }

  /** Waits until `css` matches an element, and returns it. */
  async waitFor(css, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.findAll(css);
      if (found.length > 0) return found[0];
      if (Date.now() > until) throw new Error(`nothing matched ${css} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  click(el) {
    return this.cmd('POST', `/element/${el}/click`, {});
  }

  async type(el, text) {
    await this.cmd('POST', `/element/${el}/clear`, {});
    return this.cmd('POST', `/element/${el}/value`, { text });
  }

  text(el) {
    return this.cmd('GET', `/element/${el}/text`);
  }

  /** Whether the element (a button, a field) is enabled. */
  enabled(el) {
    return this.cmd('GET', `/element/${el}/enabled`);
  }

  /** The text content of every element matching `css` (WebKit's element text skips
   * absolutely positioned rows such as a virtual list's). */
  textsOf(css) {
    return this.cmd('POST', '/execute/sync', {
      script: 'return Array.from(document.querySelectorAll(arguments[0])).map((e) => e.textContent);',
      args: [css],
    });
  }

  screenshot() {
    return this.cmd('GET', '/screenshot');
  }

  end() {
    return this.cmd('DELETE', '');
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok || (json.value && json.value.error)) {
    throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  }
  return json.value;
}
