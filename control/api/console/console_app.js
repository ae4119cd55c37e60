/*
 * Redwire web console: polls the management API's JSON routes once a
 * second with the operator's bearer token and draws what they say.
 *
 * The token lives in sessionStorage (this tab only, gone when it closes)
 * and travels in the Authorization header: no cookie exists, so no other
 * site can make the browser send a credential (no CSRF surface). Text from
 * the API is only ever set with textContent, never parsed as HTML.
 * The page's Content-Security-Policy allows this file and same-origin
 * requests only; there is no inline script or style.
 */
'use strict';

const KEY = 'redwire.token';
const POLL_MS = 1000;
const HISTORY = 60;

const state = {
  timer: null,
  running: false,
  prev: null,        /* the previous sample: {t, totals, workers, hist} */
  lastEvent: 0,
  events: [],
  ops: [],
  p99: [],
  ticks: 0,
};

const $ = (id) => document.getElementById(id);

function setText(id, text, raw) {
  const el = $(id);
  el.textContent = text;
  if (raw !== undefined) el.dataset.value = String(raw);
}

function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

function fmtBytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}

function fmtUs(us) {
  if (us === null) return '-';
  return us >= 1000 ? (us / 1000).toFixed(2) + ' ms' : us + ' \u00b5s';
}

function fmtAge(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + 'd ' : '') + (h || d ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}

async function api(path) {
  const token = sessionStorage.getItem(KEY);
  const r = await fetch(path, {
    headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (r.status === 401) throw new AuthError();
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status, body };
}

class AuthError extends Error {
  constructor() { super('the token was refused'); }
}

/* ---- sign in / out ---- */

function showLogin(message) {
  stop();
  $('dash').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

function start() {
  $('login').hidden = true;
  $('dash').hidden = false;
  $('logout').hidden = false;
  state.prev = null;
  state.running = true;
  loop();
}

/* One update a second; the next starts only when this one is done, so a slow
 * answer never stacks requests up. */
async function loop() {
  const t0 = Date.now();
  await tick();
  if (state.running)
    state.timer = setTimeout(loop, Math.max(100, POLL_MS - (Date.now() - t0)));
}

function stop() {
  state.running = false;
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
}

/* ---- figures ---- */

/* A percentile from the latency histogram's counts gained since the last sample:
 * the upper bound of the bucket holding it (Redis's LATENCY HISTOGRAM buckets). */
function percentile(bounds, delta, q) {
  const total = delta.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const want = Math.ceil(total * q);
  let seen = 0;
  for (let k = 0; k < delta.length; k++) {
    seen += delta[k];
    if (seen >= want) return bounds[k];
  }
  return bounds[bounds.length - 1];
}

function drawChart(id, values) {
  const c = $(id);
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  c.dataset.points = String(values.length);
  if (values.length < 2) return;
  const max = Math.max(1, ...values);
  c.dataset.max = String(Math.round(max));
  g.strokeStyle = '#2f6fdf';
  g.lineWidth = 2;
  g.beginPath();
  values.forEach((v, i) => {
    const x = (i / (HISTORY - 1)) * c.width;
    const y = c.height - 2 - (v / max) * (c.height - 4);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

function push(arr, v) {
  arr.push(v);
  if (arr.length > HISTORY) arr.shift();
}

function row(tbody, cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = String(c);
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
}

function clearBody(id) {
  const tb = $(id).tBodies[0];
  tb.textContent = '';
  return tb;
}

function showHeader(status, ready, appliance) {
  if (status.status === 200) {
    setText('name', status.body.name);
    setText('version', status.body.version);
    setText('role', status.body.role);
    setText('uptime', fmtAge(status.body.uptime_seconds), status.body.uptime_seconds);
  }
  if (appliance && appliance.status === 200)
    setText('slot', appliance.body.slot !== undefined ? String(appliance.body.slot)
                                                      : 'n/a (no image slots yet)');
  const ok = ready.status === 200;
  const h = $('health');
  h.textContent = ok ? 'ready' : 'not ready: ' + (ready.body ? ready.body.reason : ready.status);
  h.dataset.value = ok ? 'ready' : 'down';
  h.className = 'state ' + (ok ? 'ok' : 'bad');
}

function showTotals(now, stats, commands) {
  const t = stats.body.totals;
  const prev = state.prev;
  const dt = prev ? (now - prev.t) / 1000 : 0;
  const rate = (k) => (prev && dt > 0 ? Math.max(0, (t[k] - prev.totals[k]) / dt) : 0);
  const ops = rate('commands_received');
  setText('ops', fmtInt(Math.round(ops)), Math.round(ops));
  push(state.ops, ops);
  drawChart('ops-chart', state.ops);

  const hits = t.keyspace_hits, misses = t.keyspace_misses;
  const ratio = hits + misses ? hits / (hits + misses) : null;
  setText('hit', ratio === null ? '-' : (ratio * 100).toFixed(1) + ' %', ratio === null ? '' : ratio);
  setText('hit-detail', fmtInt(hits) + ' hits, ' + fmtInt(misses) + ' misses');

  const used = t.used_memory, max = t.maxmemory;
  setText('mem', fmtBytes(used), used);
  $('mem-meter').value = max ? Math.min(1, used / max) : 0;
  setText('mem-detail', max ? 'of maxmemory ' + fmtBytes(max) + ' (' + (100 * used / max).toFixed(1) + ' %)'
                            : 'no maxmemory', max);
  setText('keys', fmtInt(t.keys), t.keys);
  setText('expires', fmtInt(t.expires) + ' with a TTL');
  setText('evictions', fmtInt(t.evicted_keys), t.evicted_keys);
  setText('evictions-rate', rate('evicted_keys').toFixed(0) + ' /s');
  setText('clients', fmtInt(t.tcp_conns_current), t.tcp_conns_current);
  setText('clients-detail', fmtInt(t.tcp_conns_opened) + ' accepted since start');

  let hist = null;
  if (commands.status === 200) {
    const lat = commands.body.latency;
    hist = lat.counts;
    if (prev && prev.hist) {
      const delta = hist.map((v, k) => Math.max(0, v - prev.hist[k]));
      const p50 = percentile(lat.bounds_us, delta, 0.5), p99 = percentile(lat.bounds_us, delta, 0.99);
      setText('p50', fmtUs(p50), p50 === null ? '' : p50);
      setText('p99', fmtUs(p99), p99 === null ? '' : p99);
      push(state.p99, p99 || 0);
      drawChart('p99-chart', state.p99);
    }
  }
  return hist;
}

function showWorkers(now, stats) {
  const prev = state.prev;
  const dt = prev ? (now - prev.t) / 1000 : 0;
  const ports = clearBody('ports');
  const lcores = clearBody('lcores');
  let rx = 0, tx = 0, rxd = 0, txd = 0;
  for (const w of stats.body.workers) {
    const p = prev && prev.workers[w.worker];
    const pps = p && dt > 0 ? Math.max(0, (w.rx_packets - p.rx_packets) / dt) : 0;
    row(ports, ['port 0 queue ' + w.worker, fmtInt(w.rx_packets), fmtInt(w.tx_packets),
                fmtInt(w.rx_dropped), fmtInt(w.tx_dropped), fmtInt(Math.round(pps))]);
    rx += w.rx_packets; tx += w.tx_packets; rxd += w.rx_dropped; txd += w.tx_dropped;
    const m = document.createElement('meter');
    const busy = w.busy_permille === undefined ? null : w.busy_permille / 10;
    m.min = 0; m.max = 100; m.value = busy || 0;
    row(lcores, ['worker ' + w.worker, busy === null ? '-' : busy.toFixed(1) + ' %', m,
                 fmtInt(w.commands), fmtInt(w.tcp_conns_current)]);
  }
  row(ports, ['port 0 (all queues)', fmtInt(rx), fmtInt(tx), fmtInt(rxd), fmtInt(txd), '']);
  $('ports').dataset.value = String(rx);
}

function showPersistence(stats, tasks) {
  const t = stats.body.totals;
  const dl = $('persist');
  dl.textContent = '';
  const item = (k, v) => {
    const dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = k; dd.textContent = v;
    dl.append(dt, dd);
  };
  item('snapshot', t.rdb_save_in_progress ? 'in progress' : 'idle');
  item('last snapshot', t.rdb_last_save_unix ? new Date(t.rdb_last_save_unix * 1000).toISOString() : '-');
  item('last status', t.rdb_last_save_failed ? 'failed' : 'ok');
  item('snapshots since start', fmtInt(t.rdb_saves));
  item('changes since', fmtInt(Math.max(0, t.dirty - t.rdb_dirty_saved)));
  const list = tasks.status === 200 ? tasks.body.tasks : [];
  const run = list.find((k) => k.state === 'running' || k.state === 'queued');
  const box = $('task-box');
  if (!run) { box.hidden = true; return; }
  box.hidden = false;
  $('task-progress').value = run.percent;
  $('task-text').textContent = run.kind + ' #' + run.id + ': ' + run.phase + ', ' + run.percent + ' % (' +
    fmtBytes(run.bytes_done) + ' of ' + fmtBytes(run.bytes_total) + ')' +
    (run.eta_seconds !== null ? ', ETA ' + run.eta_seconds + ' s' : '');
}

function showReplication(rep) {
  const b = rep.body || {};
  $('replication').textContent = rep.status === 501 ? 'not available yet: ' + (b.detail || b.error)
    : rep.status === 200 ? JSON.stringify(b) : 'HTTP ' + rep.status;
  $('replication').dataset.value = String(rep.status);
}

function showEvents(ev) {
  if (ev.status !== 200) return;
  for (const e of ev.body.events) state.events.unshift(e);
  state.events.length = Math.min(state.events.length, 20);
  state.lastEvent = ev.body.last_id;
  const ol = $('events');
  ol.textContent = '';
  for (const e of state.events) {
    const li = document.createElement('li');
    li.textContent = (e.time || '') + ' ' + e.type;
    ol.appendChild(li);
  }
}

function showSlowlog(sl) {
  const tb = clearBody('slowlog');
  if (sl.status !== 200) return;
  for (const e of sl.body.entries.slice(0, 10))
    row(tb, [e.id, new Date(e.time * 1000).toISOString().slice(11, 19), fmtInt(e.duration_us),
             e.args.join(' '), e.client]);
  $('slowlog').dataset.value = String(sl.body.len);
}

function showCommands(c) {
  const tb = clearBody('commands');
  if (c.status !== 200) return;
  const top = c.body.commands.slice().sort((a, b) => b.calls - a.calls).slice(0, 15);
  for (const k of top)
    row(tb, [k.name, fmtInt(k.calls), fmtInt(k.usec), k.usec_per_call.toFixed(2)]);
}

async function tick() {
  try {
    const now = Date.now();
    const want = ['/v1/status', '/v1/stats', '/v1/health/ready', '/v1/commands', '/v1/tasks',
                  '/v1/slowlog', '/v1/replication', '/v1/events?since=' + state.lastEvent];
    if (state.ticks++ % 30 === 0) want.push('/v1/appliance');
    const [status, stats, ready, commands, tasks, slowlog, rep, ev, appliance] =
      await Promise.all(want.map(api));
    showHeader(status, ready, appliance);
    if (stats.status === 200) {
      const hist = showTotals(now, stats, commands);
      showWorkers(now, stats);
      showPersistence(stats, tasks);
      const workers = {};
      for (const w of stats.body.workers) workers[w.worker] = w;
      state.prev = { t: now, totals: stats.body.totals, workers, hist };
    }
    showReplication(rep);
    showEvents(ev);
    showSlowlog(slowlog);
    showCommands(commands);
    $('status-line').textContent = 'updated ' + new Date(now).toISOString();
    document.body.dataset.updates = String(state.ticks);
  } catch (e) {
    if (e instanceof AuthError) {
      sessionStorage.removeItem(KEY);
      showLogin('The token was refused (expired or revoked?): paste another.');
      return;
    }
    $('status-line').textContent = 'update failed: ' + e.message;
  }
}

function init() {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('token').value.trim();
    if (!t) return;
    sessionStorage.setItem(KEY, t);
    $('token').value = '';
    start();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    showLogin('');
  });
  if (sessionStorage.getItem(KEY)) start(); else showLogin('');
}

document.addEventListener('DOMContentLoaded', init);
