/**
 * A minimal browser for driving sign-in flows over real HTTP: one cookie jar
 * for every loopback server (browsers do not separate cookies by port),
 * redirects followed one hop at a time so tests can look at each.
 */
export class Browser {
  readonly cookies = new Map<string, { value: string; attributes: string }>();
  readonly visited: string[] = [];

  constructor(readonly headers: Record<string, string> = {}) {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = [...this.cookies].map(([name, c]) => `${name}=${c.value}`).join('; ');
    if (cookie) headers.cookie = cookie;
    let body: string | undefined = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    this.visited.push(`${init.method ?? 'GET'} ${url}`);
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.#store(line);
    return response;
  }

  /** Follows redirects (at most `maxHops`) until a non-redirect answer or a URL matching `stopAt`. */
  async follow(
    url: string,
    options: { stopAt?: (url: string) => boolean; maxHops?: number; method?: string; form?: Record<string, string> } = {},
  ) {
    let current = url;
    let response = await this.request(current, {
      ...(options.method ? { method: options.method } : {}),
      ...(options.form ? { form: options.form } : {}),
    });
    for (let hop = 0; hop < (options.maxHops ?? 15); hop++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      current = new URL(location, current).href;
      if (options.stopAt?.(current)) return { response, url: current, stopped: true };
      response = await this.request(current);
    }
    return { response, url: current, stopped: false };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  #store(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const attrs = attributes.join(';');
    const expired = /max-age=0\b/i.test(attrs) || /expires=Thu, 01 Jan 1970/i.test(attrs) || value === '';
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, { value, attributes: attrs.trim() });
  }
}

/** The value of a hidden input in an HTML form. */
export function formField(html: string, name: string): string | undefined {
  const match =
    new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`, 'i').exec(html) ??
    new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`, 'i').exec(html);
  return match?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function formAction(html: string): string | undefined {
  return /<form[^>]*action="([^"]*)"/i.exec(html)?.[1]?.replace(/&amp;/g, '&');
}
