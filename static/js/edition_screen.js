// The edition-wide screen: totals, marathons running, rankings, milestones, live.
'use strict';

import {
  boardData, Celebrations, Counter, cssVar, fill, item, LiveLink, setText, SnapshotGate,
} from './screen_common.js';

const board = document.getElementById('board');
const eid = board.dataset.edition;
const { words, cases, lang } = boardData(board);
const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat(lang);
const decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmt = (n) => number.format(n);
const RANK_ROWS = 10;
const TICKER_ITEMS = 5;

const total = new Counter($('total'), fmt);
const running = new Counter($('running'), fmt);
const gate = new SnapshotGate();
const party = new Celebrations({ scope: `e:${eid}`, banner: $('banner'), canvas: $('confetti') });
let shown = null;

const px = (share) => Math.max(10, Math.round(window.innerHeight * share));
const byCase = new Chart($('case-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ data: [], borderRadius: 3 }] },
  options: {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 300 },
    events: [],
    indexAxis: 'y',
    plugins: { legend: { display: false }, tooltip: { enabled: false } },
    scales: {
      x: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4, color: cssVar('--fg'),
                                       font: () => ({ size: px(0.016) }) },
           grid: { color: cssVar('--grid') } },
      y: { grid: { display: false }, ticks: { autoSkip: false, color: cssVar('--fg'),
                                              font: () => ({ size: px(0.019) }) } },
    },
  },
});

function where(row) {
  return row.city ? ` · ${row.city}` : '';
}

function drawRanking(list, rows, field, format) {
  const items = (rows || []).slice(0, RANK_ROWS).map((row) => {
    const li = document.createElement('li');
    const name = item('span', 'name', row.name || '');
    name.append(item('span', 'where', where(row)));
    li.append(name, item('span', 'count', format(row[field])));
    return li;
  });
  if (items.length === 0) items.push(item('li', 'empty', words.nobody_yet));
  list.replaceChildren(...items);
}

function draw(snap) {
  total.set(snap.total);
  running.set(snap.running);
  setText($('marathons'), fill(words.in_all, { n: fmt(snap.marathons) }));
  $('kind-line').replaceChildren(...Object.entries(snap.by_kind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => item('li', '', `${words.kind_names[kind] || kind} ${fmt(n)}`)));
  const ids = Object.keys(snap.by_case);
  byCase.data.labels = ids.map((id) => `${cases[id] || id}  ${fmt(snap.by_case[id])}`);
  byCase.data.datasets[0].data = ids.map((id) => snap.by_case[id]);
  byCase.data.datasets[0].backgroundColor = cssVar('--accent');
  byCase.update();
  drawRanking($('rank-total'), snap.top && snap.top.total, 'total', fmt);
  drawRanking($('rank-pp'), snap.top && snap.top.per_participant, 'per_participant',
              (n) => decimal.format(n));
  $('ticker-list').replaceChildren(...(snap.recent || []).slice(0, TICKER_ITEMS).map((r) => {
    const li = document.createElement('li');
    li.append(item('strong', 'who', `${r.name || ''}${where(r)}`),
              document.createTextNode(` — ${fill(words.passed_mark, { n: fmt(r.milestone) })}`));
    return li;
  }));
}

function onSnapshot(snap) {
  const previous = shown;
  const verdict = gate.accept(snap);
  if (verdict === 'drop') return;
  if (verdict === 'reset' && previous) party.reset(previous.epoch);
  shown = snap;
  draw(snap);
  if (typeof snap.milestone === 'number' && party.claim(snap.epoch, snap.milestone)) {
    party.show(fill(words.milestone_banner, { n: fmt(snap.milestone) }));
  }
}

const link = new LiveLink({
  room: { edition: eid },
  statusEl: document.querySelector('[data-testid="live-status"]'),
  labelEl: $('live-label'),
  words,
  healthUrl: board.dataset.health,
  onSnapshot,
});
link.render();
