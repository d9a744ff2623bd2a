/** What a webhook receiver answered: its status, or why there was no answer. */
export type WebhookAnswer = { ok: true; status: number } | { ok: false; status?: number; error: string };

/** POSTs one webhook body (src/adapters/notifications). Never throws; never puts the URL in an error (a Slack URL is a secret). */
export interface WebhookSender {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<WebhookAnswer>;
}
