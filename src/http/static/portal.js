// rolegate portal: progressive enhancement only. Without this script the
// portal still works (search by form, copy by hand, expiry printed by the server).
'use strict';

function setUpFilter() {
  const input = document.querySelector('input[data-filter]');
  if (!input) return;
  const status = document.getElementById('filter-status');
  const noMatch = document.querySelector('[data-no-match]');
  const rows = Array.from(document.querySelectorAll('li.role[data-search]'));
  const groups = Array.from(document.querySelectorAll('[data-group]'));
  // A pinned role is listed twice (pinned, and under its account): count roles, not rows.
  const total = new Set(rows.map((row) => row.getAttribute('data-role'))).size;
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = new Set();
    for (const row of rows) {
      const text = row.getAttribute('data-search') || '';
      const visible = words.every((w) => text.includes(w));
      row.hidden = !visible;
      if (visible) shown.add(row.getAttribute('data-role'));
    }
    for (const group of groups) group.hidden = !group.querySelector('li.role:not([hidden])');
    if (noMatch) noMatch.hidden = shown.size > 0;
    // The same sentence as the server's for ?q= (roles-page.ts).
    if (status) status.textContent = words.length === 0 ? '' : `${shown.size} of ${total} roles match “${input.value.trim()}”`;
  };
  input.addEventListener('input', apply);
  // Keep the URL in step, so reload and back show the same filter.
  input.addEventListener('change', () => {
    const url = new URL(window.location.href);
    if (input.value) url.searchParams.set('q', input.value);
    else url.searchParams.delete('q');
    window.history.replaceState(null, '', url);
  });
  apply();
}

function setUpCopyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const target = document.getElementById(button.getAttribute('data-copy') || '');
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(target.textContent || '').then(
        () => flash(button, 'Copied'),
        () => flash(button, 'Copy failed: select the text'),
      );
    });
  }
}

function flash(button, text) {
  const original = 'Copy';
  button.textContent = text;
  window.setTimeout(() => (button.textContent = original), 2000);
}

function setUpCountdown() {
  const holder = document.querySelector('[data-expires-at]');
  if (!holder) return;
  const out = holder.querySelector('[data-countdown]');
  const expiresAt = Date.parse(holder.getAttribute('data-expires-at') || '');
  if (!out || Number.isNaN(expiresAt)) return;
  const tick = () => {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    if (left === 0) {
      out.textContent = 'Expired: get new credentials.';
      holder.classList.add('expired');
      return;
    }
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    out.textContent = `Expires in ${h > 0 ? `${h} h ` : ''}${String(m).padStart(2, '0')} min ${String(s).padStart(2, '0')} s.`;
    window.setTimeout(tick, 1000);
  };
  tick();
}

document.addEventListener('DOMContentLoaded', () => {
  setUpFilter();
  setUpCopyButtons();
  setUpCountdown();
});
