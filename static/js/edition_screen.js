// The edition-wide screen: totals, marathons running, the map, rankings, milestones, live.
'use strict';

import { $, counted, fill, item, node, numbers, setText } from './dom.js';
import { LiveMap } from './map.js';
import {
  boardData, Celebrations, chartDefaults, Counter, cssVar, px, watchScreen,
} from './screen_common.js';

const board = $('board');
const eid = board.dataset.edition;
const { words, cases, lang } = boardData(board);
const fmt = numbers(lang);
const decimal = numbers(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const RANK_ROWS = 10;
const TICKER_ITEMS = 5;

const total = new Counter($('total'), fmt);
const running = new Counter($('running'), fmt);
const party = new Celebrations({ scope: `e:${eid}`, banner: $('banner'), canvas: $('confetti') });
const map = new LiveMap($('map'), { fmt, lang });
let shown = null;

const byCase = new Chart($('case-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ data: [], borderRadius: 3 }] },
  options: {
    ...chartDefaults(),
    indexAxis: 'y',
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
  const items = (rows || []).slice(0, RANK_ROWS).map((row) => node('li', {},
    node('span', { className: 'name' }, item('bdi', '', row.name || ''),
         row.city && item('span', 'where', where(row))),
    item('span', 'count', format(row[field]))));
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
  map.update(snap);
  drawRanking($('rank-total'), snap.top && snap.top.total, 'total', fmt);
  drawRanking($('rank-pp'), snap.top && snap.top.per_participant, 'per_participant', decimal);
  $('ticker-list').replaceChildren(...(snap.recent || []).slice(0, TICKER_ITEMS).map((r) =>
    node('li', {}, node('strong', { className: 'who' }, item('bdi', '', r.name || ''),
                        r.city && item('span', 'where', where(r))),
         ` — ${fill(counted(words.passed_mark, r.milestone), { n: fmt(r.milestone) })}`)));
}

/** A snapshot the gate took ('take', or 'reset' for a new data set). */
function onSnapshot(snap, verdict) {
  if (verdict === 'reset' && shown) party.reset(shown.epoch);
  shown = snap;
  draw(snap);
  if (typeof snap.milestone === 'number' && party.claim(snap.epoch, snap.milestone)) {
    party.show(fill(counted(words.milestone_banner, snap.milestone), { n: fmt(snap.milestone) }));
  }
}

watchScreen(board, { edition: eid }, { words, onSnapshot });
