// The marathon's big screen: draw each snapshot that arrives on /live.
'use strict';

import { $, clock, counted, fill, item, node, numbers, setText } from './dom.js';
import {
  boardData, Celebrations, chartDefaults, Counter, cssVar, drawGoalBar, frozenAt, HOUR,
  milestoneText, px, statusAt, tickerWords, watchScreen,
} from './screen_common.js';
import { projectorJoin } from './screen_join.js';

const board = $('board');
const mid = board.dataset.marathon;
const { options: renderedOptions, words, cases, lang } = boardData(board);
const fmt = numbers(lang);
const tickerLine = tickerWords({ words, cases, lang, fmt });
const VIEWS = ['main', 'cases', 'top', 'teams'];
const TOP_ROWS = 5;
const TICKER_ITEMS = 6;

// Options from the address win over the host's stored ones (re-read every few beats).
const URL_OPTIONS = { theme: 'theme', hide_top: 'hide_top', freeze: 'freeze_last_hour',
                      rotate: 'rotate_seconds' };
const fromUrl = new URLSearchParams(location.search);
let options = { ...renderedOptions };

const total = new Counter($('total'), fmt);
const party = new Celebrations({ scope: `m:${mid}`, banner: $('banner'), canvas: $('confetti') });
let shown = null;        // the snapshot on screen
let clockOffset = 0;     // server clock minus ours
let frozenShown = null;  // whether the last drawing hid the final hour
let hourLabelsKey = '';
let rotateTimer = 0;
let viewIndex = 0;

// ---------------------------------------------------------------- charts

function makeCharts() {
  const hourly = new Chart($('hourly-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ data: [], borderRadius: 3 }] },
    options: {
      ...chartDefaults(),
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true,
                                                autoSkipPadding: 8,
                                                font: () => ({ size: px(0.017) }) } },
        y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5,
                                         font: () => ({ size: px(0.017) }) } },
      },
    },
  });
  // Two overlapping bars per case: the count in front, its goal (if any) behind.
  const byCase = new Chart($('case-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ data: [], borderRadius: 3, grouped: false, order: 1 },
                                   { data: [], borderRadius: 3, grouped: false, order: 2 }] },
    options: {
      ...chartDefaults(),
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4,
                                         font: () => ({ size: px(0.016) }) } },
        y: { grid: { display: false }, ticks: { autoSkip: false,
                                                font: () => ({ size: px(0.019) }) } },
      },
    },
  });
  return { hourly, byCase };
}

const charts = makeCharts();

function themeCharts() {
  const fg = cssVar('--fg');
  const grid = cssVar('--grid');
  for (const chart of Object.values(charts)) {
    for (const axis of Object.values(chart.options.scales)) {
      axis.ticks.color = fg;
      axis.grid.color = grid;
      axis.border = { color: grid };
    }
  }
}

function hourLabels(snap) {
  const key = `${snap.starts_at}|${snap.hourly.length}|${snap.timezone}`;
  if (key === hourLabelsKey) return null;
  hourLabelsKey = key;
  const style = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  let format;
  try {
    format = new Intl.DateTimeFormat(lang, { ...style, timeZone: snap.timezone });
  } catch {
    format = new Intl.DateTimeFormat(lang, style);  // an unknown zone: the screen's own
  }
  return snap.hourly.map((_, i) => format.format(new Date(snap.starts_at + i * HOUR)));
}

function drawHourly(snap, now, frozen) {
  const chart = charts.hourly;
  const labels = hourLabels(snap);
  if (labels) chart.data.labels = labels;
  const data = snap.hourly.slice();
  if (frozen) data[data.length - 1] = 0;
  const current = Math.floor((now - snap.starts_at) / HOUR);
  const bar = cssVar('--bar');
  const accent = cssVar('--accent');
  chart.data.datasets[0].data = data;
  chart.data.datasets[0].backgroundColor = data.map((_, i) => (i === current ? accent : bar));
  chart.update();
}

function drawCases(snap, frozen) {
  const chart = charts.byCase;
  const ids = Object.keys(snap.by_case);
  // During the final-hour freeze the bars keep their proportions but lose their numbers.
  const goals = snap.case_goals || {};
  chart.data.labels = ids.map((id) => {
    const name = cases[id] || id;
    if (frozen) return name;
    return goals[id] ? `${name}  ${fmt(snap.by_case[id])} / ${fmt(goals[id])}`
      : `${name}  ${fmt(snap.by_case[id])}`;
  });
  chart.data.datasets[0].data = ids.map((id) => snap.by_case[id]);
  chart.data.datasets[0].backgroundColor = cssVar('--accent');
  chart.data.datasets[1].data = ids.map((id) => (frozen ? 0 : goals[id] || 0));
  chart.data.datasets[1].backgroundColor = cssVar('--grid');
  chart.options.scales.x.display = !frozen;
  chart.update();
}

// ---------------------------------------------------------------- panels

function drawGoal(snap, value, frozen, status) {
  drawGoalBar(value, snap.goal || 0, words, fmt);
  const showPace = !frozen && status === 'running' && snap.pace > snap.total;
  setText($('pace'), showPace ? fill(words.pace, { n: fmt(snap.pace) }) : '');
}

function drawTop(snap) {
  const list = $('top-list');
  if (!list) return;
  const rows = (snap.top || []).slice(0, TOP_ROWS).map((row) => node('li', {},
    // A name the host hid from the screen comes as null: "someone".
    item('span', 'name', row.nickname ?? words.someone), item('span', 'count', fmt(row.total))));
  if (rows.length === 0) rows.push(item('li', 'empty', words.nobody_yet));
  list.replaceChildren(...rows);
  const best = snap.last_hour_top;
  const lastHour = $('last-hour');
  const bestName = best ? best.nickname ?? words.someone : '';
  const shown = best ? `${bestName}\u0000${best.total}` : '';
  if (lastHour && lastHour.dataset.shown !== shown) {  // no layout work when nothing changed
    lastHour.dataset.shown = shown;
    if (best) lastHour.replaceChildren(item('bdi', 'name', bestName), ` · ${fmt(best.total)}`);
    else lastHour.replaceChildren(words.nobody_yet);
  }
}

let teamsAt = { seq: -1, epoch: undefined };  // the team board shown (its own message)

/** The team board, highest first; the panel shows only when the marathon has teams. */
function drawTeams(message) {
  if (message.epoch === teamsAt.epoch && message.seq < teamsAt.seq) return;
  teamsAt = { seq: message.seq, epoch: message.epoch };
  const teams = message.teams || [];
  const had = board.classList.contains('has-teams');
  board.classList.toggle('has-teams', teams.length > 0);
  $('teams-panel').hidden = teams.length === 0;
  $('team-list').replaceChildren(...teams.map((team) => node('li', { 'data-team': team.id },
    node('span', { className: 'name' }, team.name, item('span', 'members', fill(
      counted(words.members, team.participants, lang),
      { n: fmt(team.participants) }))),
    item('span', 'count', fmt(team.total)))));
  if (had !== teams.length > 0) {
    for (const chart of Object.values(charts)) chart.resize();
    startRotation();
  }
}

function drawKinds(snap) {
  const list = $('kind-list');
  if (!list) return;
  list.replaceChildren(...Object.entries(snap.by_kind).map(([kind, n]) => node('li', {},
    item('span', 'name', words.kind_names[kind] || kind), item('span', 'count', fmt(n)))));
}

function drawTicker(snap) {
  const rows = (snap.recent || []).slice(0, TICKER_ITEMS).map((entry) => {
    const [who, what] = tickerLine(entry, options.hide_top);
    return node('li', {}, item('strong', 'who', who), ` — ${what}`);
  });
  $('ticker-list').replaceChildren(...rows);
}

// ---------------------------------------------------------------- the snapshot

function serverNow() {
  return Date.now() + clockOffset;
}

function isFrozen(snap, now) {
  return frozenAt(snap, now, options.freeze_last_hour);
}

function draw(snap) {
  const now = serverNow();
  const frozen = isFrozen(snap, now);
  const status = statusAt(snap, now);
  // Frozen: the actions written before the final hour (the same on every screen).
  const last = snap.hourly.length ? snap.hourly[snap.hourly.length - 1] : 0;
  const value = frozen ? Math.max(0, snap.total - last) : snap.total;
  if (frozenShown === true && !frozen && status === 'ended' && party.claim(snap.epoch, 'reveal')) {
    party.show(fill(words.reveal_banner, { n: fmt(snap.total) }));
  }
  frozenShown = frozen;
  board.classList.toggle('frozen', frozen);
  $('freeze-note').hidden = !frozen;
  setText($('title'), snap.title);
  total.set(value);
  drawGoal(snap, value, frozen, status);
  drawHourly(snap, now, frozen);
  drawCases(snap, frozen);
  drawTop(snap);
  drawKinds(snap);
  drawTicker(snap);
  drawCountdown();
}

function celebrate(snap) {
  const mark = snap.milestone;
  if (typeof mark !== 'number' || !party.claim(snap.epoch, mark)) return;
  if (isFrozen(snap, serverNow())) return;  // no hints during the final-hour suspense
  party.show(milestoneText(mark, snap.goal, words, fmt));
}

/** A snapshot the gate took ('take', or 'reset' for a new data set). */
function onSnapshot(snap, verdict) {
  join.follow(snap);
  if (verdict === 'reset' && shown) party.reset(shown.epoch);
  if (snap.options_version !== undefined && optionsVersion !== null
      && snap.options_version !== optionsVersion) {
    optionsVersion = snap.options_version;
    readApi(true).catch(() => {});
  }
  shown = snap;
  clockOffset = snap.server_time - Date.now();
  // The API's snapshot carries the team board; the socket sends it as its own message.
  if (snap.teams) drawTeams(snap);
  draw(snap);
  celebrate(snap);
}

function drawCountdown() {
  if (!shown) return;
  const now = serverNow();
  const status = statusAt(shown, now);
  let label = words.ended;
  let time = '';
  if (status === 'scheduled') {
    label = words.starts_in;
    time = clock(shown.starts_at - now, words);
  } else if (status === 'running') {
    label = words.ends_in;
    time = clock(shown.ends_at - now, words);
  }
  setText($('countdown-label'), label);
  setText($('countdown-clock'), time);
  board.dataset.status = status;
  // The freeze starts and ends by the clock, not only when a snapshot arrives.
  if (isFrozen(shown, now) !== frozenShown) draw(shown);
}

// ---------------------------------------------------------------- options, rotation

function applyOptions(stored) {
  const next = { ...options };
  for (const [query, name] of Object.entries(URL_OPTIONS)) {
    if (!fromUrl.has(query) && name in stored) next[name] = stored[name];
  }
  const themeChanged = next.theme !== options.theme;
  const rotateChanged = next.rotate_seconds !== options.rotate_seconds;
  options = next;
  document.body.classList.toggle('theme-light', options.theme === 'light');
  document.body.classList.toggle('theme-dark', options.theme !== 'light');
  if (themeChanged) themeCharts();
  if (rotateChanged) startRotation();
  if (shown) draw(shown);
}

function startRotation() {
  clearInterval(rotateTimer);
  viewIndex = 0;
  board.dataset.view = 'main';
  const seconds = Number(options.rotate_seconds) || 0;
  if (seconds <= 0) return;
  const views = VIEWS.filter((v) => (v !== 'top' || $('top-list'))
    && (v !== 'teams' || board.classList.contains('has-teams')));
  rotateTimer = setInterval(() => {
    viewIndex = (viewIndex + 1) % views.length;
    board.dataset.view = views[viewIndex];
  }, Math.max(5, seconds) * 1000);
}

let optionsVersion = null;  // of the marathon's fields last read from the API

/** Read the API: the display options and group the host may have changed, and a fresh
 *  snapshot when the live link cannot bring one. While the socket is live, its snapshots
 *  carry `options_version`, so the screen reads again only when an edit moved it. */
async function readApi(live) {
  const resp = await fetch(board.dataset.api, { cache: 'no-store' });
  if (!resp.ok) return;
  const body = await resp.json();
  applyOptions(body.options || {});
  const group = body.group || {};
  const shownGroup = `${group.name || ''}\u0000${group.city || ''}`;
  if ($('group').dataset.shown !== shownGroup) {  // each name in its own bidi isolate
    $('group').dataset.shown = shownGroup;
    $('group').replaceChildren(item('bdi', '', group.name || ''),
      ...(group.city ? [' · ', item('bdi', '', group.city)] : []));
  }
  if (body.snapshot) optionsVersion = body.snapshot.options_version;
  if (!live && body.snapshot) link.offer({ ...body.snapshot, milestone: null });
}

/** After each heartbeat: poll only while the socket is down. */
async function poll(beat, live) {
  if (!live) await readApi(false);
}

// ---------------------------------------------------------------- start

themeCharts();
startRotation();
const join = projectorJoin({ mid, words, board, emit: (name, data) => link.emit(name, data) });
const link = watchScreen(board, { marathon: mid },
                         { words, onSnapshot, onBeat: poll, onTeams: drawTeams,
                           events: join.events });
poll(0, false).catch(() => {});  // the heartbeat polls again
setInterval(drawCountdown, 1000);
