// The page: sign up / log in against bank-core, one authenticated WebSocket to this service,
// interactions (with the error toggle), and live account events that update balances.
// Everything user-supplied is written with textContent, never as HTML.
'use strict';

const state = {
  config: null,
  token: null,
  refreshToken: null,
  user: null,
  accounts: new Map(),
  socket: null,
  retry: 0,
  pending: new Map(),
};
const $ = (selector) => document.querySelector(selector);

// ---- money: integer minor units in, formatted text out; never a float for arithmetic ----
function toMinorUnits(text) {
  const match = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
function formatMoney(minor, currency) {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const major = Math.floor(abs / 100).toLocaleString('en');
  return `${sign}${currency} ${major}.${String(abs % 100).padStart(2, '0')}`;
}

// ---- notices and connection status ----
function notify(message, kind = 'error') {
  const notice = $('#notice');
  notice.textContent = message;
  notice.dataset.kind = kind;
  notice.hidden = !message;
}
function setConnection(text, stateName) {
  const pill = $('#connection');
  pill.textContent = text;
  pill.dataset.state = stateName;
}

// ---- bank-core HTTP ----
async function api(path, { method = 'GET', body, auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && state.token) headers.Authorization = `Bearer ${state.token}`;
  if (method === 'POST' && path.startsWith('/api/transactions/')) headers['Idempotency-Key'] = crypto.randomUUID();
  let res;
  try {
    res = await fetch(state.config.bankCoreUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Error('Cannot reach the bank service. Check your connection and try again.');
  }
  if (res.status === 401 && auth && state.refreshToken && (await refreshTokens())) return api(path, { method, body, auth });
  const payload = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(describeError(payload, res.status));
  return payload;
}
function describeError(payload, status) {
  const error = payload && payload.error;
  if (!error) return `The bank service answered ${status}.`;
  const details = Array.isArray(error.details) ? error.details.map((d) => `${d.path.replace(/^body\./, '')}: ${d.message}`).join('; ') : '';
  return details ? `${error.message} (${details})` : error.message;
}
async function refreshTokens() {
  try {
    const res = await fetch(state.config.bankCoreUrl + '/api/users/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: state.refreshToken }),
    });
    if (!res.ok) return false;
    const tokens = await res.json();
    state.token = tokens.token;
    state.refreshToken = tokens.refreshToken;
    return true;
  } catch {
    return false;
  }
}

// ---- auth forms ----
function selectTab(name) {
  for (const tab of ['login', 'signup']) {
    const selected = tab === name;
    const button = $(`#tab-${tab}`);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`#${tab}-form`).hidden = !selected;
  }
}
/** Handles a form's submit: the button is disabled while `work` runs, and a failure becomes the notice. */
function onSubmit(selector, work) {
  $(selector).addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    notify('');
    try {
      await work(form);
    } catch (error) {
      notify(error.message);
    } finally {
      button.disabled = false;
    }
  });
}
async function logIn(email, password) {
  const tokens = await api('/api/users/login', { method: 'POST', body: { email, password }, auth: false });
  state.token = tokens.token;
  state.refreshToken = tokens.refreshToken;
  state.user = await api('/api/users/me');
  $('#auth-panel').hidden = true;
  $('#app-panels').hidden = false;
  $('#who').textContent = `Signed in as ${state.user.name} (${state.user.email})`;
  await loadAccounts();
  connect();
}

// ---- accounts ----
async function loadAccounts() {
  const { items } = await api('/api/accounts');
  state.accounts = new Map(items.filter((a) => a.status === 'open').map((a) => [a.id, a]));
  renderAccounts();
}
function renderAccounts() {
  const list = $('#accounts');
  list.replaceChildren();
  for (const account of state.accounts.values()) {
    const item = document.createElement('li');
    item.dataset.accountId = account.id;
    const label = document.createElement('span');
    label.textContent = `${account.accountNumber}${account.description ? ` · ${account.description}` : ''}`;
    const balance = document.createElement('span');
    balance.className = 'balance';
    balance.dataset.testid = 'balance';
    balance.textContent = formatMoney(account.balance, account.currency);
    item.append(label, balance);
    list.append(item);
  }
  for (const select of document.querySelectorAll('select[name="accountId"], select[name="fromAccountId"]')) {
    const chosen = select.value;
    select.replaceChildren(...[...state.accounts.values()].map((a) => new Option(`${a.accountNumber} (${a.currency})`, a.id)));
    if (chosen) select.value = chosen;
  }
}
function updateBalance(accountId, balance) {
  const account = state.accounts.get(accountId);
  if (!account) return;
  account.balance = balance;
  const node = document.querySelector(`li[data-account-id="${CSS.escape(accountId)}"] .balance`);
  if (!node) return;
  node.textContent = formatMoney(balance, account.currency);
  node.classList.remove('changed');
  void node.offsetWidth; // restart the highlight animation
  node.classList.add('changed');
}

// ---- the WebSocket ----
function connect() {
  const url = new URL(state.config.wsPath, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  setConnection('Connecting…', 'offline');
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', token: state.token })));
  socket.addEventListener('message', (message) => {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    handleFrame(frame);
  });
  socket.addEventListener('close', async (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (!state.token) return setConnection('Not connected', 'offline');
    // 4401: the token expired or the session ended; try a refresh once before giving up.
    if (event.code === 4401 && !(await refreshTokens())) {
      setConnection('Signed out', 'error');
      return notify('Your session has ended. Please log in again.');
    }
    setConnection('Reconnecting…', 'error');
    const delay = Math.min(10_000, 500 * 2 ** state.retry++);
    setTimeout(() => state.token && connect(), delay);
  });
}
function handleFrame(frame) {
  switch (frame.type) {
    case 'auth':
      if (frame.status === 'success') {
        state.retry = 0;
        setConnection('Live', 'online');
      } else {
        setConnection('Not connected', 'error');
        notify(`Could not connect: ${frame.message ?? 'authentication failed'}`);
      }
      break;
    case 'ack': {
      const item = state.pending.get(frame.correlationId);
      if (item) item.querySelector('.status').textContent = ' ✓ delivered';
      state.pending.delete(frame.correlationId);
      break;
    }
    case 'account.transaction':
      showAccountEvent(frame);
      break;
    case 'error': {
      // A message the server refused (quota used up, storage full, invalid) is marked as not delivered.
      const item = frame.correlationId ? state.pending.get(frame.correlationId) : undefined;
      if (item) item.querySelector('.status').textContent = ' ✗ not delivered';
      state.pending.delete(frame.correlationId);
      addMessage(`Error from the server: ${frame.message}`, 'system');
      break;
    }
    case 'session.expired':
      addMessage('Session expired; renewing…', 'system');
      break;
    default:
      break;
  }
}
function showAccountEvent(event) {
  updateBalance(event.accountId, event.balanceAfter);
  const list = $('#events');
  list.querySelector('.empty')?.remove();
  const item = document.createElement('li');
  item.className = event.amount >= 0 ? 'credit' : 'debit';
  item.dataset.testid = 'account-event';
  const who = event.counterparty
    ? `${event.amount >= 0 ? 'from' : 'to'} ${event.counterparty.name} (${event.counterparty.accountNumber})`
    : event.transactionType;
  const time = new Date(event.createdAt).toLocaleTimeString();
  item.textContent =
    `${time} · ${event.accountNumber}: ${formatMoney(event.amount, event.currency)} ${who}` +
    `${event.narration ? ` — ${event.narration}` : ''} · balance ${formatMoney(event.balanceAfter, event.currency)}`;
  list.prepend(item);
}
function addMessage(text, kind) {
  const item = document.createElement('li');
  item.className = kind;
  const body = document.createElement('span');
  body.textContent = text;
  const status = document.createElement('span');
  status.className = 'status muted';
  item.append(body, status);
  $('#messages').append(item);
  item.scrollIntoView({ block: 'nearest' });
  return item;
}

// ---- wiring ----
function wire() {
  $('#tab-login').addEventListener('click', () => selectTab('login'));
  $('#tab-signup').addEventListener('click', () => selectTab('signup'));
  $('.tabs').addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next = $('#tab-login').getAttribute('aria-selected') === 'true' ? 'signup' : 'login';
    selectTab(next);
    $(`#tab-${next}`).focus();
  });

  onSubmit('#login-form', (form) => logIn(form.email.value, form.password.value));
  onSubmit('#signup-form', async (form) => {
    await api('/api/users/signup', {
      method: 'POST',
      body: { name: form.name.value, email: form.email.value, password: form.password.value },
      auth: false,
    });
    await logIn(form.email.value, form.password.value);
  });
  $('#logout').addEventListener('click', async () => {
    const refreshToken = state.refreshToken;
    Object.assign(state, { token: null, refreshToken: null, user: null });
    state.socket?.close(1000, 'logout');
    await api('/api/users/logout', { method: 'POST', body: { refreshToken }, auth: false }).catch(() => undefined);
    $('#app-panels').hidden = true;
    $('#auth-panel').hidden = false;
    setConnection('Not connected', 'offline');
  });

  onSubmit('#deposit-form', async (form) => {
    const amount = toMinorUnits(form.amount.value);
    if (!amount) throw new Error('Enter an amount such as 100 or 100.50.');
    const result = await api('/api/transactions/deposit', { method: 'POST', body: { accountId: form.accountId.value, amount } });
    updateBalance(form.accountId.value, result.balanceAfter);
    form.amount.value = '';
  });
  onSubmit('#send-form', async (form) => {
    const amount = toMinorUnits(form.amount.value);
    if (!amount) throw new Error('Enter an amount such as 25 or 25.50.');
    const body = { fromAccountId: form.fromAccountId.value, toAccountNumber: form.toAccountNumber.value.trim(), amount };
    if (form.narration.value.trim()) body.narration = form.narration.value.trim();
    const result = await api('/api/transactions/send', { method: 'POST', body });
    updateBalance(form.fromAccountId.value, result.balanceAfter);
    notify(`Sent ${formatMoney(amount, result.currency)} to ${result.to.name}.`, 'info');
    form.amount.value = '';
  });

  $('#chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.text.value.trim();
    if (!text) return;
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return notify('Not connected yet; try again in a moment.');
    const asError = form.asError.checked;
    const correlationId = crypto.randomUUID();
    state.socket.send(JSON.stringify({ type: asError ? 'event.error' : 'event.interaction', data: { text }, correlationId }));
    state.pending.set(correlationId, addMessage(asError ? `⚠ ${text}` : text, asError ? 'mine error-msg' : 'mine'));
    form.text.value = '';
  });
}

async function main() {
  wire();
  try {
    const res = await fetch('/api/websocket/config');
    state.config = await res.json();
  } catch {
    notify('Could not load the page configuration. Reload to try again.');
  }
}

main();
