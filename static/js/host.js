// Host console: live totals, settings, close/reopen, who can join (pause, limit, new code),
// alerts, teams, participants (void all, move to a team), action log, host link.
// Talks to the JSON API with the host session cookie and the CSRF header.
'use strict';

import { node as el, numbers, optionLabels, pad, pageLang, setText } from './dom.js';
import { SnapshotGate, watch } from './live.js';

const root = document.querySelector('[data-testid="host-console"]');
const mid = root.dataset.marathon;
const API = `/api/v1/marathons/${encodeURIComponent(mid)}`;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const msg = (name) => root.dataset[`msg${name[0].toUpperCase()}${name.slice(1)}`] || name;
const byId = (testid) => root.querySelector(`[data-testid="${testid}"]`);
const lang = pageLang();
const fmt = numbers(lang);
const POLL_MS = 4000;
const PAGE = 20;

class ApiFailure extends Error {}

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin',
                 headers: { 'X-CSRFToken': csrf, Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(API + path, init);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = data.error || {};
    throw new ApiFailure(err.field ? `${err.message} (${err.field})` : (err.message || resp.status));
  }
  return data;
}

// ------------------------------------------------------------ live totals

const gate = new SnapshotGate();

/** A snapshot the gate took, from /live or from the API. */
function render(snap) {
  setText(byId('total'), fmt(snap.total));
  setText(byId('goal'), snap.goal === null || snap.goal === undefined ? '—' : fmt(snap.goal));
  setText(byId('participant-count'), fmt(snap.participants));
  const status = byId('status');
  status.dataset.status = snap.status;
  setText(status, root.dataset[`status${snap.status[0].toUpperCase()}${snap.status.slice(1)}`] || snap.status);
}

async function refresh() {
  try {
    const body = await api('GET', '');
    gate.forget();  // our own write just happened: show it even if a message raced it
    link.offer(body.snapshot);
    byId('close').hidden = body.closed;
    byId('reopen').hidden = !body.closed;
    showCode(body);
  } catch (e) {
    setLive('reconnecting');
  }
}

function setLive(state) {
  const live = byId('live-status');
  live.dataset.state = state;
  live.textContent = state === 'live' ? '●' : '…';
}

// The console says "live" as soon as the socket is up (its first snapshot follows at once).
const link = watch({ marathon: mid }, {
  gate, onSnapshot: render, onState: setLive, liveOnConnect: true,
  socket: { transports: ['websocket', 'polling'] },
});
// Without the live socket (blocked proxy, server without it) poll the public API.
setInterval(() => { if (!link.connected) refresh(); }, POLL_MS);

// ------------------------------------------------------------ settings

function offsetMinutes(utcMs, tz) {
  // Parts read back as numbers, never shown: a fixed locale with Latin digits.
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - utcMs) / 60000);
}

// "2026-12-05T12:00" on the group's clock -> "2026-12-05T12:00:00+01:00".
function withOffset(local, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return local;
  let off;
  try {
    const wall = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
    off = offsetMinutes(wall, tz);
    off = offsetMinutes(wall - off * 60000, tz);
  } catch (e) {
    return local;  // unknown time zone: the server names the field
  }
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function number(raw) {
  const text = raw.trim();
  if (text === '') return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

// Per-case goals: only the cases the host filled in are sent.
function caseGoals(form) {
  const goals = {};
  for (const [name, raw] of form.entries()) {
    if (!name.startsWith('case_goal:')) continue;
    const value = number(String(raw));
    if (value !== null) goals[name.slice('case_goal:'.length)] = value;
  }
  return goals;
}

const settings = byId('settings');
settings.addEventListener('submit', async (event) => {
  event.preventDefault();
  const f = new FormData(settings);
  const status = byId('settings-status');
  const tz = f.get('timezone').trim();
  const body = {
    title: f.get('title'),
    goal: number(f.get('goal')),
    timezone: tz,
    starts_at: withOffset(f.get('starts_at'), tz),
    duration_hours: number(f.get('duration_hours')),
    options: {
      theme: f.get('theme'), lang: f.get('lang'),
      rotate_seconds: number(f.get('rotate_seconds')) ?? 0,
      names: f.get('names') || 'shown',
      hide_top: f.has('hide_top'), freeze_last_hour: f.has('freeze_last_hour'),
      allow_embed: f.has('allow_embed'),
      case_goals: caseGoals(f),
    },
  };
  status.className = 'form-status';
  try {
    const saved = await api('PATCH', '', body);
    byId('title').textContent = saved.title;
    status.textContent = msg('saved');
    status.classList.add('ok');
    await refresh();
  } catch (e) {
    status.textContent = `${msg('failed')} ${e.message}`;
    status.classList.add('error');
  }
});

byId('close').addEventListener('click', async () => { await api('POST', '/close'); await refresh(); });
byId('reopen').addEventListener('click', async () => { await api('POST', '/reopen'); await refresh(); });

byId('regenerate').addEventListener('click', async () => {
  const body = await api('POST', '/host-token');
  const link = byId('new-host-link');
  link.href = new URL(body.urls.host, window.location.origin).href;
  link.textContent = link.href;
  byId('new-host-block').hidden = false;
});

// ------------------------------------------------------------ who can join, alerts

byId('save-defences').addEventListener('click', async () => {
  const status = byId('defences-status');
  const max = byId('max-participants').value.trim();
  try {
    await api('PATCH', '', { joins_paused: byId('pause-joins').checked,
                             max_participants: max === '' ? null : Number(max) });
    status.textContent = msg('saved');
    status.classList.remove('error');
  } catch (e) {
    status.textContent = `${msg('failed')} ${e.message}`;
    status.classList.add('error');
  }
});
byId('pause-joins').addEventListener('change', () => byId('save-defences').click());

/** The join code and the projector link (a new code comes with a new link). */
function showCode(body) {
  setText(byId('join-code'), body.join_code);
  const projector = new URL(body.urls.screen, location.href).href;
  for (const testid of ['screen-link', 'projector-link']) byId(testid).href = projector;
  setText(byId('projector-link'), projector);
}

byId('new-join-code').addEventListener('click', async () => {
  const body = await api('POST', '/join-code');
  showCode(body);
  byId('defences-status').textContent = msg('saved');
});

const ALERT_MS = 15000;
async function loadAlerts() {
  const box = byId('alerts');
  try {
    const { alerts, flags } = await api('GET', '/pace');
    const word = (a) => box.dataset[`msg${a.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`] || a;
    const text = [...alerts, ...flags].map(word).join(' ');
    box.hidden = !text;
    setText(box, text);
    box.dataset.alerts = [...alerts, ...flags].join(',');
  } catch (e) { /* the next poll tries again */ }
}
setInterval(loadAlerts, ALERT_MS);

// ------------------------------------------------------------ participants

async function patchParticipant(pid, change) {
  await api('PATCH', `/participants/${encodeURIComponent(pid)}`, change);
  await Promise.all([loadParticipants(), loadLog(), refresh()]);
}

async function loadParticipants() {
  const { participants } = await api('GET', '/participants');
  const rows = participants.map((p) => {
    const input = el('input', { value: p.nickname, maxlength: '32', 'aria-label': msg('rename') });
    const state = [p.voided ? msg('voidedAll') : (p.banned ? msg('banned') : ''),
                   p.on_board ? '' : msg('hidden')].filter(Boolean).join(', ');
    return el('tr', { 'data-pid': p.id },
      el('td', {}, input),
      el('td', { text: fmt(p.total), 'data-testid': 'participant-total' }),
      el('td', { text: state }),
      el('td', {}, teamPicker(p)),
      el('td', { className: 'row-actions' },
        el('button', { type: 'button', text: msg('rename'), onclick: () => patchParticipant(p.id, { nickname: input.value }) }),
        el('button', { type: 'button', text: p.on_board ? msg('hide') : msg('show'),
                       onclick: () => patchParticipant(p.id, { on_board: !p.on_board }) }),
        el('button', { type: 'button', text: p.banned ? msg('unban') : msg('ban'), className: 'danger',
                       onclick: () => patchParticipant(p.id, { banned: !p.banned }) }),
        voidAll(p),
        el('a', { href: `/m/${encodeURIComponent(mid)}/certificate/${encodeURIComponent(p.id)}`, text: msg('certificate') })));
  });
  const body = byId('participants').querySelector('tbody');
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { text: msg('none'), colSpan: 5 }))]));
}

// ------------------------------------------------------------ teams

const teamsCard = document.getElementById('teams');
const teamMsg = (name) => teamsCard.dataset[`msg${name[0].toUpperCase()}${name.slice(1)}`] || name;
let teams = [];  // as the host typed them, highest total first

/** Move a participant to another team (or none): all their actions go with them. */
function teamPicker(p) {
  const select = el('select', { 'aria-label': teamMsg('team'), 'data-testid': 'participant-team' },
    el('option', { value: '', text: teamMsg('noTeam') }),
    ...teams.map((t) => el('option', { value: t.id, text: t.name })));
  select.value = p.team_id || '';
  select.addEventListener('change', async () => {
    try {
      await patchParticipant(p.id, { team_id: select.value || null });
    } catch (e) { setText(byId('teams-status'), e.message); }
    await loadTeams();
  });
  return select;
}

async function loadTeams() {
  ({ teams } = await api('GET', '/teams'));
  const rows = teams.map((t) => {
    const input = el('input', { value: t.name, maxlength: '32', 'aria-label': teamMsg('rename') });
    const act = (fn) => async () => {
      try { await fn(); } catch (e) { setText(byId('teams-status'), e.message); return; }
      setText(byId('teams-status'), '');
      await Promise.all([loadTeams(), loadParticipants()]);
    };
    return el('tr', { 'data-team': t.id },
      el('td', {}, input),
      el('td', { text: fmt(t.participants), 'data-testid': 'team-participants' }),
      el('td', { text: fmt(t.total), 'data-testid': 'team-total' }),
      el('td', { className: 'row-actions' },
        el('button', { type: 'button', text: teamMsg('rename'),
                       onclick: act(() => api('PATCH', `/teams/${t.id}`, { name: input.value })) }),
        el('button', { type: 'button', text: teamMsg('delete'), className: 'danger',
                       onclick: act(async () => {
                         if (window.confirm(teamMsg('deleteConfirm'))) await api('DELETE', `/teams/${t.id}`);
                       }) }),
        el('a', { href: `/m/${encodeURIComponent(mid)}/certificate/team/${t.id}`, text: msg('certificate') })));
  });
  byId('team-table').querySelector('tbody').replaceChildren(...rows);
  byId('team-table').hidden = rows.length === 0;
}

byId('team-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.name;
  try {
    await api('POST', '/teams', { name: input.value });
  } catch (e) { setText(byId('teams-status'), e.message); return; }
  input.value = '';
  setText(byId('teams-status'), '');
  await Promise.all([loadTeams(), loadParticipants()]);
});

/** Void all of a participant's actions (with a reason), or restore what that voided. */
function voidAll(p) {
  const after = () => Promise.all([loadParticipants(), loadLog(), refresh()]);
  const path = `/participants/${encodeURIComponent(p.id)}`;
  if (p.voided) {
    return el('button', { type: 'button', text: msg('restoreAll'), 'data-testid': 'restore-all',
                          onclick: async () => { await api('POST', `${path}/restore-all`); await after(); } });
  }
  const reason = el('input', { placeholder: msg('reason'), maxlength: '200', 'aria-label': msg('reason'),
                               'data-testid': 'void-all-reason' });
  const note = el('span', { className: 'error' });
  const button = el('button', { type: 'button', text: msg('voidAll'), className: 'danger', 'data-testid': 'void-all',
    onclick: async () => {
      if (!reason.value.trim()) { note.textContent = msg('needReason'); return; }
      try {
        await api('POST', `${path}/void-all`, { reason: reason.value.trim() });
      } catch (e) { note.textContent = e.message; return; }
      await after();
    } });
  return el('span', { className: 'void-form' }, reason, button, note);
}

// ------------------------------------------------------------ action log

const labels = (name) => optionLabels(document.querySelectorAll(`#tally select[name="${name}"] option`));
const kindNames = labels('kind');
const caseNames = labels('case_id');
const pages = [];  // the `before` cursor of each page shown, for "Newest"
let cursor = null;
let compensated = new Set();

function when(ms) {
  return new Date(ms).toLocaleString(lang, { timeZone: root.dataset.tz, dateStyle: 'short', timeStyle: 'medium' });
}

function correction(entry) {
  if (entry.op !== 'log') {
    const word = { void: msg('voided'), restore: msg('restored') }[entry.op] || msg('undone');
    return el('span', { text: entry.reason ? `${word}: ${entry.reason}` : word });
  }
  if (compensated.has(entry.client_id)) return null;
  const reason = el('input', { placeholder: msg('reason'), maxlength: '200', 'aria-label': msg('reason'),
                               'data-testid': 'void-reason' });
  const button = el('button', { type: 'button', text: msg('void'), className: 'danger', 'data-testid': 'void' });
  const note = el('span', { className: 'error' });
  button.addEventListener('click', async () => {
    if (!reason.value.trim()) { note.textContent = msg('needReason'); return; }
    try {
      await api('POST', `/actions/${encodeURIComponent(entry.client_id)}/void`, { reason: reason.value.trim() });
    } catch (e) {
      note.textContent = e.message;
      return;
    }
    compensated.add(entry.client_id);
    await Promise.all([loadLog(pages[pages.length - 1] ?? null, true), loadParticipants(), refresh()]);
  });
  return el('span', { className: 'void-form' }, reason, button, note);
}

async function loadLog(before = null, again = false) {
  if (before === null) compensated = new Set();
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (before) query.set('before', before);
  const { actions, next } = await api('GET', `/actions?${query}`);
  for (const a of actions) if (a.op !== 'log') compensated.add(a.client_id);
  if (!again) pages.push(before);
  cursor = next;
  const rows = actions.map((a) => el('tr', { 'data-client-id': a.client_id, 'data-op': a.op, className: a.op },
    el('td', { text: when(a.received_at) }),
    el('td', { text: a.participant_id === 'host' ? msg('host') : (a.nickname ?? '?') }),
    el('td', { text: kindNames[a.kind] || a.kind }),
    el('td', { text: a.case_id ? (caseNames[a.case_id] || a.case_id) : '' }),
    el('td', { text: fmt(a.count) }),
    el('td', {}, correction(a))));
  const body = byId('actions').querySelector('tbody');
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { text: msg('none'), colSpan: 6 }))]));
  byId('older').hidden = !cursor;
  byId('newest').hidden = before === null;
}

byId('older').addEventListener('click', () => loadLog(cursor));
byId('newest').addEventListener('click', () => { pages.length = 0; loadLog(null); });

refresh();
loadTeams().then(loadParticipants, loadParticipants);
loadLog();
loadAlerts();
