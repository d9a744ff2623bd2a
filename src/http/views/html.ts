/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A tagged template whose interpolations are escaped unless wrapped in `raw()`. */
export function html(strings: TemplateStringsArray, ...values: (string | number | Raw | Raw[])[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const piece = Array.isArray(value)
      ? value.map((v) => v.value).join('')
      : value instanceof Raw
        ? value.value
        : escapeHtml(String(value));
    out += piece + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}

export class Raw {
  constructor(readonly value: string) {}
}

/** A whole page. No inline script or style: the CSP forbids both. */
export function page(title: string, body: Raw, head: Raw = new Raw('')): string {
  return `<!DOCTYPE html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · rolegate</title>
        <link rel="stylesheet" href="/static/portal.css" />
        ${head}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.value
  }\n`;
}
