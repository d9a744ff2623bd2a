import type { WaitingItem } from '../../../features/access-reviews/campaigns.js';
import type { StoredReviewEntry, WaitingEntry } from '../../../ports/access-review-store.js';
import { html, type Raw } from '../html.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

/** What an entry is about, as its buttons name it: `demo:alice → arn…` or `aws-dev → arn…`. */
export function entryLabel(entry: Pick<StoredReviewEntry, 'kind' | 'principalId' | 'group' | 'roleArn'>): string {
  return entry.kind === 'user' ? `${entry.principalId ?? ''} → ${entry.roleArn}` : `${entry.group} → ${entry.roleArn}`;
}

const iso = (d: Date | null) => (d === null ? '' : d.toISOString());

function useOf(entry: StoredReviewEntry): Raw {
  const s = entry.surfaces;
  return html`${String(entry.uses)}
  use${entry.uses === 1 ? '' : 's'}${
    entry.lastUsedAt ? html`, last <time datetime="${iso(entry.lastUsedAt)}">${iso(entry.lastUsedAt)}</time>` : html`, never in the window`
  }
  (cli ${String(s.cli)} · portal ${String(s.portal)} · api ${String(s.api)} · console ${String(s.console)})`;
}

function whatItIs(entry: WaitingEntry): Raw {
  return entry.kind === 'user'
    ? html`<strong>${entry.principalId ?? ''}</strong> holds <code>${entry.roleArn}</code> through the group ${entry.group}`
    : html`Members of <strong>${entry.group}</strong> may take <code>${entry.roleArn}</code> (mapping ${entry.mappingKey})`;
}

function itemOf(viewer: Viewer, { entry, refusal }: WaitingItem): Raw {
  const id = `entry-${entry.review.id}-${String(entry.position)}`;
  const label = entryLabel(entry);
  const decide = refusal
    ? html`<p class="muted">${refusal}.</p>`
    : html`<form method="post" action="/portal/reviews/${entry.review.id}/entries/${String(entry.position)}" class="decision">
        ${csrfField(viewer)}
        <label for="${id}-comment">Comment on ${label} (optional)</label>
        <textarea id="${id}-comment" name="comment" rows="2" maxlength="1000"></textarea>
        <button type="submit" name="decision" value="confirm" aria-label="Confirm ${label}">Confirm: still needed</button>
        <button type="submit" name="decision" value="remove" aria-label="Remove ${label}">Remove</button>
      </form>`;
  return html`<article class="inbox-item" id="${id}" aria-labelledby="${id}-h">
    <h3 id="${id}-h">${label}</h3>
    <p>${whatItIs(entry)} in account ${entry.accountId}.</p>
    <p>${useOf(entry)}</p>
    ${decide}
  </article>`;
}

/** /portal/reviews: the entries of open review campaigns waiting for the viewer as an owner of their accounts. */
export function reviewsWaitingPage(input: { viewer: Viewer; items: readonly WaitingItem[]; next?: string; status?: string }): string {
  const byReview = new Map<string, WaitingItem[]>();
  for (const item of input.items) byReview.set(item.entry.review.id, [...(byReview.get(item.entry.review.id) ?? []), item]);
  const sections = [...byReview.values()].map((items) => {
    const review = items[0]?.entry.review;
    if (!review) return html``;
    return html`<section aria-labelledby="review-${review.id}">
      <h2 id="review-${review.id}">Review of ${review.scopeKind} ${review.scopeValue}</h2>
      <p class="muted">Opened by ${review.openedBy} on <time datetime="${iso(review.openedAt)}">${iso(review.openedAt)}</time>.</p>
      ${items.map((item) => itemOf(input.viewer, item))}
    </section>`;
  });
  const body = html`<p><a href="/portal">← All roles</a></p>
    <h1>Reviews waiting for you</h1>
    ${input.status ? html`<p role="status">${input.status}</p>` : html``}
    <p>
      You own these accounts' access (the access file names your group among their owners). Confirm what is still needed, remove what is
      not: a removal becomes a proposed change of the access file, which an administrator applies.
    </p>
    ${sections.length === 0 ? html`<p class="empty">Nothing is waiting for you.</p>` : sections}
    ${input.next ? html`<p><a href="/portal/reviews?after=${input.next}" rel="next">More entries</a></p>` : html``}`;
  return portalPage('Reviews waiting for you', input.viewer, body);
}

/** A decision that could not be made (decided already: 409; your own access: 403; gone: 404; a bad comment: 400). */
export function reviewDecisionRefusedPage(input: { viewer: Viewer; status: number; detail: string; entry?: StoredReviewEntry }): string {
  const { entry } = input;
  const title = input.status === 409 ? 'Someone decided first' : input.status === 403 ? 'Not yours to decide' : 'The decision was not made';
  const now =
    entry && entry.decision !== null
      ? html`<p>
          ${entryLabel(entry)}: <strong>${entry.decision}</strong> by ${entry.decidedBy ?? ''} at
          <time datetime="${iso(entry.decidedAt)}">${iso(entry.decidedAt)}</time>${entry.comment ? html` (“${entry.comment}”)` : html``}.
        </p>`
      : html``;
  const body = html`<h1>${title}</h1>
    <p class="error" role="alert">${input.detail}</p>
    ${now}
    <p><a href="/portal/reviews">Back to the reviews waiting for you</a></p>`;
  return portalPage(title, input.viewer, body);
}
