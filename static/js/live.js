// The live link of a page: one socket to /live that emits `watch` on every (re)connect,
// the seq/epoch gate that keeps snapshots in order, and the link's state ("live" or
// "reconnecting") for the page's live-status element. Every page that shows live numbers
// (screens, host console, log page, compare tables) goes through here.
'use strict';

// Loaded on demand: a page keeps working (API answers, polling) when it cannot be loaded.
const SOCKET_CLIENT = '../vendor/socket.io.esm.min.js';
const SOCKET_SILENCE_MS = 25_000; // engine.io pings every 10 s: silence longer = dead link

/**
 * Accept snapshots in order: drop one whose seq is older than the one shown, and start
 * afresh ('reset') when the data set's epoch changes (Redis was reset). An answer that
 * names no epoch at all (a write's answer) belongs to the data set shown.
 *
 * The position shown lives in `at` ({seq, epoch}), so a page can keep it (the log page
 * saves it with its own state).
 */
export class SnapshotGate {
  constructor(at = { seq: -1, epoch: undefined }) {
    this.at = at;
  }

  /** 'take', 'reset' (a new data set: taken too) or 'drop'. */
  accept(snap) {
    if (!snap || typeof snap.seq !== 'number') return 'drop';
    const named = snap.epoch !== undefined;
    const epoch = snap.epoch ?? null;
    if (named && this.at.epoch !== undefined && epoch !== this.at.epoch) {
      this.at.epoch = epoch;
      this.at.seq = snap.seq;
      return 'reset';
    }
    if (snap.seq < this.at.seq) return 'drop';
    if (named) this.at.epoch = epoch;
    this.at.seq = snap.seq;
    return 'take';
  }

  /** Take the next snapshot whatever its seq (the page's own write just happened). */
  forget() {
    this.at.seq = -1;
  }
}

let opened = null;

/**
 * Watch a marathon (`{marathon: id}`) or an edition (`{edition: id}`) on /live.
 *
 * - onSnapshot(snap, verdict): each snapshot of this room that the gate takes.
 * - onTeams(message): a marathon's team board ({marathon, seq, epoch, teams}), sent on
 *   its own right after each snapshot of a marathon that has teams.
 * - onState(state): 'live' or 'reconnecting', whenever it changes.
 * - gate: the page's SnapshotGate, when the page has other sources of snapshots.
 * - socket: options for the socket.io client.
 * - liveOnConnect: 'live' as soon as the socket connects, not at its first snapshot.
 * - events: {name: handler} for the page's own events on this socket ('connect' runs
 *   after the link's `watch`); the page emits with link.emit(name, data).
 * - health: {url, every, onBeat}: every `every` ms, fetch `url` unless the socket has
 *   heard from the server lately (its pings, and its `health` events saying whether
 *   Redis answers, tell more cheaply); 'live' then needs a server that answers, and
 *   onBeat(beats, isLive) runs after each beat.
 *
 * "live" needs a connected socket that has delivered a snapshot. A closed socket turns
 * the state to "reconnecting" at once; a server that loses Redis says so on the socket
 * at once; a server that hangs silently misses its pings and is caught within about
 * 20 s (engine.io's ping interval and timeout). One link per page: a second call throws.
 */
export function watch(room, options) {
  if (opened) throw new Error('live.js: one live link per page');
  opened = new LiveLink(room, options);
  return opened;
}

class LiveLink {
  constructor(room, { onSnapshot, onState = () => {}, gate = new SnapshotGate(), socket = {},
                      liveOnConnect = false, health = null, onTeams = () => {},
                      events = {} }) {
    this.room = room;
    this.onSnapshot = onSnapshot;
    this.onTeams = onTeams;
    this.onState = onState;
    this.events = events;
    this.gate = gate;
    this.liveOnConnect = liveOnConnect;
    this.health = health ? { every: 2_500, ...health } : null;
    this.state = 'connecting';
    this.socket = null;
    this.watching = false;
    this.healthy = true;
    this.lastSocket = Date.now();
    this.beats = 0;
    import(SOCKET_CLIENT).then(({ io }) => this.open(io('/live', socket)), () => this.update());
    if (this.health) {
      this.beat = this.beat.bind(this);
      setTimeout(this.beat, this.health.every);
    }
  }

  open(socket) {
    this.socket = socket;
    socket.on('connect', () => {
      this.lastSocket = Date.now();
      socket.emit('watch', this.room);
      if (this.liveOnConnect) {
        this.watching = true;
        this.update();
      }
    });
    socket.on('snapshot', (snap) => {
      if (!this.ours(snap)) return;
      this.lastSocket = Date.now();
      this.watching = true;
      this.healthy = true;
      this.update();
      this.offer(snap);
    });
    socket.on('teams', (message) => {
      if (this.ours(message)) this.onTeams(message);
    });
    socket.on('health', (state) => {
      // The server says Redis went away or came back (no /healthz poll needed).
      this.lastSocket = Date.now();
      const up = Boolean(state && state.redis);
      const back = up && !this.healthy;
      this.healthy = up;
      if (back) socket.emit('watch', this.room);  // a fresh snapshot after the outage
      this.update();
    });
    socket.on('disconnect', () => this.lost());
    socket.on('connect_error', () => this.lost());
    socket.io.on('ping', () => { this.lastSocket = Date.now(); });
    for (const [name, handler] of Object.entries(this.events)) socket.on(name, handler);
  }

  /** Emit one of the page's own events, if the socket is connected (else drop it). */
  emit(name, data) {
    if (this.connected) this.socket.emit(name, data);
  }

  /** A snapshot of another room than the one watched is not ours. */
  ours(snap) {
    return Object.entries(this.room).every(([key, id]) => !(snap && snap[key] && snap[key] !== id));
  }

  /** Pass a snapshot through the gate (from the socket, or one the page fetched). */
  offer(snap) {
    const verdict = this.gate.accept(snap);
    if (verdict !== 'drop') this.onSnapshot(snap, verdict);
    return verdict;
  }

  get connected() {
    return Boolean(this.socket && this.socket.connected);
  }

  isLive() {
    return this.watching && this.healthy && this.connected;
  }

  lost() {
    this.watching = false;
    this.update();
  }

  update() {
    const state = this.isLive() ? 'live' : 'reconnecting';
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  /** A connected socket heard from lately: its pings say the server lives, and the
   * server's `health` events say whether Redis does. */
  get heard() {
    return this.connected && Date.now() - this.lastSocket <= SOCKET_SILENCE_MS;
  }

  async beat() {
    const { url, every, onBeat } = this.health;
    this.beats += 1;
    if (!this.heard) {
      // No socket to tell us: ask the server over HTTP.
      try {
        const resp = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(every - 300) });
        this.healthy = resp.ok;
      } catch {
        this.healthy = false;
      }
    }
    const socket = this.socket;
    if (socket && socket.connected && Date.now() - this.lastSocket > SOCKET_SILENCE_MS) {
      // A socket that neither pings nor sends is dead even if the server answers HTTP.
      socket.disconnect();
      this.lost();
      socket.connect();
    }
    this.update();
    if (onBeat) {
      try {
        await onBeat(this.beats, this.isLive());
      } catch {
        // The page's fallback is best effort; the state already says what we know.
      }
    }
    setTimeout(this.beat, every);
  }
}
