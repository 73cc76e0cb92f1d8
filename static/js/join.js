// Join page: post the nickname to the API, keep the participant token on this phone,
// and go to the log page. Reopening the join link on the same phone goes straight back.
'use strict';

const page = document.getElementById('join-page');
const mid = page.dataset.marathon;
const logUrl = page.dataset.logUrl;
const key = 'lm:p:' + mid;
const strings = page.querySelector('.hidden-strings').dataset;

function stored() {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch (e) {
    return null;
  }
}

if (stored() && stored().token) {
  location.replace(logUrl);
}

const form = document.getElementById('join-form');
const nickname = document.getElementById('nickname');
const onBoard = document.getElementById('on-board');
const team = document.getElementById('team');  // only when the host made teams
const error = document.getElementById('join-error');
const submit = form.querySelector('button[type=submit]');

function fail(message) {
  error.textContent = message;
  error.hidden = false;
  submit.disabled = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = nickname.value.trim();
  if (!name) {
    nickname.setAttribute('aria-invalid', 'true');
    fail(strings.nicknameRequired);
    nickname.focus();
    return;
  }
  nickname.removeAttribute('aria-invalid');
  error.hidden = true;
  submit.disabled = true;
  const code = form.elements.code.value;
  let resp;
  try {
    resp = await fetch('/api/v1/join', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
      body: JSON.stringify({code: code, nickname: name, on_board: onBoard.checked,
                            team_id: team && team.value ? team.value : null}),
    });
  } catch (e) {
    fail(strings.network);
    return;
  }
  let body = {};
  try {
    body = await resp.json();
  } catch (e) {
    body = {};
  }
  if (!resp.ok) {
    fail((body.error && body.error.message) || strings.network);
    if (body.error && body.error.field === 'nickname') {
      nickname.setAttribute('aria-invalid', 'true');
      nickname.focus();
    }
    return;
  }
  localStorage.setItem('lm:p:' + body.marathon_id, JSON.stringify({
    token: body.token, participant_id: body.participant_id,
    nickname: body.nickname, on_board: body.on_board, team_id: body.team_id || null,
  }));
  location.assign((body.urls && body.urls.log) || logUrl);
});
