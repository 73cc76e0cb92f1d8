// Shared by the two projected screens: the live link, the snapshot gate, counting
// numbers, celebrations. Nothing here grows with time: a screen runs for 24 hours.
'use strict';

import { io } from '../vendor/socket.io.esm.min.js';
import confetti from '../vendor/confetti.mjs';

export const HOUR = 3_600_000;
const COUNT_MS = 450;            // count-up length: short enough to land within a second
const HEARTBEAT_MS = 2_500;      // how often the page checks that the server answers
const SOCKET_SILENCE_MS = 25_000; // engine.io pings every 10 s: silence longer = dead link

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

/** Put values into a translated pattern such as "{n} letters for {case}". */
export function fill(pattern, values) {
  return pattern.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** Set an element's text only when it changed (no layout work for nothing). */
// A text-only element: data from phones never goes through innerHTML.
export function item(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
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
 * Accept snapshots in order: drop one whose seq is older than the one shown, and start
 * afresh when the data set's epoch changes (Redis was reset).
 */
export class SnapshotGate {
  constructor() {
    this.epoch = undefined;
    this.seq = -1;
  }

  accept(snap) {
    if (!snap || typeof snap.seq !== 'number') return 'drop';
    const epoch = snap.epoch ?? null;
    if (this.epoch !== undefined && epoch !== this.epoch) {
      this.epoch = epoch;
      this.seq = snap.seq;
      return 'reset';
    }
    if (snap.seq < this.seq) return 'drop';
    this.epoch = epoch;
    this.seq = snap.seq;
    return 'take';
  }
}

/**
 * Keep the page connected to /live and say so on the live-status element.
 *
 * "live" needs a connected socket that has delivered a snapshot, and a server that
 * answers the heartbeat. A closed socket turns the status to "reconnecting" at once;
 * a server that hangs silently is caught by the heartbeat within a few seconds.
 */
export class LiveLink {
  constructor({ room, statusEl, labelEl, words, healthUrl, onSnapshot, onBeat }) {
    this.room = room;
    this.statusEl = statusEl;
    this.labelEl = labelEl;
    this.words = words;
    this.healthUrl = healthUrl;
    this.onSnapshot = onSnapshot;
    this.onBeat = onBeat;
    this.healthy = true;
    this.watching = false;
    this.lastSocket = Date.now();
    this.beats = 0;
    this.socket = io('/live', {
      reconnectionDelay: 500,
      reconnectionDelayMax: 2_000,
      randomizationFactor: 0.3,
      timeout: 4_000,
    });
    this.socket.on('connect', () => {
      this.lastSocket = Date.now();
      this.socket.emit('watch', this.room);
    });
    this.socket.on('snapshot', (snap) => {
      this.lastSocket = Date.now();
      this.watching = true;
      this.healthy = true;
      this.render();
      this.onSnapshot(snap, 'live');
    });
    this.socket.on('disconnect', () => this.lost());
    this.socket.on('connect_error', () => this.lost());
    this.socket.io.on('ping', () => { this.lastSocket = Date.now(); });
    this.beat = this.beat.bind(this);
    setTimeout(this.beat, HEARTBEAT_MS);
  }

  lost() {
    this.watching = false;
    this.render();
  }

  isLive() {
    return this.watching && this.healthy && this.socket.connected;
  }

  render() {
    const state = this.isLive() ? 'live' : 'reconnecting';
    if (this.statusEl.dataset.state !== state) {
      this.statusEl.dataset.state = state;
      setText(this.labelEl, state === 'live' ? this.words.live : this.words.reconnecting);
    }
  }

  async beat() {
    this.beats += 1;
    try {
      const resp = await fetch(this.healthUrl, {
        cache: 'no-store', signal: AbortSignal.timeout(HEARTBEAT_MS - 300),
      });
      this.healthy = resp.ok;
    } catch {
      this.healthy = false;
    }
    if (this.socket.connected && Date.now() - this.lastSocket > SOCKET_SILENCE_MS) {
      // A socket that neither pings nor sends is dead even if the server answers HTTP.
      this.socket.disconnect();
      this.lost();
      this.socket.connect();
    }
    this.render();
    if (this.onBeat) {
      try {
        await this.onBeat(this.beats, this.isLive());
      } catch {
        // The fallback poll is best effort; the status already says what we know.
      }
    }
    setTimeout(this.beat, HEARTBEAT_MS);
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

/** "02:15:09", with days in front when the time is that far off. */
export function clock(ms, words) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const days = Math.floor(s / 86_400);
  const hms = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  if (days === 0) return hms;
  return `${days === 1 ? words.day : fill(words.days, { n: days })} ${hms}`;
}

/** Read a CSS custom property of the page (theme colours for the charts). */
export function cssVar(name) {
  return getComputedStyle(document.body).getPropertyValue(name).trim();
}
