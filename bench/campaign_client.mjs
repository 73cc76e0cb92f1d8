// Campaign load client: N marathons × (1 screen + k phones) on P server processes.
//
//     node bench/campaign_client.mjs plan.json
//
// Run it from the repository root so that node finds node_modules/socket.io-client.
// `bench/campaign.py` writes the plan and starts it; the plan is
//     {"servers": ["http://127.0.0.1:PORT", ...], "marathons": N, "phones": k,
//      "rate": actions per second, "seconds": S, "warmup": S, "settle": S,
//      "connect_budget": S, "resend_for": S, "zipf": 1.0,
//      "deflate": true, "transports": ["websocket"], "seed": 1}
//
// One process does what a national campaign day's browsers do, imitating the pages'
// own code (static/js/live.js, screen_common.js, screen.js, log.js) as they are now:
//
// - setup: registers N marathons and joins k participants to each through the API;
// - each marathon's screen: one socket on /live that emits `watch` {marathon} on every
//   (re)connect (reconnectionDelay 500, max 2,000, randomization 0.3, timeout 4,000, as
//   screen_common.js asks), GET of the marathon's API at load, then (from a random
//   point of the 10 s cycle: screens load at scattered moments) a heartbeat: GET
//   /healthz (aborted after 2.2 s; "health-pushed", the page now: only when its socket
//   has not been heard from for 25 s, the server's `health` event telling the rest)
//   2.5 s after the previous beat ended, then GET of the
//   marathon's API on every 4th beat while live, and on every beat while not live
//   (healthz failed, socket down or no snapshot yet). A socket silent for 25 s (no
//   snapshot, no ping) is closed and reopened, as live.js does;
// - each phone: one socket on /live watching its marathon (reconnectionDelayMax 10,000,
//   as log.js asks); no polling (log.js only probes /healthz while it holds unsent
//   actions after a network failure); it posts its actions with its participant token,
//   and on a network failure, a 5xx or a 429 resends the same client_id after a jittered
//   backoff (1 s, 2 s, 4 s, ...), as the phone's queue does, until the run ends;
// - actions at `rate` per second, the marathon drawn from a Zipf law (the first marathons
//   are the big ones), the phone uniformly within it;
// - sockets (and each socket's HTTP: the screen's polls, the phone's posts) go to the
//   servers in turn, as sticky sessions would spread them.
//
// When one process may not open every socket (its open-files limit), `helper_phones`
// of each marathon's phones are held by a helper: this script again, with a plan
// {"helper": true, "ids": [marathon ids], "phones": helper_phones, "servers", ...};
// it says "ready", then on any line on stdin closes its sockets and says "result".
//
// Output, one JSON object a line on stdout:
//   {"event": "setup", ...}    marathons registered, participants joined;
//   {"event": "ready", ...}    every socket watches (or gave up, or the plan's
//                              connect_budget ran out); then waits for "go";
//   {"event": "driven", ...}   the last action was answered (or abandoned);
//   {"event": "settled", ...}  the last snapshots had time to arrive; sockets and polls
//                              stop, then every marathon's total is checked;
//   {"event": "result", ...}   the figures (the last line).
//
// Delay (ack → screen): for each snapshot a screen's socket receives, every acknowledged
// seq of its marathon in (the screen's previous seq, the snapshot's seq] gets receive
// time − acknowledgement time (0 when the snapshot beat the answer back); the same for
// phones. Times are performance.now(), one clock; pairs are matched after the run.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io } from "socket.io-client";

const SETUP_IN_FLIGHT = 32;
const CONNECTING_AT_ONCE = 50; // more makes the servers' accept queues the figure
const POSTS_IN_FLIGHT = 256; // a phone's queue sends one at a time; phones are many
const WATCH_TIMEOUT_MS = 15_000; // a socket still trying then goes on trying unawaited
const MAX_BIN_MS = 120_000;
// screen_common.js and live.js
const HEARTBEAT_MS = 2_500;
const HEALTH_TIMEOUT_MS = HEARTBEAT_MS - 300;
const POLL_EVERY_BEATS = 4;
const SOCKET_SILENCE_MS = 25_000;
const SCREEN_SOCKET = { reconnectionDelay: 500, reconnectionDelayMax: 2_000,
                        randomizationFactor: 0.3, timeout: 4_000 };
// log.js
const PHONE_SOCKET = { reconnectionDelayMax: 10_000 };
const SEND_TIMEOUT_MS = 15_000;
const BACKOFF_MAX_MS = 30_000;
const KINDS = ["letter", "card", "email", "petition", "post"];

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const servers = plan.servers;

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A small seeded generator (mulberry32): the same plan draws the same actions.
let seed = (plan.seed ?? 1) >>> 0;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A latency histogram in 1 ms bins. */
class Hist {
  constructor() { this.bins = new Float64Array(MAX_BIN_MS + 1); this.n = 0; }
  add(ms) { this.bins[Math.min(MAX_BIN_MS, Math.max(0, Math.round(ms)))] += 1; this.n += 1; }
  q(p) {
    if (!this.n) return null;
    const want = p * this.n;
    let seen = 0;
    for (let ms = 0; ms < this.bins.length; ms++) {
      seen += this.bins[ms];
      if (seen >= want) return ms;
    }
    return MAX_BIN_MS;
  }
  summary() { return { n: this.n, p50: this.q(0.5), p99: this.q(0.99), max: this.q(1) }; }
}

// Every error the run met, by what was being done.
const errors = {
  setup: 0, connect_error: 0, watch_timeout: 0, server_error_event: 0, disconnects: 0,
  reconnects: 0, silent_socket_reopened: 0,
  post_network: 0, post_status: {}, healthz_network: 0, healthz_status: {},
  api_network: 0, api_status: {},
};
const requests = { healthz: 0, api: 0, post: 0 };
const latency = { post: new Hist(), healthz: new Hist(), api: new Hist() };

function countStatus(table, status) {
  table[status] = (table[status] || 0) + 1;
}

let stopping = false; // set when the run ends: polls and resends stop
const kept = []; // actions never acknowledged during the run: sent again after it

// ------------------------------------------------------------------ setup

async function pool(n, inFlight, fn) {
  let next = 0;
  async function lane() {
    while (next < n) await fn(next++);
  }
  await Promise.all(Array.from({ length: Math.min(n, inFlight) }, lane));
}

async function api(url, method, body, headers = {}) {
  const r = await fetch(url, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...headers },
    signal: AbortSignal.timeout(30_000),
  });
  const answer = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(answer)}`);
  return answer;
}

function registration(i) {
  const starts = new Date(Date.now() - 3_600_000);
  starts.setMilliseconds(0);
  return {
    group: { name: `Campaign group ${i}`, type: "school", city: "Lyon",
             region: "Auvergne-Rhône-Alpes", country: "FR" },
    edition_id: "example", title: `Campaign marathon ${i}`,
    starts_at: starts.toISOString().replace(".000Z", "+00:00"), timezone: "UTC",
    duration_hours: 24, goal: 1000,
  };
}

let socketTurn = 0;
function nextServer() {
  return servers[socketTurn++ % servers.length];
}

async function setup() {
  const editions = await api(`${servers[0]}/api/v1/editions`, "GET");
  const cases = editions.editions.find((e) => e.id === "example").cases.map((c) => c.id);
  const marathons = [];
  await pool(plan.marathons, SETUP_IN_FLIGHT, async (i) => {
    const reg = await api(`${servers[i % servers.length]}/api/v1/marathons`, "POST",
                          registration(i));
    marathons[i] = { index: i, id: reg.id, code: reg.join_code, tokens: [],
                     acks: [], counted: 0, screen: null, phones: [] };
  });
  await pool(plan.marathons * plan.phones, SETUP_IN_FLIGHT, async (j) => {
    const m = marathons[Math.floor(j / plan.phones)];
    const p = j % plan.phones;
    const joined = await api(`${servers[j % servers.length]}/api/v1/join`, "POST",
                             { code: m.code, nickname: `writer ${p}`, on_board: true });
    m.tokens[p] = joined.token;
  });
  return { marathons, cases };
}

// ------------------------------------------------------------------ sockets

/** One socket on /live watching one marathon, keeping (time, seq) of every snapshot. */
class Watcher {
  constructor(m, server, options, measureBytes) {
    this.m = m;
    this.server = server;
    this.options = options;
    this.got = []; // flat: time, seq, time, seq, ...
    this.sizes = measureBytes ? [] : null;
    this.socket = null;
    this.watching = false;
    this.lastSocket = performance.now();
    this.extensions = null;
  }

  get connected() {
    return Boolean(this.socket && this.socket.connected);
  }

  /** Connect and watch; resolve true at the first snapshot (reconnections go on). */
  start() {
    return new Promise((resolve) => {
      const socket = io(this.server + "/live", {
        transports: plan.transports ?? ["websocket"], forceNew: true,
        perMessageDeflate: plan.deflate === false ? false : { threshold: 1024 },
        ...this.options,
      });
      this.socket = socket;
      let done = false;
      const finish = (ok) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => { errors.watch_timeout += 1; finish(false); },
                               WATCH_TIMEOUT_MS);
      socket.on("connect", () => {
        this.lastSocket = performance.now();
        this.extensions ??= socket.io.engine?.transport?.ws?.extensions ?? "";
        // Since issue 17 a phone watches its phone-sized room ("every-4th" replays the
        // pages before it: phones in the screen's room).
        const phone = !(this instanceof Screen) && plan.page !== "every-4th";
        socket.emit("watch", phone ? { marathon: this.m.id, view: "phone" }
                                   : { marathon: this.m.id });
      });
      socket.on("snapshot", (snap) => {
        if (snap.marathon && snap.marathon !== this.m.id) return;
        this.lastSocket = performance.now();
        this.watching = true;
        this.got.push(this.lastSocket, snap.seq);
        if (this.sizes) this.sizes.push(Buffer.byteLength(JSON.stringify(snap)));
        finish(true);
      });
      socket.on("error", () => { errors.server_error_event += 1; });
      socket.on("connect_error", () => { errors.connect_error += 1; this.watching = false; });
      socket.on("disconnect", () => {
        this.watching = false;
        if (!stopping) errors.disconnects += 1;
      });
      socket.io.on("reconnect", () => { errors.reconnects += 1; });
      socket.io.on("ping", () => { this.lastSocket = performance.now(); });
    });
  }

  close() {
    this.socket?.close();
  }
}

/** The projected screen's heartbeat and fallback poll (live.js + screen.js). */
class Screen extends Watcher {
  constructor(m, server) {
    super(m, server, SCREEN_SOCKET, true);
    this.healthy = true;
    this.beats = 0;
    this.timer = null;
  }

  isLive() {
    return this.watching && this.healthy && this.connected;
  }

  /** Start the page: the first API read at once, then the heartbeat.
   *
   * The page beats 2.5 s after it loads and reads the API on every 4th beat; real
   * screens load at scattered moments, so each one here starts at a random point of
   * that 10 s cycle. Loaded all at once, they would poll in lumps no hall produces. */
  load() {
    this.poll(0, false);
    this.beats = Math.floor(random() * POLL_EVERY_BEATS);
    this.timer = setTimeout(() => this.beat(), random() * HEARTBEAT_MS);
  }

  async poll(beat, live) {
    // screen.js since issue 17: no API read while live (the snapshot's options_version
    // says when to read; the bench makes no edits). "every-4th": the page before it.
    if (live && (plan.page !== "every-4th" || beat % POLL_EVERY_BEATS !== 0)) return;
    requests.api += 1;
    const t0 = performance.now();
    try {
      const r = await fetch(`${this.server}/api/v1/marathons/${this.m.id}`,
                            { signal: AbortSignal.timeout(30_000) });
      await r.arrayBuffer();
      latency.api.add(performance.now() - t0);
      if (!r.ok) countStatus(errors.api_status, r.status);
    } catch {
      errors.api_network += 1;
    }
  }

  /** live.js since the `health` event: a socket heard from lately needs no /healthz. */
  get heard() {
    return this.connected && performance.now() - this.lastSocket <= SOCKET_SILENCE_MS;
  }

  async beat() {
    if (stopping) return;
    this.beats += 1;
    if (plan.page !== "health-pushed" || !this.heard) await this.askHealth();
    const socket = this.socket;
    if (socket && socket.connected && performance.now() - this.lastSocket > SOCKET_SILENCE_MS) {
      errors.silent_socket_reopened += 1;
      socket.disconnect();
      this.watching = false;
      socket.connect();
    }
    if (stopping) return;
    await this.poll(this.beats, this.isLive());
    if (!stopping) this.timer = setTimeout(() => this.beat(), HEARTBEAT_MS);
  }

  async askHealth() {
    requests.healthz += 1;
    const t0 = performance.now();
    try {
      const r = await fetch(`${this.server}/healthz`,
                            { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      await r.arrayBuffer();
      latency.healthz.add(performance.now() - t0);
      this.healthy = r.ok;
      if (!r.ok) countStatus(errors.healthz_status, r.status);
    } catch {
      errors.healthz_network += 1;
      this.healthy = false;
    }
  }

  close() {
    clearTimeout(this.timer);
    super.close();
  }
}

async function connectAll(marathons) {
  const all = [];
  for (const m of marathons) {
    m.screen = new Screen(m, nextServer());
    all.push(m.screen);
    // The last `helper_phones` of each marathon's phones are another process's sockets.
    for (let p = 0; p < plan.phones - (plan.helper_phones ?? 0); p++) {
      const phone = new Watcher(m, nextServer(), PHONE_SOCKET, p === 0);
      phone.token = m.tokens[p];
      m.phones.push(phone);
      all.push(phone);
    }
  }
  return { all, ok: await connectWatchers(all) };
}

/** Start every watcher, CONNECTING_AT_ONCE at a time; return how many watched in time.
 *
 * An overloaded box connects ever more slowly; past the budget the actions start
 * anyway while the last sockets go on connecting (`connected_at_start` says how many
 * watched by then, `sockets_connected` how many ever did). */
async function connectWatchers(all) {
  let ok = 0;
  const connecting = pool(all.length, CONNECTING_AT_ONCE, async (i) => {
    const w = all[i];
    const started = w.start();
    if (w instanceof Screen) w.load(); // the page polls from the moment it loads
    if (await started) ok += 1;
  });
  let timer;
  const budget = new Promise((resolve) => {
    timer = setTimeout(resolve, (plan.connect_budget ?? 600) * 1000);
  });
  await Promise.race([connecting, budget]);
  clearTimeout(timer);
  return ok;
}

/** Wait for the driver's next line on stdin ("go", "stop"). */
async function nextLine() {
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once("line", resolve));
  lines.close();
}

/** The helper: a second load process holding more phones' sockets than one process may
 * open (its open-files limit), watching the marathons the main client registered
 * (plan.ids), `plan.phones` each. It measures nothing but whether they watch. */
async function helper() {
  const all = [];
  for (const [index, id] of plan.ids.entries()) {
    const m = { index, id, phones: [] };
    for (let p = 0; p < plan.phones; p++) {
      all.push(new Watcher(m, nextServer(), PHONE_SOCKET, false));
    }
  }
  const started = performance.now();
  const ok = await connectWatchers(all);
  say({ event: "ready", sockets: all.length, connected: ok,
        connect_seconds: +((performance.now() - started) / 1000).toFixed(1) });
  await nextLine();
  stopping = true;
  for (const w of all) w.close();
  say({ event: "result", sockets: all.length, connected_at_start: ok,
        sockets_connected: all.filter((w) => w.got.length).length, errors });
  process.exit(0);
}

// ------------------------------------------------------------------ the actions

function zipfTable(n, s) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** s;
    cumulative[r] = sum;
  }
  for (let r = 0; r < n; r++) cumulative[r] /= sum;
  return cumulative;
}

function draw(cumulative) {
  const x = random();
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Post `rate` actions a second for `seconds`, each resent like the phone's queue does. */
async function drive(marathons, cases) {
  const total = Math.round(plan.rate * plan.seconds);
  const cumulative = zipfTable(marathons.length, plan.zipf ?? 1.0);
  const outcome = { acked: 0, abandoned: 0, resent: 0, replayed: 0 };
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();
  const deadline = start + plan.seconds * 1000 + (plan.resend_for ?? 10) * 1000;

  async function post(m, phone, body) {
    let attempt = 0;
    for (;;) {
      requests.post += 1;
      const t0 = performance.now();
      let status = 0;
      let answer = null;
      try {
        const r = await postAction(m, phone, body);
        status = r.status;
        answer = await r.json().catch(() => null);
        latency.post.add(performance.now() - t0);
      } catch {
        errors.post_network += 1;
      }
      if ((status === 200 || status === 201) && answer && Number.isInteger(answer.seq)) {
        // 200: a resend of an action the server had counted (its answer was lost).
        if (status === 200) outcome.replayed += 1;
        m.acks.push([answer.seq, performance.now()]);
        m.counted += body.count;
        outcome.acked += 1;
        return;
      }
      if (status) countStatus(errors.post_status, status);
      const retry = status === 0 || status === 408 || status === 429 || status >= 500;
      attempt += 1;
      const ceiling = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** (attempt - 1));
      const wait = ceiling / 2 + random() * ceiling / 2;
      if (!retry || stopping || performance.now() + wait > deadline) {
        outcome.abandoned += 1;
        // The phone's queue keeps what it could not get acknowledged and sends it again
        // later with the same client_id (see `sendKept`); a refusal (4xx) it drops.
        if (retry) kept.push({ m, phone, body });
        return;
      }
      outcome.resent += 1;
      await sleep(wait);
    }
  }

  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) * plan.rate / 1000) + 1);
      while (sent < due && inFlight < POSTS_IN_FLIGHT) {
        const m = marathons[draw(cumulative)];
        const phone = m.phones[Math.floor(random() * m.phones.length)];
        // Mostly one letter; now and then a table's paper stack entered at once.
        const count = random() < 0.9 ? 1 : 2 + Math.floor(random() * 9);
        const body = {
          client_id: crypto.randomUUID(), kind: KINDS[Math.floor(random() * KINDS.length)],
          case_id: cases[Math.floor(random() * cases.length)], count,
          written_at: new Date().toISOString(),
        };
        inFlight += 1;
        sent += 1;
        post(m, phone, body).finally(() => {
          inFlight -= 1;
          if (sent === total && inFlight === 0) resolve();
        });
      }
      if (sent < total) setTimeout(tick, 2);
    };
    tick();
  });
  return { ...outcome, sent, start, end: performance.now() };
}

// ------------------------------------------------------------------ the figures

/** Add ack → snapshot delays of one socket to `hist`; return the acks it never saw. */
function delays(acks, watcher, hist) {
  if (!watcher.got.length) return acks.length;
  let i = 0;
  let best = -1;
  for (let k = 0; k < watcher.got.length; k += 2) {
    const t = watcher.got[k];
    const seq = watcher.got[k + 1];
    if (seq <= best) continue; // the gate drops an older snapshot
    best = seq;
    while (i < acks.length && acks[i][0] <= seq) {
      hist.add(t - acks[i][1]);
      i += 1;
    }
  }
  return acks.length - i;
}

function lateMs(ns) {
  return +Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS).toFixed(1);
}

function mean(list) {
  return list.length ? Math.round(list.reduce((a, b) => a + b, 0) / list.length) : null;
}

/** GET every marathon and compare its total with what was acknowledged as counted. */
/** POST one action with its phone's token (a timeout makes it a network error). */
function postAction(m, phone, body) {
  return fetch(`${phone.server}/api/v1/marathons/${m.id}/actions`, {
    method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json",
               Authorization: `Bearer ${phone.token}` },
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
}

/** Send again, as the phone's queue does once the network is back, every action that
 * was never acknowledged: the same client_id, so one the server counted answers 200
 * (a replay) and is not counted twice. */
async function sendKept() {
  const late = { kept: kept.length, counted: 0, replayed: 0, still_unacknowledged: 0 };
  await pool(kept.length, 8, async (i) => {
    const { m, phone, body } = kept[i];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      try {
        const r = await postAction(m, phone, body);
        if (r.status === 200 || r.status === 201) {
          late[r.status === 200 ? "replayed" : "counted"] += 1;
          m.counted += body.count;
          return;
        }
        if (r.status < 500 && r.status !== 408 && r.status !== 429) break;
      } catch { /* the network again: wait and retry */ }
      await sleep(1000);
    }
    late.still_unacknowledged += 1;
  });
  return late;
}

async function exactness(marathons) {
  const wrong = [];
  let checked = 0;
  await pool(marathons.length, 16, async (i) => {
    const m = marathons[i];
    for (let attempt = 1; ; attempt += 1) {
      try {
        const url = `${servers[i % servers.length]}/api/v1/marathons/${m.id}`;
        const body = await api(url, "GET");
        checked += 1;
        const total = body.snapshot?.total;
        if (total !== m.counted) wrong.push({ marathon: m.id, total, acknowledged: m.counted });
        return;
      } catch (exc) {  // a loaded box may time a read out: ask again before calling it wrong
        if (attempt >= 3) {
          wrong.push({ marathon: m.id, error: String(exc).slice(0, 200) });
          return;
        }
        await sleep(1000);
      }
    }
  });
  // `unread`: totals the check could not read (a timeout, a refused connection), told
  // apart from totals read and found different.
  const unread = wrong.filter((w) => w.error).length;
  return { checked, wrong: wrong.length - unread, unread,
           exact: wrong.length === 0 && checked === marathons.length,
           examples: [...wrong.filter((w) => !w.error), ...wrong.filter((w) => w.error)]
             .slice(0, 5) };
}

// ------------------------------------------------------------------ the run

if (plan.helper) await helper();

const t0 = performance.now();
let marathons;
let cases;
try {
  ({ marathons, cases } = await setup());
} catch (exc) {
  errors.setup += 1;
  say({ event: "failed", stage: "setup", error: String(exc).slice(0, 500) });
  process.exit(1);
}
say({ event: "setup", marathons: marathons.length, participants: marathons.length * plan.phones,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      ...(plan.helper_phones ? { ids: marathons.map((m) => m.id) } : {}) });

const connectStart = performance.now();
const { all, ok } = await connectAll(marathons);
const connectSeconds = (performance.now() - connectStart) / 1000;
say({ event: "ready", sockets: all.length, connected: ok,
      connect_seconds: +connectSeconds.toFixed(1) });
await sleep((plan.warmup ?? 3) * 1000); // the polls settle into their rhythm

await nextLine();

const LAG_RESOLUTION_MS = 10;
const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
lag.enable();
const requestsBefore = { ...requests };
const run = await drive(marathons, cases);
const requestsDuring = Object.fromEntries(
  Object.entries(requests).map(([k, v]) => [k, v - requestsBefore[k]]));
lag.disable();
const seconds = (run.end - run.start) / 1000;
say({ event: "driven", seconds: +seconds.toFixed(2), acked: run.acked,
      requests: requestsDuring });
await sleep((plan.settle ?? 3) * 1000); // the last snapshots
stopping = true;
say({ event: "settled" });
for (const w of all) w.close();

const screenHist = new Hist();
const phoneHist = new Hist();
let screenMissed = 0;
let phoneMissed = 0;
for (const m of marathons) {
  m.acks.sort((a, b) => a[0] - b[0]);
  screenMissed += delays(m.acks, m.screen, screenHist);
  for (const p of m.phones) phoneMissed += delays(m.acks, p, phoneHist);
}
const screenSizes = marathons.flatMap((m) => m.screen.sizes);
const phoneSizes = marathons.flatMap((m) => m.phones[0]?.sizes ?? []);
const screenMsgs = marathons.reduce((a, m) => a + m.screen.got.length / 2, 0);
const biggest = marathons.slice(0, 3).map((m) => ({ marathon: m.id, acked: m.acks.length,
                                                    total: m.counted }));
const late = await sendKept();
const check = { ...(await exactness(marathons)), sent_again_after_the_run: late };
say({
  event: "result", client: "node", marathons: marathons.length, phones_each: plan.phones,
  sockets: all.length, connected_at_start: ok,
  sockets_connected: all.filter((w) => w.got.length).length,
  connect_seconds: +connectSeconds.toFixed(1),
  servers: servers.length, rate_target: plan.rate,
  rate_achieved: +(run.acked / seconds).toFixed(1), seconds: +seconds.toFixed(2),
  actions: { sent: run.sent, acked: run.acked, abandoned: run.abandoned, resent: run.resent,
             replayed: run.replayed },
  ack_to_screen_ms: { ...screenHist.summary(), missed: screenMissed },
  ack_to_phone_ms: { ...phoneHist.summary(), missed: phoneMissed },
  post_ms: latency.post.summary(), healthz_ms: latency.healthz.summary(),
  api_ms: latency.api.summary(),
  // HTTP requests made while the actions were posted (the window of the Redis figures).
  requests_during_drive: requestsDuring,
  requests_per_s: Object.fromEntries(Object.entries(requestsDuring).map(
    ([k, v]) => [k, +(v / seconds).toFixed(1)])),
  screen_msgs: screenMsgs,
  permessage_deflate: Boolean(marathons[0]?.screen.extensions?.includes("permessage-deflate")),
  bytes_per_msg: { screen: mean(screenSizes), phone: mean(phoneSizes) },
  biggest_marathons: biggest,
  exact: check,
  errors,
  // How late the client's own event loop ran while posting: when it is large, the load
  // generator, not the servers, is what the delays measure.
  client_loop_lag_ms: { p50: lateMs(lag.percentile(50)), p99: lateMs(lag.percentile(99)),
                        max: lateMs(lag.max) },
});
process.exit(0);
