// Shared by the two projected screens and the overlays: their live link and status,
// counting numbers, celebrations, the goal bar, ticker words, chart sizes. Nothing here grows with time: a screen runs for 24 hours.
'use strict';

import confetti from '../vendor/confetti.mjs';
import { $, counted, fill, pageLang, setText } from './dom.js';
import { watch } from './live.js';

export const HOUR = 3_600_000;
const COUNT_MS = 450;            // count-up length: short enough to land within a second
const HEARTBEAT_MS = 2_500;      // how often the page checks that the server answers

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Read the JSON data-* attributes the server rendered on the board. */
export function boardData(board) {
  return {
    options: JSON.parse(board.dataset.options),
    words: JSON.parse(board.dataset.words),
    cases: JSON.parse(board.dataset.cases || '{}'),
    lang: board.dataset.lang || 'en',
  };
}

/** A number that counts up (or down) to its value and always lands on it exactly. */
export class Counter {
  constructor(el, format) {
    this.el = el;
    this.format = format;
    this.value = null;
    this.target = null;
    this.from = 0;
    this.started = 0;
    this.frame = 0;
    this.step = this.step.bind(this);
  }

  set(target) {
    this.el.dataset.value = String(target);
    if (target === this.target) return;
    this.target = target;
    if (this.value === null || document.hidden || reducedMotion) {
      this.land();
      return;
    }
    this.from = this.value;
    this.started = performance.now();
    if (!this.frame) this.frame = requestAnimationFrame(this.step);
  }

  step(now) {
    const p = Math.min(1, (now - this.started) / COUNT_MS);
    if (p >= 1) {
      this.land();
      return;
    }
    const eased = 1 - (1 - p) ** 3;
    this.value = Math.round(this.from + (this.target - this.from) * eased);
    setText(this.el, this.format(this.value));
    this.frame = requestAnimationFrame(this.step);
  }

  land() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.value = this.target;
    setText(this.el, this.format(this.target));
  }
}

/**
 * Celebrate each milestone once per screen (browser tab), even across reconnects and
 * reloads: the milestones already celebrated are kept in sessionStorage per marathon and
 * data-set epoch.
 */
export class Celebrations {
  constructor({ scope, banner, canvas }) {
    this.scope = scope;
    this.banner = banner;
    this.fire = confetti.create(canvas, { resize: true, useWorker: false,
                                          disableForReducedMotion: true });
    this.timer = 0;
  }

  key(epoch) {
    return `lm:celebrated:${this.scope}:${epoch ?? ''}`;
  }

  seen(epoch) {
    try {
      return JSON.parse(sessionStorage.getItem(this.key(epoch)) || '[]');
    } catch {
      return [];
    }
  }

  /** Forget the celebrations of an older data set. */
  reset(oldEpoch) {
    try {
      sessionStorage.removeItem(this.key(oldEpoch));
    } catch {
      // Storage may be disabled; celebrations then only dedupe within the page.
    }
  }

  /** Return true when `mark` was not celebrated yet on this screen (and remember it). */
  claim(epoch, mark) {
    const done = this.seen(epoch);
    if (done.includes(mark)) return false;
    done.push(mark);
    try {
      sessionStorage.setItem(this.key(epoch), JSON.stringify(done.slice(-50)));
    } catch {
      // See reset().
    }
    return true;
  }

  show(text) {
    this.banner.dataset.count = String(Number(this.banner.dataset.count || 0) + 1);
    setText(this.banner, text);
    this.banner.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.banner.hidden = true; }, 7_000);
    const burst = (x) => this.fire({ particleCount: 160, spread: 80, startVelocity: 55,
                                     origin: { x, y: 0.7 },
                                     colors: ['#ffe600', '#ffffff', '#000000', '#ff9f1c'] });
    burst(0.2);
    burst(0.8);
    setTimeout(() => burst(0.5), 400);
  }
}

/** A marathon's status at `now` (the server's clock): scheduled, running or ended. */
export function statusAt(snap, now) {
  if (snap.status === 'ended' || now >= snap.ends_at) return 'ended';
  return now >= snap.starts_at ? 'running' : 'scheduled';
}

/** Whether the host's final-hour freeze (`freeze`, the option) hides that hour at `now`. */
export function frozenAt(snap, now, freeze) {
  return Boolean(freeze) && statusAt(snap, now) === 'running' && now >= snap.ends_at - HOUR;
}

/** The mark after `value`: the next hundred (thousand from 1,000), or the goal if nearer. */
function nextMark(value, goal) {
  const step = value < 1000 ? 100 : 1000;
  const next = (Math.floor(value / step) + 1) * step;
  return goal && goal > value && goal < next ? goal : next;
}

/**
 * Draw the goal bar (#goal-fill, #goal-label, #next-milestone): towards the goal while it
 * is ahead, then towards the next milestone.
 */
export function drawGoalBar(value, goal, words, fmt) {
  const next = nextMark(value, goal);
  const target = goal > value ? goal : next;
  $('goal-fill').style.transform = `scaleX(${target ? Math.min(1, value / target) : 0})`;
  let label = '';
  if (goal) label = value >= goal ? words.goal_reached : fill(words.goal, { n: fmt(goal) });
  setText($('goal-label'), label);
  setText($('next-milestone'), fill(words.next_milestone, { n: fmt(next) }));
}

/** The banner of a marathon's milestone: the goal's own words when it is the goal. */
export function milestoneText(mark, goal, words, fmt) {
  return fill(counted(goal && mark === goal ? words.goal_banner : words.milestone_banner, mark),
              { n: fmt(mark) });
}

/** Word a marathon's ticker entries as [who, what]: ["Zoë", "letter for Ales Bialiatski"]. */
export function tickerWords({ words, cases, lang, fmt }) {
  const plural = new Intl.PluralRules(lang);
  return (entry, anonymous = false) => {
    const kind = words.kinds[entry.kind] || words.kinds.letter;
    const count = entry.count || 1;
    const form = plural.select(count) === 'one' ? 'one' : 'other';
    const caseName = entry.case ? (cases[entry.case] || entry.case) : '';
    const pattern = counted(kind[caseName ? `${form}_case` : form], count, lang);
    const who = anonymous || !entry.nickname ? words.someone : entry.nickname;
    return [who, fill(pattern, { n: fmt(count), case: caseName })];
  };
}

/** Read a CSS custom property of the page (theme colours for the charts). */
export function cssVar(name) {
  return getComputedStyle(document.body).getPropertyValue(name).trim();
}

/** A font size in pixels: a share of the screen's height (charts follow the projector). */
export const px = (share) => Math.max(10, Math.round(window.innerHeight * share));

/** What both screens' charts share: no legend, no tooltips, no pointer events. */
export function chartDefaults() {
  return {
    responsive: true,
    maintainAspectRatio: false,
    locale: pageLang(),  // the axis numbers
    animation: { duration: 300 },
    events: [],
    plugins: { legend: { display: false }, tooltip: { enabled: false } },
  };
}

/**
 * Keep the screen on /live (`room`: {marathon} or {edition}) and say so on its
 * live-status element. The heartbeat on the health URL catches a server that hangs;
 * `onBeat(beats, isLive)` runs after each beat (the marathon screen's fallback poll);
 * `events` are the page's own socket events (see live.js).
 */
export function watchScreen(board, room, { words, onSnapshot, onBeat, onTeams, events }) {
  const status = board.querySelector('[data-testid="live-status"]');
  const label = $('live-label');
  return watch(room, {
    onSnapshot,
    onTeams,
    events,
    onState(state) {
      if (status.dataset.state === state) return;
      status.dataset.state = state;
      setText(label, state === 'live' ? words.live : words.reconnecting);
    },
    socket: { reconnectionDelay: 500, reconnectionDelayMax: 2_000, randomizationFactor: 0.3,
              timeout: 4_000 },
    health: { url: board.dataset.health, every: HEARTBEAT_MS, onBeat },
  });
}
