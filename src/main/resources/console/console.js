// The operations console: one small script over the admin API (same origin, session cookie + CSRF token).
// Everything from the server is put in the page as text (textContent), never as HTML.
'use strict';

const state = { csrf: null, overviewTimer: null };
const main = () => document.getElementById('main');

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function say(text, info) {
  const message = document.getElementById('message');
  message.textContent = text || '';
  message.className = info ? 'info' : '';
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = state.csrf || '';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body)
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    showSignIn(data.message);
    throw new Error('signed out');
  }
  if (!response.ok) throw new Error(data.message || data.error || ('HTTP ' + response.status));
  return data;
}

// Times in UTC, as the logs and the database have them; the operator's local time on hover.
function time(value) {
  if (!value) return '';
  const date = new Date(value);
  if (isNaN(date)) return String(value);
  return el('time', { datetime: date.toISOString(), title: date.toLocaleString() + ' (your time)' },
    date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
}

// Mono's amounts are integers in kobo (30000 is NGN 300.00): naira for the eye, the kobo figure beside it for
// whoever reconciles. Digits by hand rather than toLocaleString, so every browser shows the same.
function money(kobo, currency) {
  if (kobo === null || kobo === undefined || kobo === '') return '';
  const text = String(kobo);
  if (!/^-?\d+$/.test(text)) return text;
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(3, '0');
  const major = digits.slice(0, -2).replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+$)/g, ',');
  const symbol = !currency || currency === 'NGN' ? '\u20a6' : currency + ' ';
  return el('span', { class: 'money' }, (negative ? '-' : '') + symbol + major + '.' + digits.slice(-2),
    el('span', { class: 'muted' }, ' (' + text + ' kobo)'));
}

const MONEY_FIELDS = new Set(['amount', 'fee', 'balance', 'verified_amount', 'verified_fee']);

function fieldValue(object, key, value) {
  if (value === null || value === undefined) return '';
  if (MONEY_FIELDS.has(key)) return money(value, key.startsWith('verified_') ? object.verified_currency : object.currency);
  if (typeof value === 'string' && /(_at|_date)$/.test(key) && /^\d{4}-\d{2}-\d{2}T/.test(value)) return time(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function status(value) {
  return el('span', { class: 'status-' + value }, value);
}

function table(columns, rows, empty) {
  if (!rows.length) return el('p', { class: 'muted' }, empty);
  return el('div', { class: 'table' }, el('table', {},
    el('thead', {}, el('tr', {}, columns.map(c => el('th', { scope: 'col' }, c.title)))),
    el('tbody', {}, rows.map(row => el('tr', {}, columns.map(c => el('td', { class: c.num ? 'num' : null }, c.cell(row))))))));
}

function fields(object) {
  if (!object) return el('p', { class: 'muted' }, 'none');
  return el('dl', { class: 'fields' }, Object.entries(object).flatMap(([k, v]) =>
    [el('dt', {}, k), el('dd', {}, fieldValue(object, k, v))]));
}

// ---- signing in and out ----

function showSignIn(reason) {
  clearInterval(state.overviewTimer);
  state.csrf = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('overview').hidden = true;
  const token = el('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true });
  const form = el('form', { class: 'signin', onsubmit: async event => {
    event.preventDefault();
    try {
      const response = await fetch('/admin/session', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: token.value })
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) { say(data.message || 'sign-in refused'); return; }
      state.csrf = data.csrfToken;
      say('');
      start();
    } catch (e) { say(e.message); }
  } },
  el('h1', {}, 'Sign in'),
  el('label', { for: 'token' }, 'Admin token (mono.admin.token)'), token,
  el('button', { type: 'submit', id: 'sign-in' }, 'Sign in'));
  main().replaceChildren(form);
  say(reason && reason !== 'missing or invalid bearer token' ? reason : '');
  token.focus();
}

async function signOut() {
  try { await api('POST', '/admin/session/end'); } catch (e) { /* signed out either way */ }
  showSignIn('Signed out.');
}

// ---- overview ----

async function refreshOverview() {
  try {
    const [o, d] = await Promise.all([api('GET', '/admin/overview'), api('GET', '/admin/destinations')]);
    const stateOf = Object.fromEntries(d.destinations.map(x => [x.name, x.state]));
    const box = document.getElementById('overview');
    const parts = [
      el('span', { id: 'count-waiting' }, 'waiting ', el('b', {}, o.waiting.events),
        o.waiting.oldest_seconds ? ' (oldest ' + o.waiting.oldest_seconds + ' s)' : ''),
      ...Object.entries(o.eventsLastDay).map(([s, n]) => el('span', { id: 'count-' + s }, s + ' (24 h) ', el('b', {}, n))),
      el('span', { id: 'count-dead-letters' }, 'open dead letters ', el('b', {}, o.openDeadLetters)),
      ...o.destinations.map(x => el('a', { href: '#/deliveries', id: 'overview-' + x.destination }, x.destination, ' ',
        stateOf[x.destination] ? status(stateOf[x.destination]) : '', ': ', el('b', {}, x.pending), ' waiting, ',
        el('b', {}, x.held), ' held, ', el('b', {}, x.dead), ' dead'))
    ];
    box.replaceChildren(...parts);
    box.hidden = false;
    // On the landing page, the charts move on with the header.
    const charts = document.getElementById('activity');
    if (charts) charts.replaceWith(await activityCharts(charts.dataset.window));
  } catch (e) { /* shown by the next action */ }
}

// ---- views ----

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

// ---- the landing page's charts: is it healthy? ----

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, v);
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function hhmm(date) {
  return date.toISOString().slice(11, 16);
}

// Bars per bucket over the window, stacked by series; every bar carries its count (data-count) and a tooltip.
function barChart(id, activity, rows, series, describe) {
  const step = activity.bucketSeconds * 1000;
  const end = Math.floor(new Date(activity.now).getTime() / step) * step;
  const count = Math.round(activity.windowSeconds / activity.bucketSeconds);
  const byAt = new Map(rows.map(r => [Math.floor(new Date(r.at).getTime() / step) * step, r]));
  const totals = [...byAt.values()].map(r => series.reduce((n, s) => n + Number(r[s.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const width = 600, height = 90, bar = width / count;
  const bars = [];
  for (let i = 0; i < count; i++) {
    const at = end - (count - 1 - i) * step;
    const row = byAt.get(at);
    if (!row) continue;
    let y = height;
    const parts = series.map(s => {
      const n = Number(row[s.key] || 0);
      const h = n / max * (height - 4);
      y -= h;
      return n ? svg('rect', { x: (i * bar).toFixed(1), y: y.toFixed(1), width: Math.max(1, bar - 1).toFixed(1),
        height: Math.max(1, h).toFixed(1), class: 'bar-' + s.key, 'data-kind': s.key, 'data-count': n }) : null;
    });
    bars.push(svg('g', { 'data-at': new Date(at).toISOString() },
      svg('title', {}, hhmm(new Date(at)) + ' UTC: ' + describe(row)), parts));
  }
  // Stretched to the page's width (bars only: no text to distort); the time axis is HTML below it.
  const axis = el('div', { class: 'axis' }, [0, Math.floor(count / 2), count - 1].map(i =>
    el('span', {}, hhmm(new Date(end - (count - 1 - i) * step)) + (i === count - 1 ? ' UTC' : ''))));
  return el('figure', { class: 'chart' }, svg('svg', { id, viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': id.replace(/-/g, ' ') + ' over the last ' + activity.window + ', highest bar ' + max }, bars), axis);
}

async function activityCharts(windowName) {
  const [a, o] = await Promise.all([api('GET', '/admin/activity?window=' + windowName), api('GET', '/admin/overview')]);
  const sum = key => a.events.reduce((n, r) => n + Number(r[key] || 0), 0);
  const outcomes = [{ key: 'processed' }, { key: 'ignored' }, { key: 'failed' }, { key: 'waiting' }];
  const legend = el('p', { class: 'legend' }, outcomes.map(s => el('span', { class: 'key-' + s.key }, s.key + ' ',
    s.key === 'failed' && sum('failed') ? el('a', { href: '#/events?status=failed', id: 'failed-events' }, el('b', {}, sum('failed')))
      : el('b', { id: 'total-' + s.key }, sum(s.key)))),
    el('span', {}, 'open dead letters ', el('a', { href: '#/dead-letters', id: 'open-dead-letters' }, el('b', {}, o.openDeadLetters))));
  const lags = a.events.filter(r => r.lag_max_ms !== null);
  const slowest = lags.length ? Math.max(...lags.map(r => Number(r.lag_max_ms))) : null;
  const toggle = el('p', { class: 'actions' }, ['1h', '24h'].map(w => el('a', { href: '#/events?window=' + w,
    'aria-current': w === windowName ? 'page' : null }, w === '1h' ? 'last hour' : 'last 24 h')));
  const waiting = Object.fromEntries(o.destinations.map(d => [d.destination, d.pending]));
  const destinations = Object.entries(a.delivered).map(([name, rows]) => el('div', { class: 'destination-chart' },
    el('h3', {}, name + ': ', el('b', {}, rows.reduce((n, r) => n + Number(r.delivered), 0)), ' delivered, ',
      el('b', {}, waiting[name] || 0), ' waiting now'),
    barChart('delivered-' + name, a, rows, [{ key: 'delivered' }], r => r.delivered + ' delivered')));
  return el('section', { id: 'activity', 'data-window': windowName }, el('h2', {}, 'Received, by what became of them'), toggle, legend,
    barChart('events-chart', a, a.events, outcomes, r => r.processed + ' processed, ' + r.ignored + ' ignored, '
      + r.failed + ' failed, ' + r.waiting + ' waiting; slowest ' + (r.lag_max_ms === null ? '-' : r.lag_max_ms + ' ms')),
    el('h2', {}, 'Processing lag (slowest per bar) ', el('b', { id: 'slowest-lag' }, slowest === null ? '-' : slowest + ' ms')),
    barChart('lag-chart', a, lags, [{ key: 'lag_max_ms' }], r => r.lag_max_ms + ' ms from receipt to applied'),
    destinations.length ? [el('h2', {}, 'Delivered, per destination'), ...destinations] : null);
}

async function eventsView(params) {
  const input = (name, label, attrs) => el('label', {}, label,
    el('input', Object.assign({ name, id: 'filter-' + name, value: params.get(name) || '' }, attrs || {})));
  const statusSelect = el('select', { name: 'status', id: 'filter-status' },
    ['', 'received', 'processed', 'ignored', 'failed'].map(s => el('option', { value: s, selected: params.get('status') === s }, s || 'any')));
  const form = el('form', { class: 'filters', onsubmit: event => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = '#/events?' + query(Object.fromEntries(data.entries()));
  } },
  input('q', 'Search (payment id, reference, event id)', { type: 'search', size: 28 }),
  input('type', 'Type (glob)', { placeholder: 'direct_debit.*' }),
  el('label', {}, 'Status', statusSelect),
  input('from', 'From (ISO time)', { placeholder: '2024-05-01T00:00:00Z' }),
  input('to', 'To', {}),
  el('button', { type: 'submit', id: 'apply-filters' }, 'Show'));
  main().replaceChildren(el('h1', {}, 'Events'), form, el('p', { class: 'muted' }, 'Loading…'));
  // The landing page (no filter): first how the last hour or day went.
  const landing = !['q', 'type', 'status', 'from', 'to', 'before'].some(k => params.get(k));
  const charts = landing ? await activityCharts(params.get('window') === '24h' ? '24h' : '1h') : null;
  const filter = { q: params.get('q'), type: params.get('type'), status: params.get('status'),
    from: params.get('from'), to: params.get('to'), before: params.get('before'), limit: '50' };
  const answer = await api('GET', '/admin/events?' + query(filter));
  const rows = table([
    { title: '#', num: true, cell: e => el('a', { href: '#/event/' + e.id }, e.id) },
    { title: 'Received', cell: e => time(e.received_at) },
    { title: 'Type', cell: e => e.event_type },
    { title: 'Status', cell: e => status(e.status) },
    { title: 'About', cell: e => [e.object_key || '', e.reference ? ' · ' + e.reference : ''] },
    { title: 'Source', cell: e => e.source }
  ], answer.events, 'No event matches.');
  const more = answer.nextBefore
    ? el('p', {}, el('a', { href: '#/events?' + query(Object.assign({}, filter, { limit: '', before: answer.nextBefore })), id: 'older' }, 'Older events →'))
    : null;
  const replay = el('button', { type: 'button', onclick: async () => {
    const f = { q: filter.q, type: filter.type, status: filter.status, from: filter.from, to: filter.to };
    try {
      const dry = await api('POST', '/admin/events/replay?' + query(Object.assign({ dryRun: 'true' }, f)));
      if (!confirm('Send ' + dry.wouldReplay + ' event(s) through the routes again?')) return;
      const done = await api('POST', '/admin/events/replay?' + query(f));
      if (done.job !== undefined) { followReplay(done); } else { say(done.replayed + ' event(s) replayed.', true); }
    } catch (e) { say(e.message); }
  } }, 'Replay these…');
  main().replaceChildren(el('h1', {}, 'Events'), charts, form, rows, more,
    (filter.q || filter.type || filter.status || filter.from || filter.to) ? el('div', { class: 'actions' }, replay) : null);
}

// A large replay runs as a job on the gateway: its progress is shown until it ends.
async function followReplay(job) {
  const line = j => 'Replay job #' + j.job + ': ' + j.replayed + ' of ' + j.total + ' event(s) back in the inbox' +
    (j.status === 'running' ? '…' : j.status === 'done' ? ', done.' : ', stopped: ' + (j.error || j.status));
  say(line(job), true);
  while (job.status === 'running') {
    await new Promise(resolve => setTimeout(resolve, 1000));
    try { job = await api('GET', job.progressUrl); } catch (e) { say(e.message); return; }
    say(line(job), job.status !== 'failed');
  }
}

async function eventView(id) {
  const page = await api('GET', '/admin/events/' + encodeURIComponent(id));
  const e = page.event;
  const timeline = [
    el('li', {}, time(e.received_at), ' received (' + e.source + ')'),
    e.processed_at ? el('li', {}, time(e.processed_at), ' ' + e.status + (e.processing_ms !== null ? ' after ' + e.processing_ms + ' ms' : '')) : el('li', {}, 'status: ', status(e.status)),
    ...page.deliveries.map(d => el('li', {}, time(d.delivered_at || d.created_at), ' delivery to ' + d.destination + ': ', status(d.status),
      d.held ? ' (held for verification)' : '', d.last_error ? ' · ' + d.last_error : '', d.discard_reason ? ' · ' + d.discard_reason : '')),
    ...(page.deliveryAttempts || []).map(a => el('li', { class: 'attempt' }, time(a.failed_at), ' delivery to ' + a.destination
      + ': attempt ' + a.attempt + ' ', status('failed'), ' · ' + a.error)),
    ...page.deadLetters.map(d => el('li', {}, time(d.last_failed_at), ' dead letter #' + d.id + ': ', status(d.status), ' · ' + (d.exception_message || d.exception_class))),
    ...page.alerts.map(a => el('li', {}, time(a.created_at), ' alert (' + a.kind + ')', a.sent_at ? [' sent ', time(a.sent_at)] : ' not sent yet'))
  ];
  const replay = el('button', { type: 'button', id: 'replay-event', onclick: async () => {
    try {
      const done = await api('POST', '/admin/events/replay?' + query({ q: e.dedupe_key }));
      say(done.replayed + ' event(s) replayed.', true);
    } catch (err) { say(err.message); }
  } }, 'Replay this event');
  const parts = [el('h1', {}, 'Event #' + e.id + ' · ' + e.event_type),
    el('p', {}, status(e.status), e.status_reason ? ' (' + e.status_reason + ')' : '', e.last_error ? ' · ' + e.last_error : '',
      ' · attempts ' + e.attempts),
    // The trace the request, processing and every delivery share (tracing on): what to look up in the tracing backend.
    ...(e.trace_id ? [el('p', {}, 'Trace ', el('code', { id: 'trace-id', title: 'W3C trace id, also sent to the destinations in traceparent' }, e.trace_id))] : []),
    el('div', { class: 'actions' }, replay),
    el('h2', {}, 'What happened'), el('ol', { class: 'timeline', id: 'timeline' }, timeline)];
  if (page.payment !== undefined) {
    parts.push(el('h2', {}, 'Payment'), el('div', { id: 'payment' }, fields(page.payment)));
    parts.push(el('h2', {}, 'Payment history'), table([
      { title: 'At', cell: h => time(h.status_at) }, { title: 'Event', cell: h => el('a', { href: '#/event/' + h.inbox_event_id }, h.event_type) },
      { title: 'Status', cell: h => status(h.status) }, { title: 'Amount', num: true, cell: h => money(h.amount, page.payment && page.payment.currency) }, { title: 'Source', cell: h => h.source }
    ], page.paymentHistory, 'No history.'));
  }
  if (page.debit !== undefined) parts.push(el('h2', {}, 'Debit'), fields(page.debit));
  if (page.mandate !== undefined) parts.push(el('h2', {}, 'Mandate'), fields(page.mandate));
  if (page.account !== undefined) parts.push(el('h2', {}, 'Account'), fields(page.account));
  parts.push(el('h2', {}, 'Deliveries'), table([
    { title: '#', num: true, cell: d => d.id }, { title: 'Destination', cell: d => d.destination },
    { title: 'Status', cell: d => status(d.status) }, { title: 'Attempts', num: true, cell: d => d.attempts },
    { title: 'Last error', cell: d => d.last_error || d.discard_reason || '' }
  ], page.deliveries, 'Not delivered anywhere (no destination takes this type).'));
  parts.push(el('h2', {}, 'As received'), el('pre', { id: 'payload' }, JSON.stringify(e.payload, null, 2)));
  main().replaceChildren(...parts);
}

function discardForm(onDiscard) {
  const reason = el('input', { type: 'text', name: 'reason', placeholder: 'why (required)', required: true, class: 'reason' });
  return el('form', { class: 'actions', onsubmit: async event => {
    event.preventDefault();
    try { await onDiscard(reason.value); } catch (e) { say(e.message); }
  } }, el('label', {}, 'Reason', reason), el('button', { type: 'submit', class: 'danger' }, 'Discard'));
}

async function deadLettersView() {
  const answer = await api('GET', '/admin/dead-letters?status=open&limit=200');
  main().replaceChildren(el('h1', {}, 'Open dead letters'), table([
    { title: '#', num: true, cell: d => d.id },
    { title: 'Event', cell: d => el('a', { href: '#/event/' + d.webhook_event_id }, d.event_type + ' #' + d.webhook_event_id) },
    { title: 'Failed', cell: d => time(d.last_failed_at) },
    { title: 'Why', cell: d => d.exception_message || d.exception_class },
    { title: '', cell: d => el('div', { class: 'actions', 'data-dead-letter': d.id },
      el('button', { type: 'button', class: 'replay', onclick: async () => {
        try { await api('POST', '/admin/dead-letters/' + d.id + '/replay'); say('Dead letter #' + d.id + ' replayed.', true); route(); }
        catch (e) { say(e.message); }
      } }, 'Replay'),
      discardForm(async reason => {
        await api('POST', '/admin/dead-letters/' + d.id + '/discard', { reason });
        say('Dead letter #' + d.id + ' discarded.', true);
        route();
      })) }
  ], answer.deadLetters, 'No open dead letter.'));
}

// What a destination's state means for an operator, and what to do about it.
const STATE_TEXT = {
  UP: 'Delivering.',
  FAILING_FOR_SOME: 'Delivering, but the destination refuses some objects: each refused delivery is retried with back-off'
    + ' and holds back its own object\'s later deliveries; every other object goes on. Fix the cause at the destination,'
    + ' or discard the holding delivery to let its object\'s next deliveries go.',
  DOWN: 'Paused: sends to several objects failed in a row (circuit open). Nothing is lost: deliveries wait and go out,'
    + ' in order, once the destination takes them again. Check that it is up and reachable.'
};

function destinationCard(d) {
  const facts = {
    ...(d.down_since ? { 'down since': time(d.down_since) } : {}),
    'in flight': d.in_flight + ' / ' + d.max_in_flight,
    'delivered per second': d.delivered_per_second,
    waiting: d.pending + (d.pending ? ' (oldest ' + d.oldest_pending_seconds + ' s)' : ''),
    'objects held': d.objects_held ? [String(d.objects_held), ' by delivery ',
      el('a', { href: '#/deliveries?status=pending' }, '#' + d.held_by_delivery)] : '0',
    dead: d.dead,
    'last error': d.last_error ? d.last_error + (d.last_error_object ? ' (object ' + d.last_error_object + ')' : '') : 'none'
  };
  const actions = [];
  if (d.dead > 0) actions.push(el('button', { type: 'button', class: 'retry-dead', onclick: async () => {
    try {
      const done = await api('POST', '/admin/deliveries/retry?' + query({ destination: d.name }));
      say((done.retried !== undefined ? done.retried : 'The') + ' dead deliveries of ' + d.name + ' queued again.', true);
      route();
    } catch (e) { say(e.message); }
  } }, 'Retry its dead deliveries'));
  // Only while some objects are refused: when the whole destination is down, discarding a delivery fixes nothing.
  if (d.held_by_delivery && d.state === 'FAILING_FOR_SOME') actions.push(el('span', {}, 'Delivery #' + d.held_by_delivery + ':'), discardForm(async reason => {
    await api('POST', '/admin/deliveries/' + d.held_by_delivery + '/discard', { reason });
    say('Delivery #' + d.held_by_delivery + ' discarded; its object\'s next deliveries go on.', true);
    route();
  }));
  return el('section', { class: 'card state-' + d.state, id: 'destination-' + d.name, 'data-state': d.state },
    el('h2', {}, d.name + ' ', status(d.state)), el('p', { class: 'why' }, STATE_TEXT[d.state] || ''),
    el('dl', { class: 'fields' }, Object.entries(facts).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-fact': k }, v)])),
    actions.length ? el('div', { class: 'actions' }, actions) : null);
}

async function deliveriesView(params) {
  const destinations = await api('GET', '/admin/destinations');
  // Open on what needs a look: dead deliveries if there are any, else those still waiting.
  const wanted = params.get('status') || (destinations.destinations.some(d => d.dead > 0) ? 'dead' : 'pending');
  const answer = await api('GET', '/admin/deliveries?' + query({ status: wanted, limit: '200' }));
  const tabs = el('p', { class: 'actions' }, ['dead', 'pending', 'delivered', 'discarded'].map(s =>
    el('a', { href: '#/deliveries?status=' + s, 'aria-current': s === wanted ? 'page' : null }, s)));
  const states = destinations.destinations.length
    ? el('div', { class: 'cards' }, destinations.destinations.map(destinationCard))
    : el('p', { class: 'muted' }, 'No destination configured (mono.forward.destinations).');
  states.id = 'destinations';
  main().replaceChildren(el('h1', {}, 'Destinations'), states, el('h2', {}, 'Deliveries: ' + wanted), tabs, table([
    { title: '#', num: true, cell: d => d.id }, { title: 'Destination', cell: d => d.destination },
    { title: 'Event', cell: d => el('a', { href: '#/event/' + d.webhook_event_id }, d.event_type + ' #' + d.webhook_event_id) },
    { title: 'Status', cell: d => [status(d.status), d.held ? ' (held)' : ''] }, { title: 'Attempts', num: true, cell: d => d.attempts },
    { title: 'Last error', cell: d => d.last_error || d.discard_reason || '' },
    { title: '', cell: d => d.status === 'dead' || d.status === 'pending' ? el('div', { class: 'actions' },
      d.status === 'dead' ? el('button', { type: 'button', onclick: async () => {
        try { await api('POST', '/admin/deliveries/' + d.id + '/retry'); say('Delivery #' + d.id + ' queued again.', true); route(); }
        catch (e) { say(e.message); }
      } }, 'Retry') : null,
      discardForm(async reason => {
        await api('POST', '/admin/deliveries/' + d.id + '/discard', { reason });
        say('Delivery #' + d.id + ' discarded.', true);
        route();
      })) : '' }
  ], answer.deliveries, 'None.'));
}

async function route() {
  const hash = location.hash || '#/events';
  const [path, search] = hash.slice(1).split('?');
  const params = new URLSearchParams(search || '');
  try {
    if (path.startsWith('/event/')) await eventView(path.slice('/event/'.length));
    else if (path === '/dead-letters') await deadLettersView();
    else if (path === '/deliveries') await deliveriesView(params);
    else await eventsView(params);
    refreshOverview();
  } catch (e) {
    if (e.message !== 'signed out') say(e.message);
  }
}

function start() {
  document.getElementById('nav').hidden = false;
  clearInterval(state.overviewTimer);
  state.overviewTimer = setInterval(refreshOverview, 10000);
  route();
}

window.addEventListener('hashchange', () => { if (state.csrf) { say(''); route(); } });
document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('sign-out').addEventListener('click', signOut);
  try {
    const session = await api('GET', '/admin/session');
    state.csrf = session.csrfToken;
    start();
  } catch (e) { /* the sign-in form is showing */ }
});
