import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Verify = (secret: string, headers: Record<string, unknown>, rawBody: string, nowMs?: number) => 'valid' | 'duplicate' | 'invalid';

/**
 * The receiver's verification snippet exactly as docs/just-in-time.md shows
 * it (between the webhook-receiver markers), loaded as a module: tests verify
 * real deliveries with the code readers copy. Each call loads a fresh copy
 * (its own memory of event ids).
 */
export async function loadDocumentedVerifier(): Promise<Verify> {
  const doc = readFileSync(new URL('../../docs/just-in-time.md', import.meta.url), 'utf8');
  const section = /<!-- webhook-receiver:start -->\s*```js\n([\s\S]*?)```\s*<!-- webhook-receiver:end -->/.exec(doc);
  if (!section?.[1]) throw new Error('docs/just-in-time.md has no webhook-receiver snippet');
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-webhook-snippet-'));
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, section[1]);
  const module = (await import(pathToFileURL(file).href)) as { verifyRolegateWebhook: Verify };
  return module.verifyRolegateWebhook;
}
