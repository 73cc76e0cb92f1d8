// The overlays (/m/<id>/overlay, /e/<id>/overlay) and the widget (/m/<id>/widget): the
// parts the page was rendered with, drawn from each snapshot that arrives on /live.
'use strict';

import { $, counted, fill, item, node, numbers, setText } from './dom.js';
import {
  boardData, Celebrations, Counter, drawGoalBar, frozenAt, milestoneText, tickerWords,
  watchScreen,
} from './screen_common.js';

const COLOR = /^#[0-9a-f]{6}$/i;  // checked again here: only a colour reaches the style

const board = $('board');
const { options, words, cases, lang } = boardData(board);
const fmt = numbers(lang);
const room = board.dataset.marathon ? { marathon: board.dataset.marathon }
  : { edition: board.dataset.edition };
const scope = room.marathon ? `m:${room.marathon}` : `e:${room.edition}`;
const tickerLine = tickerWords({ words, cases, lang, fmt });

const total = $('total') && new Counter($('total'), fmt);
const party = $('banner') && new Celebrations({ scope, banner: $('banner'),
                                                canvas: $('confetti') });
let shown = null;
let clockOffset = 0;     // server clock minus ours
let frozenShown = false; // whether the last drawing hid the final hour

if (COLOR.test(options.color || '')) document.body.style.setProperty('--fg', options.color);

/** The latest line: an action of the marathon, or a marathon of the edition passing a mark. */
function latest(snap) {
  const entry = (snap.recent || [])[0];
  if (!entry) return null;
  // A host who hid the top writers on the screen hides their names here too.
  if (room.marathon) return tickerLine(entry, options.anonymous);
  const where = entry.city && item('span', 'where', ` · ${entry.city}`);
  return [[item('bdi', '', entry.name || ''), where], fill(counted(words.passed_mark, entry.milestone), { n: fmt(entry.milestone) })];
}

/** The host's final-hour freeze holds on the stream too: the total is revealed at the end. */
function isFrozen(snap) {
  return frozenAt(snap, Date.now() + clockOffset, options.freeze);
}

function draw(snap) {
  frozenShown = isFrozen(snap);
  const last = frozenShown ? snap.hourly[snap.hourly.length - 1] || 0 : 0;
  const value = Math.max(0, snap.total - last);
  if (total) total.set(value);
  if ($('goal-fill')) drawGoalBar(value, snap.goal || 0, words, fmt);
  if ($('title') && snap.title) setText($('title'), snap.title);
  const line = $('latest') && latest(snap);
  if (line) {
    // Each name in its own bidi isolate (issue 28): `who` is a name, or a name and a city.
    const who = Array.isArray(line[0]) ? line[0] : [line[0]];
    $('latest').replaceChildren(node('strong', { className: 'who' }, ...who), ` — ${line[1]}`);
  }
}

/** A snapshot the gate took ('take', or 'reset' for a new data set). */
function onSnapshot(snap, verdict) {
  if (verdict === 'reset' && shown && party) party.reset(shown.epoch);
  shown = snap;
  if (typeof snap.server_time === 'number') clockOffset = snap.server_time - Date.now();
  draw(snap);
  if (party && !frozenShown && typeof snap.milestone === 'number'
      && party.claim(snap.epoch, snap.milestone)) {
    party.show(milestoneText(snap.milestone, snap.goal, words, fmt));
  }
}

watchScreen(board, room, { words, onSnapshot });
// The freeze starts and ends by the clock, not only when a snapshot arrives.
setInterval(() => { if (shown && isFrozen(shown) !== frozenShown) draw(shown); }, 1000);
