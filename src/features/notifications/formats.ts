import type { NotificationEvent, NotificationKind } from '../../domain/notifications.js';

export type WebhookFormat = 'json' | 'slack';

/** The portal page of a request (the link every notification about one carries). */
export function requestPageUrl(publicUrl: URL, requestId: string): string {
  return new URL(`portal/requests/${encodeURIComponent(requestId)}`, publicUrl.href.endsWith('/') ? publicUrl : `${publicUrl.href}/`).href;
}

/** The body sent to a target: the event as is (json, with the request page's url), or a Slack incoming-webhook message. */
export function webhookBody(format: WebhookFormat, event: NotificationEvent, publicUrl: URL): string {
  const url = event.request ? requestPageUrl(publicUrl, event.request.id) : undefined;
  if (format === 'json') return JSON.stringify(url === undefined ? event : { ...event, url });
  return JSON.stringify(slackMessage(event, url));
}

const TITLES: Record<NotificationKind, string> = {
  'access_request.created': 'Access requested',
  'access_request.approved': 'Access request approved',
  'access_request.denied': 'Access request denied',
  'access_request.cancelled': 'Access request cancelled',
  'access_request.expired': 'Access request expired unanswered',
  'access_grant.activated': 'Access grant active',
  'access_grant.ended': 'Access grant ended',
  'break_glass.used': ':rotating_light: Break-glass role used',
  'access.revoked': ':no_entry: Access revoked',
};

/** Slack mrkdwn needs &, < and > escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `{text, blocks}` (https://api.slack.com/messaging/webhooks): text is the notification's fallback, blocks what the channel shows. */
export function slackMessage(event: NotificationEvent, url: string | undefined) {
  const title = TITLES[event.kind];
  const request = event.request;
  const lines: string[] = [];
  if (request) {
    lines.push(`*${escape(request.username)}* (${escape(request.requester)}) · \`${escape(request.roleArn)}\``);
    lines.push(`Duration: ${String(Math.round(request.durationSeconds / 60))} min · state: ${request.state}`);
    if (request.reason !== undefined) lines.push(`Reason: ${escape(request.reason)}`);
    if (request.ticket !== undefined) lines.push(`Ticket: ${escape(request.ticket)}`);
    if (request.decisionComment !== undefined) lines.push(`Comment: ${escape(request.decisionComment)}`);
    if (request.endsAt !== undefined && event.kind === 'access_grant.activated') lines.push(`Ends at ${request.endsAt}`);
    if (request.endReason !== undefined && event.kind === 'access_grant.ended') lines.push(`Ended: ${escape(request.endReason)}`);
  }
  for (const [key, value] of Object.entries(event.details ?? {}))
    if (value !== undefined) lines.push(`${key}: ${escape(typeof value === 'string' ? value : JSON.stringify(value))}`);
  lines.push(`By ${escape(event.actor)} at ${event.occurredAt}`);
  const summary = request ? `${title}: ${request.username} · ${request.roleArn}` : `${title} (${event.actor})`;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${lines.join('\n')}` } },
  ];
  if (url !== undefined)
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the request' }, url }] });
  return { text: url === undefined ? escape(summary) : `${escape(summary)} <${url}|open>`, blocks };
}
