// Log page: one tap = one entry in a queue kept in localStorage, sent in order to the
// API. Logging never waits for the network; the server's idempotency (client_id) makes
// resending harmless, so an entry leaves the queue only when a 2xx answer says it is in.
'use strict';

import { $, clock, fill, numbers, optionLabels, pad } from './dom.js';
import { SnapshotGate, watch } from './live.js';

const root = document.getElementById('log-page');
const data = root.dataset;
const mid = data.marathon;
const S = document.getElementById('strings').dataset;
const UNDO_MS = Number(data.undoSeconds) * 1000;
const MAX_COUNT = Number(data.maxCount) || 100;
const GRACE_MS = Number(data.graceMs) || 0;
const SEND_TIMEOUT_MS = 15000;
const BACKOFF_MAX_MS = 30000;
const KEYS = {
  person: 'lm:p:' + mid, queue: 'lm:q:' + mid, rejected: 'lm:r:' + mid,
  state: 'lm:s:' + mid, clock: 'lm:clock',
};

const number = numbers();
const el = {
  form: $('log-form'), kind: $('kind'), case: $('case'), count: $('count'),
  log: $('log-button'), logN: $('log-n'), logKind: $('log-kind'), undo: $('undo'),
  undoWhat: $('undo-what'), mine: $('mine'), total: $('total'), pending: $('pending'),
  pendingBox: $('pending-box'), offline: $('offline'), offlineOff: $('offline-off'),
  offlineDown: $('offline-down'), feedback: $('feedback'), rejected: $('rejected'),
  rejectedList: $('rejected-list'), countdown: $('countdown'), countdownBox: $('countdown-box'),
  toStart: $('countdown-to-start'), toEnd: $('countdown-to-end'), who: $('who'),
  whoName: $('who-name'), notJoined: $('not-joined'), teamTally: $('team-tally'),
  teamName: $('team-name'), teamTotal: $('team-total'), teamChange: $('team-change'),
  teamPick: $('team-pick'),
  phases: {scheduled: $('phase-scheduled'), ended: $('phase-ended'), closed: $('phase-closed')},
};

// ------------------------------------------------------------------ storage

function load(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value === null || value === undefined ? fallback : value;
  } catch (e) {
    return fallback;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    // Storage full or refused: the page keeps working from memory.
  }
}

const person = load(KEYS.person, null);
let queue = load(KEYS.queue, []);
let rejected = load(KEYS.rejected, []);
const state = Object.assign(
  {mine: 0, total: 0, seq: -1, epoch: '', kind: 'letter', case: '', history: []},
  load(KEYS.state, {}));
// The seq and epoch shown are kept with the state, so a reload never goes back in time.
const gate = new SnapshotGate(state);
const times = {starts: Number(data.starts), ends: Number(data.ends), closed: data.closed === '1'};
let clockOffset = Number(load(KEYS.clock, 0)) || 0;

function saveQueue() { save(KEYS.queue, queue); }
function saveState() { save(KEYS.state, state); }

// ------------------------------------------------------------------ helpers

function now() {
  return Date.now() + clockOffset;
}

function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; a venue laptop served over plain http is not one.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isoAt(ms) {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${pad(d.getMilliseconds(), 3)}${offset >= 0 ? '+' : '-'}` +
    `${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const kindLabels = optionLabels(el.kind.options);
const caseLabels = optionLabels(el.case.options);

function describe(entry) {
  let text = `${number(entry.count)} × ${kindLabels[entry.kind] || entry.kind}`;
  if (entry.case_id && caseLabels[entry.case_id]) text += ` · ${caseLabels[entry.case_id]}`;
  return text;
}

function say(template, entry) {
  el.feedback.textContent = fill(template, {what: entry ? describe(entry) : ''});
}

function clampCount(raw) {
  const n = Math.round(Number(raw));
  if (!Number.isFinite(n) || n < 1) return 1;
  return Math.min(n, MAX_COUNT);
}

function phase(at) {
  if (times.closed) return 'closed';
  if (at < times.starts) return 'scheduled';
  if (at < times.ends) return 'running';
  return 'ended';
}

// ------------------------------------------------------------------ numbers

// The gate drops numbers older than the page shows; a new epoch (a new data set) starts
// its sequence numbers again. A write's answer names no epoch: it is of the data set shown.
function applyCounts(counts) {
  if (gate.accept(counts) !== 'drop') showTotal(counts);
}

function showTotal(counts) {
  if (typeof counts.total === 'number') state.total = counts.total;
}

// The marathon's teams (rendered with the page) and their totals, which phone snapshots
// bring as `team_totals`; the participant's own team is in their stored `team_id`.
const teams = new Map(JSON.parse(data.teams || '[]').map((t) => [t.id, t]));

// A snapshot from /live, which the gate took.
function applySnapshot(snap) {
  showTotal(snap);
  for (const [id, total] of Object.entries(snap.team_totals || {})) {
    if (teams.has(id)) teams.get(id).total = total;
  }
  if (typeof snap.starts_at === 'number') times.starts = snap.starts_at;
  if (typeof snap.ends_at === 'number') times.ends = snap.ends_at;
  if (snap.status) times.closed = snap.status === 'ended' && now() < times.ends;
  saveState();
  render();
}

function applyAnswer(body) {
  if (!body) return;
  if (body.totals) applyCounts({seq: body.seq, total: body.totals.total});
  if (body.mine && typeof body.mine.total === 'number') state.mine = body.mine.total;
  saveState();
}

// ------------------------------------------------------------------ sending

let sending = false;
let inflight = null;
let attempt = 0;
let timer = null;
let waitUntil = 0;
let failure = null;  // null, 'network' (unreachable) or 'server' (5xx, 429)

function learnClock(resp) {
  const date = Date.parse(resp.headers.get('Date') || '');
  if (!Number.isFinite(date)) return;
  const offset = date - Date.now();
  // The Date header has a one-second grain: correct only a clock that is clearly off.
  clockOffset = Math.abs(offset) > 60000 ? offset : 0;
  save(KEYS.clock, clockOffset);
}

async function send(entry) {
  const headers = {'Authorization': 'Bearer ' + person.token, 'Accept': 'application/json'};
  const base = '/api/v1/marathons/' + encodeURIComponent(mid) + '/actions';
  const abort = new AbortController();
  const stop = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    if (entry.op === 'undo') {
      return await fetch(base + '/' + encodeURIComponent(entry.client_id),
        {method: 'DELETE', headers, signal: abort.signal, cache: 'no-store'});
    }
    headers['Content-Type'] = 'application/json';
    const body = {client_id: entry.client_id, kind: entry.kind, case_id: entry.case_id,
      count: entry.count, written_at: entry.written_at};
    return await fetch(base, {method: 'POST', headers, body: JSON.stringify(body),
      signal: abort.signal, cache: 'no-store'});
  } finally {
    clearTimeout(stop);
  }
}

function removeFromQueue(entry) {
  const i = queue.findIndex((e) => e.op === entry.op && e.client_id === entry.client_id);
  if (i >= 0) queue.splice(i, 1);
  saveQueue();
}

function backoff() {
  attempt += 1;
  const ceiling = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * ceiling / 2;  // jitter: phones do not retry in step
}

function retryAfter(resp) {
  const seconds = Number(resp.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function schedule(ms) {
  clearTimeout(timer);
  waitUntil = Date.now() + ms;
  timer = setTimeout(() => flush(true), ms);
}

async function readJson(resp) {
  try {
    return await resp.json();
  } catch (e) {
    return null;
  }
}

async function flush(force) {
  if (sending || !person || !queue.length) return;
  if (!force && Date.now() < waitUntil) return;
  clearTimeout(timer);
  waitUntil = 0;
  sending = true;
  try {
    while (queue.length) {
      const entry = queue[0];
      inflight = entry;
      let resp;
      try {
        resp = await send(entry);
      } catch (e) {
        failure = 'network';
        schedule(backoff());
        return;
      } finally {
        inflight = null;
      }
      learnClock(resp);
      if (resp.ok) {
        const body = await readJson(resp);
        removeFromQueue(entry);
        applyAnswer(body);
        failure = null;
        attempt = 0;
        if (entry.op === 'log') say(S.sent, entry);
        render();
        continue;
      }
      if (resp.status === 429 || resp.status === 408 || resp.status >= 500) {
        failure = 'server';
        schedule(Math.max(backoff(), retryAfter(resp)));
        return;
      }
      // Any other 4xx will not get better by resending: keep it aside and show it.
      const body = await readJson(resp);
      removeFromQueue(entry);
      const message = (body && body.error && body.error.message) || String(resp.status);
      rejected.push(Object.assign({}, entry, {status: resp.status, message}));
      save(KEYS.rejected, rejected);
      say(S.refused, entry);
      failure = null;
      render();
    }
  } finally {
    sending = false;
    render();
  }
}

// A cheap, periodic look at the server: when it answers again after a network failure,
// send at once instead of sleeping out the backoff.
function probe() {
  setTimeout(async () => {
    try {
      if (queue.length && !sending && person) {
        if (waitUntil <= Date.now()) {
          await flush(true);
        } else if (failure === 'network' && navigator.onLine) {
          const resp = await fetch('/healthz', {cache: 'no-store'});
          if (resp.ok) {
            attempt = 0;
            await flush(true);
          }
        }
      }
    } catch (e) {
      // still unreachable: the next probe will tell
    }
    probe();
  }, 4000 + Math.random() * 2000);
}

// ------------------------------------------------------------------ actions

function logOnce(event) {
  event.preventDefault();
  if (!queueLog(el.kind.value, el.case.value || null, clampCount(el.count.value))) return;
  el.count.value = '1';
  el.log.classList.remove('tapped');
  void el.log.offsetWidth;  // restart the tap animation
  el.log.classList.add('tapped');
  render();
}

// Queue one action (the +1 button and the case cards' buttons); false when not allowed now.
function queueLog(kind, caseId, count) {
  if (!person || phase(now()) !== 'running') return false;
  const entry = {
    op: 'log', client_id: uuid(), kind, case_id: caseId, count, written_at: isoAt(now()),
  };
  queue.push(entry);
  saveQueue();
  state.history.push({client_id: entry.client_id, kind: entry.kind, case_id: entry.case_id,
    count: entry.count, at: Date.now(), undone: false});
  state.history = state.history.filter((h) => Date.now() - h.at < UNDO_MS).slice(-50);
  saveState();
  if (!navigator.onLine || failure === 'network') say(S.queued, entry);
  render();
  flush(false);
  return true;
}

function undoTarget() {
  for (let i = state.history.length - 1; i >= 0; i -= 1) {
    const h = state.history[i];
    if (h.undone) continue;
    return Date.now() - h.at <= UNDO_MS ? h : null;
  }
  return null;
}

function undoLast() {
  const target = undoTarget();
  if (!target) return;
  target.undone = true;
  const queued = queue.findIndex((e) => e.op === 'log' && e.client_id === target.client_id);
  const refused = rejected.some((e) => e.op === 'log' && e.client_id === target.client_id);
  if (queued >= 0 && !(inflight && inflight.client_id === target.client_id)) {
    queue.splice(queued, 1);  // never sent: simply forget it
  } else if (!refused) {
    queue.push({op: 'undo', client_id: target.client_id, kind: target.kind,
      case_id: target.case_id, count: target.count});
  }
  saveQueue();
  saveState();
  say(S.undone, target);
  render();
  flush(false);
}

// ------------------------------------------------------------------ drawing

function show(node, visible) {
  node.hidden = !visible;
}

function render() {
  const at = now();
  const current = phase(at);
  el.mine.textContent = number(state.mine || 0);
  el.total.textContent = number(state.total || 0);
  const team = person && teams.get(person.team_id);
  show(el.teamTally, Boolean(team));
  if (team) {
    el.teamName.textContent = team.name;
    el.teamTotal.textContent = number(team.total || 0);
  }
  el.pending.textContent = number(queue.length);
  el.pendingBox.classList.toggle('has-pending', queue.length > 0);

  const offline = !navigator.onLine || failure === 'network';
  show(el.offline, offline);
  show(el.offlineOff, !navigator.onLine);
  show(el.offlineDown, navigator.onLine);

  show(el.phases.scheduled, current === 'scheduled');
  show(el.phases.ended, current === 'ended');
  show(el.phases.closed, current === 'closed');
  show(el.countdownBox, current === 'scheduled' || current === 'running');
  show(el.toStart, current === 'scheduled');
  show(el.toEnd, current === 'running');
  el.countdown.textContent = clock((current === 'scheduled' ? times.starts : times.ends) - at);

  const count = clampCount(el.count.value);
  el.logN.textContent = number(count);
  el.logKind.textContent = kindLabels[el.kind.value] || '';
  el.log.disabled = !person || current !== 'running';

  const target = person ? undoTarget() : null;
  el.undo.disabled = !target;
  el.undoWhat.textContent = target ? fill(S.last, {what: describe(target)}) : '';

  show(el.rejected, rejected.length > 0);
  el.rejectedList.replaceChildren(...rejected.map((entry) => {
    const li = document.createElement('li');
    const what = document.createElement('strong');
    what.textContent = (entry.op === 'undo' ? '↶ ' : '') + describe(entry);
    li.append(what, document.createTextNode(' — ' + entry.message));
    return li;
  }));
}

// ------------------------------------------------------------------ team

// Change this participant's team (all their letters go with them); needs the network.
async function changeTeam() {
  const wanted = el.teamChange.value || null;
  el.teamChange.disabled = true;
  let body = null;
  try {
    const resp = await fetch(`/api/v1/marathons/${mid}/participants/${person.participant_id}`, {
      method: 'PATCH',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + person.token},
      body: JSON.stringify({team_id: wanted}),
    });
    body = await readJson(resp);
    if (!resp.ok) throw new Error((body && body.error && body.error.message) || S.network);
  } catch (e) {
    el.teamChange.value = teams.has(person.team_id) ? person.team_id : '';
    el.feedback.textContent = e.message || S.network;
    el.teamChange.disabled = false;
    return;
  }
  person.team_id = body.team_id || null;
  save(KEYS.person, person);
  const team = teams.get(person.team_id);
  el.feedback.textContent = fill(S.teamChanged, {what: team ? team.name : S.noTeam});
  el.teamChange.disabled = false;
  render();
}

// The host may have moved this participant to another team (or renamed them): ask the
// server when the page opens or comes back to the front. Best effort, offline too.
async function refreshPerson() {
  if (!person || !person.participant_id || document.visibilityState === 'hidden') return;
  try {
    const resp = await fetch(`/api/v1/marathons/${mid}/participants/${person.participant_id}`,
                             {headers: {'Authorization': 'Bearer ' + person.token}, cache: 'no-store'});
    if (!resp.ok) return;
    const body = await resp.json();
    person.team_id = body.team_id || null;
    if (body.nickname) person.nickname = body.nickname;
  } catch (e) {
    return;
  }
  save(KEYS.person, person);
  el.whoName.textContent = person.nickname || '';
  if (el.teamChange && !el.teamChange.disabled) {
    el.teamChange.value = teams.has(person.team_id) ? person.team_id : '';
  }
  render();
}

// ------------------------------------------------------------------ start

function start() {
  applyCounts({seq: Number(data.seq), total: Number(data.total), epoch: data.epoch});
  saveState();
  if (kindLabels[state.kind] !== undefined) el.kind.value = state.kind;
  if (caseLabels[state.case] !== undefined) el.case.value = state.case;

  if (person) {
    el.whoName.textContent = person.nickname || '';
    show(el.who, true);
    if (el.teamChange) {
      el.teamChange.value = teams.has(person.team_id) ? person.team_id : '';
      el.teamChange.addEventListener('change', changeTeam);
      show(el.teamPick, true);
    }
  } else {
    show(el.notJoined, true);
  }

  el.form.addEventListener('submit', logOnce);
  document.addEventListener('case-log', (event) => {
    // "+1 ... for this case" on a case card (cases.js); preventDefault() tells it "queued".
    const {kind, case_id: caseId} = event.detail || {};
    if (kindLabels[kind] === undefined || caseLabels[caseId] === undefined) return;
    if (queueLog(kind, caseId, 1)) event.preventDefault();
  });
  el.undo.addEventListener('click', undoLast);
  el.kind.addEventListener('change', () => { state.kind = el.kind.value; saveState(); render(); });
  el.case.addEventListener('change', () => { state.case = el.case.value; saveState(); });
  el.count.addEventListener('input', render);
  el.count.addEventListener('change', () => { el.count.value = String(clampCount(el.count.value)); render(); });
  $('count-down').addEventListener('click', () => {
    el.count.value = String(clampCount(Number(el.count.value) - 1));
    render();
  });
  $('count-up').addEventListener('click', () => {
    el.count.value = String(clampCount(Number(el.count.value) + 1));
    render();
  });
  $('rejected-clear').addEventListener('click', () => {
    rejected = [];
    save(KEYS.rejected, rejected);
    render();
  });
  window.addEventListener('online', () => { attempt = 0; failure = null; render(); flush(true); });
  window.addEventListener('offline', render);
  document.addEventListener('visibilitychange', refreshPerson);
  refreshPerson();
  window.addEventListener('storage', (event) => {
    // Another tab of this marathon changed the queue: take its version.
    if (event.key === KEYS.queue) queue = load(KEYS.queue, []);
    if (event.key === KEYS.rejected) rejected = load(KEYS.rejected, []);
    render();
  });
  setInterval(render, 1000);
  render();
  flush(true);
  probe();
  window.addEventListener('load', () => setTimeout(afterLoad, 0));
}

function afterLoad() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
    if (!navigator.serviceWorker.controller && window.caches) {
      // This first visit was not served by the worker: keep a copy for offline reloads.
      caches.open('lm-pages').then((cache) => cache.add(location.pathname)).catch(() => {});
    }
  }
  // Progressive enhancement: without the socket the POST answers keep the numbers right.
  // The phone's room: the total and the window, not the big screen's whole snapshot.
  watch({marathon: mid, view: 'phone'}, {gate, onSnapshot: applySnapshot, socket: {reconnectionDelayMax: 10000}});
}

start();
