// The coordinator's review queue: verify, reject (with a reason), hide again, in bulk or
// one by one; each row shows its flags and its audit trail. The compare table below
// follows through the edition's live room.
'use strict';

import { node as el, numbers, pageLang, setText } from './dom.js';

const root = document.querySelector('[data-testid="review"]');
const eid = root.dataset.edition;
const API = `/api/v1/editions/${encodeURIComponent(eid)}/review`;
const msg = (name) => root.dataset[`msg${name.split(/[-_]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`] || name;
const byId = (testid) => root.querySelector(`[data-testid="${testid}"]`);
const lang = pageLang();
const number = numbers(lang);
const ticked = new Set();

async function call(method, url, body) {
  const init = { method, credentials: 'same-origin',
                 headers: { 'X-CSRFToken': root.dataset.csrf, Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = data.error || {};
    throw new Error(err.field ? `${err.message} (${err.field})` : (err.message || resp.status));
  }
  return data;
}

function when(ms, tz) {
  return new Date(ms).toLocaleString(lang, { timeZone: tz, dateStyle: 'short', timeStyle: 'short' });
}

function auditList(row) {
  if (!row.audit.length) return null;
  const items = row.audit.map((a) => el('li', {
    text: `${new Date(a.at).toLocaleString(lang)} · ${a.who} · ${msg(a.what)}${a.why ? ` · ${a.why}` : ''}`
      + (a.held ? ` · ${msg('held')} ${number(a.held)} / ${msg('envelope')} ${number(a.envelope)}` : '')
      + (a.released ? ` · ${msg('released')} ${number(a.released)}` : '') }));
  return el('details', { 'data-testid': 'audit' }, el('summary', { text: msg('audit') }), el('ul', {}, ...items));
}

function decide(mid, state, reasonInput) {
  return async () => {
    const reason = reasonInput ? reasonInput.value.trim() : '';
    const status = byId('review-status');
    if (state === 'rejected' && !reason) { setText(status, msg('need-reason')); return; }
    try {
      await call('POST', API, { ids: [mid], state, reason });
    } catch (e) { setText(status, `${msg('failed')} ${e.message}`); return; }
    await load();
  };
}

function rowElement(row) {
  const box = el('input', { type: 'checkbox', 'aria-label': row.group.name, 'data-testid': 'review-tick' });
  box.checked = ticked.has(row.id);
  box.addEventListener('change', () => { if (box.checked) ticked.add(row.id); else ticked.delete(row.id); });
  const reason = el('input', { placeholder: msg('reason'), maxlength: '200', 'aria-label': msg('reason'),
                               'data-testid': 'row-reason' });
  const buttons = [];
  if (row.state !== 'verified') {
    buttons.push(el('button', { type: 'button', text: msg('verify'), 'data-testid': 'verify',
                                onclick: decide(row.id, 'verified') }));
  } else if (row.held) {  // grown beyond its envelope since: verifying releases the rest
    buttons.push(el('button', { type: 'button', text: msg('release'), 'data-testid': 'release',
                                onclick: decide(row.id, 'verified') }));
  }
  if (row.state !== 'rejected') {
    buttons.push(reason, el('button', { type: 'button', className: 'danger',
      text: row.state === 'verified' ? msg('hide') : msg('reject'), 'data-testid': 'reject',
      onclick: decide(row.id, 'rejected', reason) }));
  } else {
    buttons.push(el('button', { type: 'button', text: msg('again'), 'data-testid': 'review-again',
                                onclick: decide(row.id, 'pending') }));
  }
  const place = [row.group.city, row.group.country].filter(Boolean).join(', ');
  const flags = row.flags.map((f) => msg(f))
    .concat(row.held ? [`${msg('held')} ${number(row.held)} / ${msg('envelope')} ${number(row.envelope)}`] : [])
    .join(', ');
  const stateText = msg(row.state) + (row.state_reason ? ` — ${row.state_reason}` : '');
  return el('tr', { 'data-marathon': row.id, 'data-state': row.state, className: `state-${row.state}` },
    el('td', {}, box),
    el('td', {}, el('a', { href: `/m/${encodeURIComponent(row.id)}/screen`, text: row.group.name }),
       el('div', { className: 'muted', text: row.title }), auditList(row)),
    el('td', { text: row.group.type }),
    el('td', { text: place }),
    el('td', { text: when(row.starts, row.timezone) }),
    el('td', { className: 'num', text: number(row.participants) }),
    el('td', { className: 'num', text: number(row.total), 'data-testid': 'review-total' }),
    el('td', { className: 'num', text: number(row.rate) }),
    el('td', { text: flags, className: flags ? 'flag' : '', 'data-testid': 'flags' }),
    el('td', { text: stateText, 'data-testid': 'review-state' }),
    el('td', { className: 'row-actions' }, ...buttons));
}

async function load() {
  let data;
  try {
    data = await call('GET', API);
  } catch (e) { setText(byId('review-status'), `${msg('failed')} ${e.message}`); return; }
  const rows = data.marathons;
  const pending = rows.filter((r) => r.state === 'pending' || r.held).length;
  setText(byId('review-count'), pending ? `(${number(pending)})` : '');
  const body = byId('review-table').tBodies[0];
  body.replaceChildren(...(rows.length ? rows.map(rowElement)
    : [el('tr', {}, el('td', { text: msg('none'), colSpan: 11 }))]));
  root.dataset.loaded = String(Date.now());
}

for (const button of root.querySelectorAll('.review-bulk button')) {
  button.addEventListener('click', async () => {
    const reason = byId('review-reason').value.trim();
    const status = byId('review-status');
    const state = button.dataset.state;
    if (!ticked.size) return;
    if (state === 'rejected' && !reason) { setText(status, msg('need-reason')); return; }
    try {
      const done = await call('POST', API, { ids: [...ticked], state, reason });
      setText(status, `${done.changed.length} ✓`);
    } catch (e) { setText(status, `${msg('failed')} ${e.message}`); return; }
    ticked.clear();
    await load();
  });
}

load();
setInterval(load, 30000);
