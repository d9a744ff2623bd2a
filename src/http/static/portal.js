// rolegate portal: progressive enhancement only. Without this script the
// portal still works (search by form, copy by hand, expiry printed by the server).
'use strict';

// The role list (#results) is searched as you type. When the page holds every role
// (`data-complete`: a few dozen at most), its rows are filtered here. Otherwise (hundreds of
// roles, cut into pages) the server searches them all, and each keystroke is answered in two
// steps: here at once, the counter (counted in the search index, GET /portal/search-index,
// fetched once) and the rows of this page that no longer match hidden; then, once typing
// pauses, the page the search form would GET is fetched and its #results replaces this one,
// the newest search's answer only. Until the index has arrived, only the second step runs.
const SERVER_SEARCH_PAUSE_MS = 150;

function setUpFilter() {
  const input = document.querySelector('input[data-filter]');
  let results = document.getElementById('results');
  if (!input || !results) return;
  const status = document.getElementById('filter-status');
  let local = prepare(results);
  let index = null;
  let pending = null;
  let pause = 0;

  // The same sentence as the server's for ?q= (roles-page.ts).
  const say = (value, count, total) => {
    if (status) status.textContent = value === '' ? '' : `${count} of ${total} roles match “${value}”`;
  };
  // One pass over this page's rows, writing `hidden` only (reading no layout); returns the roles shown.
  const hideUnmatched = (words) => {
    const shown = new Set();
    for (const row of local.rows) {
      const text = row.getAttribute('data-search') || '';
      const visible = words.every((w) => text.includes(w));
      row.hidden = !visible;
      if (visible) shown.add(row.getAttribute('data-role'));
    }
    for (const group of local.groups) group.hidden = !group.querySelector('li.role:not([hidden])');
    return shown;
  };
  const countInIndex = (words) => {
    const keys = new Set();
    for (const [key, text] of index.rows) if (words.every((w) => text.includes(w))) keys.add(key);
    return keys.size;
  };

  const filterHere = (value) => {
    const words = searchWords(value);
    const shown = hideUnmatched(words);
    if (local.noMatch) local.noMatch.hidden = shown.size > 0;
    say(value.trim(), shown.size, local.total);
  };

  const loadIndex = async () => {
    try {
      const answer = await fetch('/portal/search-index', {
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { accept: 'application/json' },
      });
      if (answer.ok) index = await answer.json();
    } catch {
      // Without the index, the counter waits for the server's answer, as the rows do.
    }
  };

  const askServer = async (value) => {
    const asking = new AbortController();
    pending = asking;
    try {
      // A session that ended answers a redirect to the sign-in: not followed here (Search is).
      const answer = await fetch(value === '' ? '/portal' : `/portal?q=${encodeURIComponent(value)}`, {
        signal: asking.signal,
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { accept: 'text/html' },
      });
      if (!answer.ok) throw new Error(`answered ${answer.status}`);
      const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
      const fresh = page.getElementById('results');
      if (!fresh) throw new Error('no results in the answer');
      if (pending !== asking) return;
      results.replaceWith(fresh);
      results = fresh;
      local = prepare(results);
      const said = (page.getElementById('filter-status')?.textContent || '').trim();
      // Roles granted or taken away since the index was fetched: the server's count is the true one.
      if (index && status && said !== status.textContent.trim()) loadIndex();
      if (status) status.textContent = said;
      pending = null;
      // Typed on while the answer was on its way: search again for what the box holds now.
      if (input.value.trim() !== (results.getAttribute('data-q') || '')) apply();
    } catch {
      if (pending !== asking) return;
      pending = null;
      results.removeAttribute('aria-busy');
      if (status) status.textContent = 'Search as you type is unavailable: press Search.';
    }
  };

  const apply = () => {
    const value = input.value.trim();
    window.clearTimeout(pause);
    if (results.hasAttribute('data-complete')) {
      if (pending) pending.abort();
      pending = null;
      filterHere(input.value);
      return;
    }
    const answered = value === (results.getAttribute('data-q') || '');
    if (answered && !pending && !results.hasAttribute('aria-busy')) return;
    // An answer on its way is for an older search.
    if (pending) pending.abort();
    pending = null;
    if (answered && index) {
      // Back to the search these rows answer (only hidden here, never removed): show them again.
      hideUnmatched(searchWords(value));
      for (const empty of local.empties) empty.hidden = false;
      if (local.noMatch) local.noMatch.hidden = true;
      say(value, countInIndex(searchWords(value)), index.total);
      results.removeAttribute('aria-busy');
      return;
    }
    results.setAttribute('aria-busy', 'true');
    if (index) {
      const words = searchWords(value);
      hideUnmatched(words);
      const count = countInIndex(words);
      for (const empty of local.empties) empty.hidden = true;
      if (local.noMatch) local.noMatch.hidden = count > 0;
      say(value, count, index.total);
      pause = window.setTimeout(() => askServer(value), SERVER_SEARCH_PAUSE_MS);
    } else {
      askServer(value);
    }
  };
  input.addEventListener('input', apply);
  // Keep the URL in step, so reload and back show the same filter.
  input.addEventListener('change', () => {
    const url = new URL(window.location.href);
    if (input.value) url.searchParams.set('q', input.value);
    else url.searchParams.delete('q');
    url.searchParams.delete('page');
    window.history.replaceState(null, '', url);
  });
  if (results.hasAttribute('data-complete')) filterHere(input.value);
  else loadIndex();
}

// The words of a search: every one must appear (as searchWords in role-listing.ts).
function searchWords(value) {
  return value.toLowerCase().split(/\s+/).filter(Boolean);
}

function prepare(results) {
  const rows = Array.from(results.querySelectorAll('li.role[data-search]'));
  return {
    rows,
    groups: Array.from(results.querySelectorAll('[data-group]')),
    noMatch: results.querySelector('[data-no-match]'),
    // The server's "no role matches" of the search it answered.
    empties: Array.from(results.querySelectorAll('p.empty:not([data-no-match])')),
    // A pinned role is listed twice (pinned, and under its account): count roles, not rows.
    total: new Set(rows.map((row) => row.getAttribute('data-role'))).size,
  };
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

// Grants (just-in-time access): the server renders the end time; this counts down to it.
function setUpGrantCountdowns() {
  const tick = () => {
    // Looked up each time: a search may have replaced the rows that hold them.
    for (const holder of document.querySelectorAll('[data-ends-at]')) {
      const out = holder.querySelector('[data-countdown]');
      const endsAt = Date.parse(holder.getAttribute('data-ends-at') || '');
      if (!out || Number.isNaN(endsAt)) continue;
      const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      const h = Math.floor(left / 3600);
      const m = Math.floor((left % 3600) / 60);
      const s = left % 60;
      out.textContent =
        left === 0 ? '(ended)' : `(${h > 0 ? `${h} h ` : ''}${String(m).padStart(2, '0')} min ${String(s).padStart(2, '0')} s left)`;
    }
    window.setTimeout(tick, 1000);
  };
  tick();
}

document.addEventListener('DOMContentLoaded', () => {
  setUpGrantCountdowns();
  setUpFilter();
  setUpCopyButtons();
  setUpCountdown();
});
