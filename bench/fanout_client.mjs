// Fan-out load client: N Socket.IO clients watch one marathon while actions are posted.
//
//     node bench/fanout_client.mjs plan.json [--handshake]
//
// Run it from the repository root so that node finds node_modules/socket.io-client.
// `bench/fanout.py --client node` writes the plan and starts it; the plan is
//     {"url": "http://127.0.0.1:PORT", "marathon": id, "tokens": [...], "cases": [...],
//      "clients": N, "rate": actions per second, "seconds": S, "settle": S,
//      "deflate": true}
// `deflate` (default true) offers permessage-deflate as browsers do; the server then keeps
// a zlib stream per socket and compresses every snapshot for each one. python-socketio's
// client never offers it, so "deflate": false is the figure to compare with it.
//
// One process holds every client (websocket transport only, one connection each) and
// posts the actions itself with fetch: an event loop costs far less per socket than a
// python-socketio client (two threads each), so on a small machine the figures are the
// server's, not the load generator's.
//
// Output, one JSON object a line on stdout:
//   {"event": "ready", ...}   every client watches (or gave up);
//   {"event": "driven", ...}  the last action was answered;
//   {"event": "result", ...}  the figures (the last line).
// With --handshake it waits for a line on stdin after "ready" before posting, so that
// the caller can read the server's memory with the sockets open first.
//
// Delay: for each snapshot a client receives, every acknowledged seq in (that client's
// previous seq, the snapshot's seq] gets receive time − acknowledgement time (0 when the
// snapshot beat the acknowledgement back). Pairs are matched after the run, so the
// bookkeeping costs nothing while the clock runs; times are performance.now(), one clock.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io } from "socket.io-client";

const CONNECTING_AT_ONCE = 50; // more makes the server's accept queue the figure
const POSTS_IN_FLIGHT = 64; // as many as the server answers; beyond it the rate falls
const WATCH_TIMEOUT_MS = 30_000;
const MAX_BIN_MS = 60_000;

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const handshake = process.argv.includes("--handshake");
const errors = { connect: 0, watch: 0, post: 0, post_status: {} };

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ------------------------------------------------------------------ the watchers

class Watcher {
  constructor(measureBytes) {
    this.got = []; // [receive time ms, seq], flat: time, seq, time, seq, ...
    this.sizes = measureBytes ? [] : null;
    this.socket = null;
    this.extensions = null; // what the server agreed to (the websocket's extensions header)
  }

  /** Connect, watch the marathon and resolve true at the first snapshot. */
  start() {
    return new Promise((resolve) => {
      const socket = io(plan.url + "/live", {
        transports: ["websocket"], reconnection: false, forceNew: true,
        timeout: WATCH_TIMEOUT_MS,
        perMessageDeflate: plan.deflate === false ? false : { threshold: 1024 },
      });
      this.socket = socket;
      const timer = setTimeout(() => finish(false, "watch"), WATCH_TIMEOUT_MS);
      let done = false;
      const finish = (ok, failure) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!ok) {
          errors[failure] += 1;
          socket.close();
        }
        resolve(ok);
      };
      socket.on("snapshot", (data) => {
        this.got.push(performance.now(), data.seq);
        if (this.sizes) this.sizes.push(Buffer.byteLength(JSON.stringify(data)));
        finish(true);
      });
      socket.on("error", () => finish(false, "watch"));
      socket.on("connect_error", () => finish(false, "connect"));
      socket.on("connect", () => {
        this.extensions = socket.io.engine?.transport?.ws?.extensions ?? "";
        socket.emit("watch", { marathon: plan.marathon });
      });
    });
  }
}

async function connectAll(watchers) {
  let next = 0;
  let ok = 0;
  async function lane() {
    while (next < watchers.length) {
      const w = watchers[next++];
      if (await w.start()) ok += 1;
    }
  }
  await Promise.all(Array.from({ length: CONNECTING_AT_ONCE }, lane));
  return ok;
}

// ------------------------------------------------------------------ the driver

/** Post `rate` actions a second for `seconds`; return [seq, ack time] pairs by seq. */
async function drive() {
  const total = Math.round(plan.rate * plan.seconds);
  const acks = [];
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();

  async function post(i) {
    const body = {
      client_id: crypto.randomUUID(), kind: "letter",
      case_id: plan.cases[i % plan.cases.length], count: 1,
      written_at: new Date().toISOString(),
    };
    try {
      const r = await fetch(`${plan.url}/api/v1/marathons/${plan.marathon}/actions`, {
        method: "POST", body: JSON.stringify(body),
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${plan.tokens[i % plan.tokens.length]}`,
        },
        signal: AbortSignal.timeout(10_000),
      });
      const t = performance.now();
      const answer = await r.json().catch(() => null);
      if (r.status === 201 && answer && Number.isInteger(answer.seq)) {
        acks.push([answer.seq, t]);
      } else {
        errors.post_status[r.status] = (errors.post_status[r.status] || 0) + 1;
      }
    } catch {
      errors.post += 1;
    }
  }

  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) * plan.rate / 1000) + 1);
      while (sent < due && inFlight < POSTS_IN_FLIGHT) {
        inFlight += 1;
        post(sent++).finally(() => {
          inFlight -= 1;
          if (sent === total && inFlight === 0) resolve();
        });
      }
      if (sent < total) setTimeout(tick, 2);
    };
    tick();
  });
  const end = performance.now();
  acks.sort((a, b) => a[0] - b[0]);
  return { acks, start, end };
}

// ------------------------------------------------------------------ the figures

/** Histogram (1 ms bins) of ack → first snapshot holding it, and pairs never delivered. */
function delays(acks, watchers) {
  const hist = new Float64Array(MAX_BIN_MS + 1);
  let missed = 0;
  for (const w of watchers) {
    if (!w.got.length) continue;
    let i = 0;
    for (let k = 0; k < w.got.length; k += 2) {
      const t = w.got[k];
      const seq = w.got[k + 1];
      while (i < acks.length && acks[i][0] <= seq) {
        hist[Math.min(MAX_BIN_MS, Math.max(0, Math.round(t - acks[i][1])))] += 1;
        i += 1;
      }
    }
    missed += acks.length - i;
  }
  return { hist, missed };
}

/** How late a sample of the loop-delay histogram (the whole timer interval, ns) ran. */
function lateMs(ns) {
  return +Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS).toFixed(1);
}

function percentile(hist, q) {
  let count = 0;
  for (const n of hist) count += n;
  if (!count) return null;
  const want = q * count;
  let seen = 0;
  for (let ms = 0; ms < hist.length; ms++) {
    seen += hist[ms];
    if (seen >= want) return ms;
  }
  return hist.length - 1;
}

// ------------------------------------------------------------------ the run

const watchers = Array.from({ length: plan.clients }, (_, i) => new Watcher(i === 0));
const connectStart = performance.now();
const connected = await connectAll(watchers);
const connectSeconds = (performance.now() - connectStart) / 1000;
say({ event: "ready", connected, connect_seconds: +connectSeconds.toFixed(1) });

if (handshake) {
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once("line", resolve));
  lines.close();
}

const LAG_RESOLUTION_MS = 10;
const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
lag.enable();
const { acks, start, end } = await drive();
lag.disable();
const seconds = (end - start) / 1000;
say({ event: "driven", seconds: +seconds.toFixed(2), acked: acks.length });
await sleep((plan.settle ?? 1.5) * 1000); // the last snapshots

for (const w of watchers) w.socket?.close();
const { hist, missed } = delays(acks, watchers);
const receiving = watchers.filter((w) => w.got.length);
const windowEnd = end + 300;
let inWindow = 0;
for (const w of receiving) {
  for (let k = 0; k < w.got.length; k += 2) {
    if (w.got[k] >= start && w.got[k] <= windowEnd) inWindow += 1;
  }
}
const sizes = watchers[0].sizes;
const pairs = hist.reduce((a, b) => a + b, 0);
say({
  event: "result", client: "node", clients: plan.clients, clients_connected: connected,
  connect_seconds: +connectSeconds.toFixed(1), rate_target: plan.rate,
  rate_achieved: +(acks.length / seconds).toFixed(1), seconds: +seconds.toFixed(2),
  actions_acked: acks.length,
  delay_ms: {
    p50: percentile(hist, 0.5), p90: percentile(hist, 0.9),
    p99: percentile(hist, 0.99), max: percentile(hist, 1),
  },
  pairs, missed,
  msgs_per_client_s: +(inWindow / Math.max(1, receiving.length) / (seconds + 0.3)).toFixed(2),
  permessage_deflate: Boolean(watchers[0].extensions?.includes("permessage-deflate")),
  bytes_per_msg: sizes.length ? Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length) : null,
  // How late the client's own event loop ran while posting: when it is large, the load
  // generator, not the server, is what the delays measure.
  client_loop_lag_ms: { p50: lateMs(lag.percentile(50)), p99: lateMs(lag.percentile(99)),
                        max: lateMs(lag.max) },
  errors,
});
process.exit(0);
