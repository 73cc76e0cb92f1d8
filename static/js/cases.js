// Case cards (issue 11): who the cases are, what to write and to whom, next to the +1.
// The texts come with the page in <script type="application/json" id="cases-data">, so the
// cards open offline. Every text is set with textContent: an edition's texts are data.
// "+1 ... for this case" dispatches a cancelable `case-log` event {case_id, kind} on
// document; the page that logs (log.js) handles it and calls preventDefault() once the
// action is queued, which is how the card knows to confirm it.
'use strict';

function node(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('data-') || name.startsWith('aria-') || name === 'type'
             || name === 'lang' || name === 'id' || name === 'role') el.setAttribute(name, value);
    else el[name] = value;
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function lines(list) {
  const box = node('p', {class: 'address-lines'});
  list.forEach((line, i) => {
    if (i) box.append(node('br'));
    box.append(document.createTextNode(line));
  });
  return box;
}

export function letterText(letter) {
  return [letter.salutation, letter.body, letter.closing].join('\n\n');
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Venue wifi often serves the app over plain http, where the clipboard API is absent.
  const area = node('textarea', {class: 'copy-buffer', readOnly: true, value: text});
  document.body.append(area);
  area.select();
  const done = document.execCommand('copy');
  area.remove();
  if (!done) throw new Error('copy refused');
}

export function mountCaseCards(container, data) {
  const {cards, labels: L} = data;
  const cases = cards.cases;
  const list = node('ul', {class: 'case-list', id: 'case-list'});
  const view = node('article', {class: 'case-card', 'data-testid': 'case-card', hidden: true,
    tabIndex: -1, lang: cards.lang});
  let current = -1;

  cases.forEach((card, i) => {
    const button = node('button', {type: 'button', class: 'case-open', 'data-testid': 'case-open',
      'data-case': card.id},
    node('span', {class: 'case-name', text: card.name}),
    node('span', {class: 'case-country', text: card.country_name}),
    card.summary ? node('span', {class: 'case-summary', text: card.summary}) : null);
    button.addEventListener('click', () => open(i));
    list.append(node('li', {}, button));
  });

  const old = container.querySelector('#case-list');
  if (old) old.replaceWith(list); else container.append(list);
  container.append(view);
  container.dataset.ready = 'true';

  function logButton(card, kind, label) {
    const status = node('p', {class: 'case-logged', role: 'status', 'aria-live': 'polite'});
    const button = node('button', {type: 'button', class: 'case-log big-ish',
      'data-testid': `case-log-${kind}`, 'data-kind': kind, text: label});
    button.addEventListener('click', () => {
      const event = new CustomEvent('case-log', {detail: {case_id: card.id, kind},
        cancelable: true});
      const queued = !document.dispatchEvent(event);
      status.textContent = queued ? fill(L.logged, {name: card.name}) : '';
    });
    return node('div', {class: 'case-log-row'}, button, status);
  }

  function letterPart(card) {
    const {letter} = card;
    const status = node('p', {class: 'copy-status', role: 'status', 'aria-live': 'polite'});
    const copy = node('button', {type: 'button', class: 'copy', 'data-testid': 'copy-letter',
      text: L.copy});
    copy.addEventListener('click', async () => {
      try {
        await copyText(letterText(letter));
        status.textContent = L.copied;
      } catch (error) {
        status.textContent = L.copy_failed;
      }
    });
    const model = node('div', {class: 'model-letter', 'data-testid': 'model-letter'},
      node('p', {class: 'salutation', text: letter.salutation}),
      ...letter.body.split('\n\n').map((para) => node('p', {class: 'body', text: para})),
      node('p', {class: 'closing', text: letter.closing}));
    const safety = node('div', {class: 'safety', 'data-testid': 'safety'},
      node('h4', {text: L.safety}),
      node('ul', {}, ...cards.safety.map((note) => node('li', {text: note}))));
    return node('details', {class: 'case-part', 'data-testid': 'case-letter'},
      node('summary', {text: L.write_letter}),
      safety,
      node('h4', {text: L.write_to}),
      node('div', {class: 'addressee', 'data-testid': 'addressee'},
        node('p', {class: 'addressee-name', text: letter.addressee.name}),
        node('p', {class: 'addressee-title', text: letter.addressee.title}),
        lines(letter.addressee.address)),
      card.postage ? node('p', {class: 'postage'}, node('strong', {text: `${L.postage} · `}),
        document.createTextNode(card.postage)) : null,
      node('h4', {text: L.model}),
      model,
      node('div', {class: 'copy-row'}, copy, status),
      logButton(card, 'letter', L.log_letter));
  }

  function solidarityPart(card) {
    const {solidarity} = card;
    return node('details', {class: 'case-part', 'data-testid': 'case-solidarity'},
      node('summary', {text: L.write_card}),
      node('h4', {text: L.send_to}),
      lines(solidarity.address),
      node('h4', {text: L.examples}),
      node('ul', {class: 'examples'}, ...solidarity.examples.map((m) => node('li', {text: m}))),
      logButton(card, 'card', L.log_card));
  }

  function render(card, i) {
    const nav = node('nav', {class: 'case-nav'});
    const back = node('button', {type: 'button', class: 'secondary', 'data-testid': 'case-back',
      text: `← ${L.back}`});
    back.addEventListener('click', close);
    const prev = node('button', {type: 'button', class: 'secondary', 'aria-label': L.previous,
      text: '‹', disabled: i === 0});
    prev.addEventListener('click', () => open(i - 1));
    const next = node('button', {type: 'button', class: 'secondary', 'aria-label': L.next,
      text: '›', disabled: i === cases.length - 1});
    next.addEventListener('click', () => open(i + 1));
    nav.append(back, node('span', {class: 'case-of', text: fill(L.of, {n: i + 1,
      total: cases.length})}), prev, next);

    view.replaceChildren(
      nav,
      node('h3', {class: 'case-title', text: card.name}),
      node('p', {class: 'case-country', text: card.country_name}),
      cards.example ? node('p', {class: 'example-mark', text: L.example}) : null,
      node('p', {class: 'presentation', 'data-testid': 'presentation',
        text: card.presentation || card.summary}),
      card.ask ? node('p', {class: 'ask'}, node('strong', {text: `${L.ask} `}),
        document.createTextNode(card.ask)) : null,
      card.goal ? node('p', {class: 'goal', 'data-testid': 'case-goal',
        text: fill(L.goal, {n: card.goal})}) : null,
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
    const button = list.querySelector(`[data-case="${CSS.escape(id || '')}"]`);
    if (button) button.focus();
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
  // The log page's case picker opens the chosen case's card.
  const picker = document.querySelector('select[data-testid="case"]');
  if (picker) {
    const link = node('button', {type: 'button', class: 'link case-read',
      'data-testid': 'case-read', text: data.labels.open, hidden: true});
    link.addEventListener('click', () => cards.open(picker.value));
    picker.addEventListener('change', () => { link.hidden = !picker.value; });
    link.hidden = !picker.value;
    picker.insertAdjacentElement('afterend', link);
  }
}
