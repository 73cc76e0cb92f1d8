// The marathon screen's join panel, shown only on the projector link. The link carries
// the screen key in its fragment (never sent in a request); the page shows it to its
// live link (`screen`), which answers with the join code and the current key (`join`)
// on this connection only; the QR code comes from qr.svg with that key (in a header).
// Without the key this is the public screen: no code, no QR code.
'use strict';

import { $, fill, setText } from './dom.js';

const ASK_AGAIN_MS = 5_000;

const keyInAddress = () => new URLSearchParams(location.hash.slice(1)).get('key');

/**
 * The projector's join panel for marathon `mid`: `events` for the live link (empty on
 * the public screen) and `follow(snap)` to call with each snapshot. `emit(name, data)`
 * sends on the live link.
 */
export function projectorJoin({ mid, words, board, emit }) {
  let screenKey = keyInAddress();
  let shown = null;       // the last `join` message: {code, url, qr, key, code_version}
  let refused = false;    // the server said the key is not (or no longer) this marathon's
  let askedAt = 0;        // when the page last asked
  let askedFor = null;    // the code_version it last asked about

  /** Ask the live link for the join code; it answers `join` (or `error` screen_key). */
  function ask() {
    askedAt = Date.now();
    emit('screen', { marathon: mid, key: screenKey });
  }

  /** After each snapshot: the host changed the code (its version moved), or the first
   *  question went unanswered (Redis was away): ask again. The connection that showed
   *  the key is answered even though the key it sends is the old one. */
  function follow(snap) {
    if (!screenKey || refused) return;
    if (shown) {
      if (snap.code_version === undefined || snap.code_version === shown.code_version
          || snap.code_version === askedFor) return;
      askedFor = snap.code_version;
      ask();
    } else if (Date.now() - askedAt > ASK_AGAIN_MS) {
      ask();
    }
  }

  /** Draw the QR code of `info`'s code, unless a newer code came meanwhile. */
  async function drawQr(info) {
    try {
      const resp = await fetch(board.dataset.qr, { cache: 'no-store',
                                                   headers: { 'X-Screen-Key': info.key } });
      if (!resp.ok) return;  // the key changed again: the next `join` brings the new one
      const svg = await resp.text();
      if (shown !== info) return;
      const qr = $('join-qr');
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      qr.dataset.testid = 'join-qr';
      qr.hidden = false;
    } catch {
      // The network is away: the live link asks again when it is back.
    }
  }

  /** The live link brought the join code (this connection gave the screen key). */
  function show(info) {
    if (!info || info.marathon !== mid) return;
    const url = board.dataset.join + info.code;
    shown = info;
    refused = false;
    $('join-qr').alt = fill(words.join_qr, { url });
    drawQr(info);
    const code = $('join-code');
    code.dataset.testid = 'join-code';
    setText(code, info.code);
    setText($('join-url'), url);
    $('join-text').hidden = false;
    $('key-notice').hidden = true;
    $('join').hidden = false;
    board.classList.add('with-join');
    if (info.key !== screenKey) {
      // A new code came with a new key: keep the address working for a reload.
      screenKey = info.key;
      const query = new URLSearchParams(location.hash.slice(1));
      query.set('key', screenKey);
      history.replaceState(history.state, '', `#${query}`);
    }
  }

  /** The key is not (or no longer) this marathon's: show no code, and say why. */
  function refuse(err) {
    if (!err || err.code !== 'screen_key') return;
    shown = null;
    refused = true;
    const qr = $('join-qr');
    qr.hidden = true;
    qr.removeAttribute('src');
    delete qr.dataset.testid;
    delete $('join-code').dataset.testid;
    setText($('join-code'), '');
    $('join-text').hidden = true;
    setText($('key-notice'), words.stale_key);
    $('key-notice').hidden = false;
    $('join').hidden = false;
    board.classList.add('with-join');
  }

  // Another projector link pasted into this tab changes only the fragment: start afresh.
  window.addEventListener('hashchange', () => {
    if (keyInAddress() !== screenKey) location.reload();
  });

  const events = screenKey ? { connect: ask, join: show, error: refuse } : {};
  return { events, follow };
}
