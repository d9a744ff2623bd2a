import type { WebhookAnswer, WebhookSender } from '../../ports/webhook-sender.js';

/** How much of a refusing receiver's answer is kept as the row's last_error. */
const ANSWER_MAX = 200;

/**
 * WebhookSender on fetch (undici): one POST, given up on after `timeoutMs`
 * however the receiver behaves (no answer, headers but a body that never
 * ends). Redirects are not followed: a 3xx is a failure, so a receiver
 * cannot move a signed body elsewhere. 2xx is delivered, anything else fails.
 */
export class FetchWebhookSender implements WebhookSender {
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<WebhookAnswer> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'rolegate-webhooks', ...headers },
        body,
        redirect: 'manual',
        signal,
      });
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      const answer = text.replace(/\s+/g, ' ').trim().slice(0, ANSWER_MAX);
      return { ok: false, status: res.status, error: `HTTP ${String(res.status)}${answer === '' ? '' : `: ${answer}`}` };
    } catch (error) {
      if (signal.aborted) return { ok: false, error: `no answer within ${String(timeoutMs)} ms` };
      return { ok: false, error: describe(error) };
    }
  }
}

/** fetch's "fetch failed" says nothing; its cause's code does (ECONNREFUSED, ENOTFOUND…), without the URL. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return `cannot connect: ${cause.code}`;
  return `cannot connect: ${error instanceof Error ? error.name : 'unknown error'}`;
}
