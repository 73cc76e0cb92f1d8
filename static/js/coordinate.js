// The compare table of /coordinate and /e/<id>: filters, sorting, paging, live refresh
// from the edition room, (for coordinators) the charts, and (on /e/<id>) the live map.
'use strict';

import { fill, node, numbers } from './dom.js';
import { watch } from './live.js';
import { LiveMap } from './map.js';

const POLL_MS = 5000; // only when the live room sends nothing (no /live server)
const table = document.querySelector('[data-testid="compare-table"]');
const eid = table.dataset.edition;
const isPublic = table.dataset.public === '1';
const labels = JSON.parse(table.dataset.labels);
const filters = document.querySelector('[data-testid="filters"]');
const tbody = table.tBodies[0];
const totalsRow = table.tFoot.rows[0];
const pageInfo = document.querySelector('[data-testid="page-info"]');
const liveStatus = document.querySelector('[data-testid="live-status"]');
const headers = [...table.tHead.rows[0].querySelectorAll('th[data-col]')];
const columns = headers.map((th) => th.dataset.col);
const TEXT = new Set(['group', 'type', 'city', 'region', 'country', 'status']);
const lang = document.documentElement.lang || 'en';
const number = numbers(lang, { maximumFractionDigits: 2 });
// The live map, on the public /e/<id> only (templates/_map.html).
const mapPanel = document.getElementById('map');
const map = mapPanel ? new LiveMap(mapPanel, { fmt: numbers(lang), lang }) : null;

const state = { sort: 'total', order: 'desc', page: 1, pages: 1 };
const picked = new Set(); // marathons ticked for the hourly curves
let inFlight = false;
let again = false;
let last = null;

function params() {
  const p = new URLSearchParams();
  for (const [name, value] of new FormData(filters)) {
    if (value) p.set(name, value);
  }
  p.set('sort', state.sort);
  p.set('order', state.order);
  p.set('page', String(state.page));
  if (!isPublic) p.set('charts', '1');
  return p;
}

async function refresh() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    const url = `/api/v1/editions/${encodeURIComponent(eid)}/marathons?${params()}`;
    const resp = await fetch(url, { headers: { Accept: 'application/json' } });
    if (resp.ok) render(await resp.json());
  } catch (err) {
    // Offline for a moment: the next snapshot or poll tries again.
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

function value(row, col) {
  if (col.startsWith('case:')) return (row.by_case || {})[col.slice(5)] ?? 0;
  return row[col];
}

function shown(row, col) {
  const v = value(row, col);
  if (v === null || v === undefined || v === '') return '–';
  if (col === 'type') return labels.type[v] || v;
  if (col === 'status') return labels.status[v] || v;
  if (col === 'change' || col === 'change_pct') {
    return `${v > 0 ? '+' : ''}${number(v)}${col === 'change_pct' ? ' %' : ''}`;
  }
  if (col === 'starts_at') {
    return new Date(v).toLocaleString(lang, { timeZone: row.timezone, dateStyle: 'short',
      timeStyle: 'short' });
  }
  return typeof v === 'number' ? number(v) : String(v);
}

function cell(tag, text, col, raw) {
  const el = node(tag, { text });
  if (col) el.dataset.col = col;
  if (typeof raw === 'number' || (col && raw === null)) {
    if (raw !== null) el.dataset.value = String(raw);
    el.className = 'num';
  }
  return el;
}

function rowElement(row) {
  const tr = document.createElement('tr');
  tr.setAttribute('data-testid', 'compare-row');
  tr.dataset.id = row.id;
  if (!isPublic) {
    const td = document.createElement('td');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = picked.has(row.id);
    box.setAttribute('aria-label', row.group);
    box.addEventListener('change', () => {
      if (box.checked) picked.add(row.id);
      else picked.delete(row.id);
      loadCurves();
    });
    td.append(box);
    tr.append(td);
  }
  for (const col of columns) {
    const td = cell('td', shown(row, col), col, value(row, col));
    if (col === 'group') td.title = row.title;
    tr.append(td);
  }
  return tr;
}

function renderTotals(totals) {
  totalsRow.replaceChildren();
  if (!isPublic) totalsRow.append(cell('th', ''));
  for (const col of columns) {
    if (col === 'group') {
      totalsRow.append(cell('th', labels.totals, col));
    } else if (TEXT.has(col) || col === 'starts_at') {
      totalsRow.append(cell('td', '', col));
    } else {
      const v = value(totals, col);
      totalsRow.append(cell('td', v === null || v === undefined ? '–' : number(v),
        col, v));
    }
  }
}

function render(data) {
  last = data;
  state.pages = data.pages;
  if (data.rows.length) {
    tbody.replaceChildren(...data.rows.map(rowElement));
  } else {
    const td = cell('td', labels.empty);
    td.colSpan = columns.length + (isPublic ? 0 : 1);
    const tr = document.createElement('tr');
    tr.append(td);
    tbody.replaceChildren(tr);
  }
  renderTotals(data.totals);
  pageInfo.textContent = fill(labels.page, data);
  for (const th of headers) {
    const on = th.dataset.col === state.sort;
    th.setAttribute('aria-sort', on ? (state.order === 'desc' ? 'descending' : 'ascending')
      : 'none');
  }
  if (data.charts) drawCharts(data);
}

// ------------------------------------------------------------------ controls

for (const th of headers) {
  th.querySelector('button').addEventListener('click', () => {
    const col = th.dataset.col;
    if (state.sort === col) {
      state.order = state.order === 'desc' ? 'asc' : 'desc';
    } else {
      state.sort = col;
      state.order = TEXT.has(col) ? 'asc' : 'desc';
    }
    state.page = 1;
    refresh();
  });
}

document.querySelectorAll('[data-page]').forEach((button) => {
  button.addEventListener('click', () => {
    const next = state.page + (button.dataset.page === 'next' ? 1 : -1);
    if (next < 1 || next > state.pages) return;
    state.page = next;
    refresh();
  });
});

let typing = null;
filters.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    state.page = 1;
    refresh();
  }, 250);
});
filters.addEventListener('submit', (event) => event.preventDefault());

// ------------------------------------------------------------------ live

let polling = null;

function startPolling() {
  if (polling === null) polling = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  if (polling !== null) {
    clearInterval(polling);
    polling = null;
  }
}

watch({ edition: eid }, {
  // One table request per snapshot at most; requests never overlap.
  onSnapshot: (snap) => {
    if (map) map.update(snap);
    refresh();
  },
  onState(state) {
    liveStatus.dataset.state = state;
    if (state === 'live') stopPolling();
    else startPolling();
  },
});
setTimeout(() => {
  if (liveStatus.dataset.state !== 'live') startPolling();
}, POLL_MS);

// ------------------------------------------------------------------ charts

const charts = {};
const placesBy = document.querySelector('[data-testid="places-by"]');
if (placesBy) placesBy.addEventListener('change', () => last && drawCharts(last));

function chart(name, type, options = {}) {
  if (charts[name]) return charts[name];
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  charts[name] = new window.Chart(canvas, {
    type,
    data: { labels: [], datasets: [] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, locale: lang,
               ...options },
  });
  return charts[name];
}

function setBars(name, labelsList, values, horizontal = false) {
  const c = chart(name, 'bar', horizontal ? { indexAxis: 'y' } : {});
  const canvas = c.canvas;
  c.data.labels = labelsList;
  c.data.datasets = [{ label: canvas.dataset.label, data: values, backgroundColor: '#1a1a1a' }];
  c.options.plugins = { legend: { display: false } };
  c.update('none');
}

function drawCharts(data) {
  if (!window.Chart) return;
  const caseHeaders = headers.filter((th) => th.dataset.col.startsWith('case:'));
  setBars('cases', caseHeaders.map((th) => th.textContent.trim()),
    caseHeaders.map((th) => data.totals.by_case[th.dataset.col.slice(5)] || 0));
  const places = data.charts[placesBy ? placesBy.value : 'by_country'].slice(0, 15);
  setBars('places', places.map((p) => p[0]), places.map((p) => p[1]), true);
  const dist = data.charts.distribution;
  setBars('distribution', dist.counts.map((_, i) =>
    `${number(dist.edges[i])}–${number(dist.edges[i + 1])}`), dist.counts);
}

const COLOURS = ['#d81b60', '#1e88e5', '#43a047', '#fb8c00', '#8e24aa', '#00897b',
  '#6d4c41', '#3949ab', '#c0ca33', '#f4511e', '#546e7a', '#000000'];

async function loadCurves() {
  if (!window.Chart || isPublic) return;
  const c = chart('curves', 'line');
  const ids = [...picked].slice(0, 12);
  let curves = [];
  if (ids.length) {
    const url = `/api/v1/editions/${encodeURIComponent(eid)}/curves?ids=${ids.join(',')}`;
    try {
      const resp = await fetch(url, { headers: { Accept: 'application/json' } });
      if (resp.ok) curves = (await resp.json()).curves;
    } catch (err) {
      return;
    }
  }
  const hours = Math.max(0, ...curves.map((k) => k.hourly.length));
  const hourLabel = c.canvas.dataset.labelHour;
  c.data.labels = Array.from({ length: hours }, (_, h) => `${hourLabel} ${h + 1}`);
  c.data.datasets = curves.map((k, i) => ({
    label: k.group, data: k.hourly, borderColor: COLOURS[i % COLOURS.length],
    backgroundColor: COLOURS[i % COLOURS.length], tension: 0.2,
  }));
  c.update('none');
}

refresh();
if (!isPublic) loadCurves();
