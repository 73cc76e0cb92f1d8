// Case cards (issue 11): who the cases are, what to write and to whom, next to the +1.
// The texts come in the page (<script type="application/json" id="cases-data">), so the
// cards open offline; every text is set as textContent. "+1 ... for this case" dispatches
// a cancelable `case-log` {case_id, kind} on document: the logging page queues it and
// calls preventDefault(), which tells the card to confirm.
'use strict';

import { counted, fill, node } from './dom.js';

function tagged(el, testid, extra = {}) {
  el.dataset.testid = testid;
  Object.assign(el.dataset, extra);
  return el;
}

const para = (className, text) => node('p', {className, textContent: text});

function lines(list) {
  const box = node('p', {className: 'address-lines'});
  list.forEach((line, i) => box.append(...(i ? [node('br'), line] : [line])));
  return box;
}

export function letterText(letter) {
  return [letter.salutation, letter.body, letter.closing].join('\n\n');
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Venue wifi often serves the app over plain http, where the clipboard API is absent.
  const area = node('textarea', {className: 'copy-buffer', readOnly: true, value: text});
  document.body.append(area);
  area.select();
  const done = document.execCommand('copy');
  area.remove();
  if (!done) throw new Error('copy refused');
}

export function mountCaseCards(container, {cards, labels: L}) {
  const cases = cards.cases;
  const list = node('ul', {className: 'case-list'});
  const view = tagged(node('article', {className: 'case-card', hidden: true, tabIndex: -1,
    lang: cards.lang}), 'case-card');
  let current = -1;

  cases.forEach((card, i) => {
    const button = tagged(node('button', {type: 'button', className: 'case-open'},
      node('span', {className: 'case-name', textContent: card.name}),
      node('span', {className: 'case-country', textContent: card.country_name})),
    'case-open', {case: card.id});
    button.addEventListener('click', () => open(i));
    list.append(node('li', {}, button));
  });
  container.append(list, view);
  container.dataset.ready = 'true';

  function logButton(card, kind, label) {
    const status = node('p', {className: 'case-logged', role: 'status'});
    const button = tagged(node('button', {type: 'button', textContent: label}),
      `case-log-${kind}`);
    button.addEventListener('click', () => {
      const event = new CustomEvent('case-log', {detail: {case_id: card.id, kind},
        cancelable: true});
      status.textContent = document.dispatchEvent(event) ? '' : fill(L.logged, {name: card.name});
    });
    return node('div', {className: 'case-log-row'}, button, status);
  }

  function letterPart(card) {
    const {letter} = card;
    const status = node('p', {className: 'copy-status', role: 'status'});
    const copy = tagged(node('button', {type: 'button', textContent: L.copy}), 'copy-letter');
    copy.addEventListener('click', () => copyText(letterText(letter)).then(
      () => { status.textContent = L.copied; }, () => { status.textContent = L.copy_failed; }));
    return tagged(node('details', {className: 'case-part'},
      node('summary', {textContent: L.write_letter}),
      tagged(node('div', {className: 'safety'}, node('h4', {textContent: L.safety}),
        node('ul', {}, ...cards.safety.map((n) => node('li', {textContent: n})))), 'safety'),
      node('h4', {textContent: L.write_to}),
      tagged(node('div', {className: 'addressee'},
        para('addressee-name', letter.addressee.name),
        para('addressee-title', letter.addressee.title),
        lines(letter.addressee.address)), 'addressee'),
      card.postage ? node('p', {className: 'postage'},
        node('strong', {textContent: `${L.postage} · `}), card.postage) : null,
      node('h4', {textContent: L.model}),
      tagged(node('div', {className: 'model-letter'}, para('salutation', letter.salutation),
        ...letter.body.split('\n\n').map((p) => para('body', p)),
        para('closing', letter.closing)), 'model-letter'),
      node('div', {className: 'copy-row'}, copy, status),
      logButton(card, 'letter', L.log_letter)), 'case-letter');
  }

  function solidarityPart(card) {
    const {solidarity} = card;
    return tagged(node('details', {className: 'case-part'},
      node('summary', {textContent: L.write_card}),
      node('h4', {textContent: L.send_to}), lines(solidarity.address),
      node('h4', {textContent: L.examples}),
      node('ul', {className: 'examples'},
        ...solidarity.examples.map((m) => node('li', {textContent: m}))),
      logButton(card, 'card', L.log_card)), 'case-solidarity');
  }

  function navButton(text, label, to, disabled) {
    const button = node('button', {type: 'button', className: 'secondary', textContent: text,
      disabled});
    if (label) button.setAttribute('aria-label', label);
    button.addEventListener('click', to);
    return button;
  }

  function render(card, i) {
    const nav = node('nav', {className: 'case-nav'},
      tagged(navButton(`← ${L.back}`, '', close, false), 'case-back'),
      node('span', {className: 'case-of', textContent: fill(L.of, {n: i + 1, total: cases.length})}),
      navButton('‹', L.previous, () => open(i - 1), i === 0),
      navButton('›', L.next, () => open(i + 1), i === cases.length - 1));
    view.replaceChildren(
      nav,
      node('h3', {className: 'case-title', textContent: card.name}),
      para('case-country', card.country_name),
      cards.example ? para('example-mark', L.example) : null,
      tagged(para('presentation', card.presentation || card.summary), 'presentation'),
      card.ask ? node('p', {className: 'ask'}, node('strong', {textContent: `${L.ask} `}),
        card.ask) : null,
      card.goal ? tagged(para('goal', fill(counted(L.goal, card.goal), {n: card.goal})), 'case-goal') : null,
      card.letter ? letterPart(card) : null,
      card.solidarity ? solidarityPart(card) : null,
      card.letter ? null : logButton(card, 'letter', L.log_letter));
    view.dataset.case = card.id;
  }

  function open(i) {
    if (i < 0 || i >= cases.length) return;
    current = i;
    render(cases[i], i);
    list.hidden = true;
    view.hidden = false;
    view.focus({preventScroll: true});
    view.scrollIntoView({block: 'start'});
  }

  function close() {
    const id = view.dataset.case;
    current = -1;
    view.hidden = true;
    list.hidden = false;
    list.querySelector(`[data-case="${CSS.escape(id || '')}"]`)?.focus();
  }

  // Swipe left or right on a card for the next or previous case.
  let touch = null;
  view.addEventListener('touchstart', (e) => {
    touch = e.touches.length === 1 ? {x: e.touches[0].clientX, y: e.touches[0].clientY} : null;
  }, {passive: true});
  view.addEventListener('touchend', (e) => {
    if (!touch || current < 0) return;
    const dx = e.changedTouches[0].clientX - touch.x;
    const dy = e.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) open(current + (dx < 0 ? 1 : -1));
  }, {passive: true});

  return {open: (id) => open(cases.findIndex((c) => c.id === id)), close};
}

const source = document.getElementById('cases-data');
const container = document.getElementById('case-cards');
if (source && container) {
  const data = JSON.parse(source.textContent);
  const cards = mountCaseCards(container, data);
  // The log page's case picker offers to read the chosen case's card.
  const picker = document.querySelector('select[data-testid="case"]');
  if (picker) {
    const link = tagged(node('button', {type: 'button', className: 'case-read',
      textContent: data.labels.open, hidden: !picker.value}), 'case-read');
    link.addEventListener('click', () => cards.open(picker.value));
    picker.addEventListener('change', () => { link.hidden = !picker.value; });
    picker.after(link);
  }
}
