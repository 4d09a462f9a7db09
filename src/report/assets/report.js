// vigil report: renders the JSON data block. Evidence text is hostile: it only ever reaches the
// page through textContent / createTextNode, never as markup.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('vigil-data').textContent);
  var LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
  var RANK = {CRITICAL: 40, HIGH: 30, MEDIUM: 20, LOW: 10, INFORMATIONAL: 0};
  var ROW = 24;
  var TL = D.timeline, N = TL.t.length;

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = '0' + n; return n; }
  // Microseconds since 1970 to "YYYY-MM-DD HH:MM:SS.ffffff" UTC, as the other output files write it.
  function iso(us) {
    var ms = Math.floor(us / 1000), d = new Date(ms), frac = us - Math.floor(us / 1e6) * 1e6;
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + '.' + pad(frac, 6);
  }
  function parseTime(s) {
    var m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?/.exec(String(s || '').trim());
    if (!m) return null;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
    return ms * 1000 + (m[7] ? +(m[7] + '00000').slice(0, 6) : 0);
  }
  function kv(rows) {
    return el('table', {cls: 'kv'}, rows.filter(function (r) { return r[1] != null && r[1] !== ''; }).map(function (r) {
      return el('tr', null, [el('th', {text: r[0]}), el('td', {text: String(r[1])})]);
    }));
  }

  // Record panel: one full record (or event) as indented JSON.
  var panel = $('panel');
  function showRecord(title, obj) {
    panel.textContent = '';
    var close = el('button', {cls: 'link', text: 'Close'});
    close.addEventListener('click', function () { panel.classList.add('hidden'); });
    panel.appendChild(el('div', null, [close]));
    panel.appendChild(el('h3', {text: title}));
    panel.appendChild(el('pre', {cls: 'record', id: 'record-json', text: JSON.stringify(obj, null, 2)}));
    panel.classList.remove('hidden');
  }
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') panel.classList.add('hidden'); });

  // ---- Summary: what was checked, with what, and the verdict.
  var counts = {};
  LEVELS.forEach(function (l) { counts[l] = 0; });
  D.alerts.forEach(function (a) { counts[a.level] = (counts[a.level] || 0) + 1; });
  var top = LEVELS.filter(function (l) { return counts[l] > 0; })[0];
  var dev = D.device || {};
  document.title = 'vigil report: ' + (dev['Device Name'] || D.run.target_path || '');
  var verdict;
  if (!D.alerts.length) verdict = 'No alert. Nothing in this acquisition matched the indicators used. That is not proof the device is clean: only that these indicators, in the data that could be read, were not found.';
  else if (counts.CRITICAL || counts.HIGH) verdict = 'vigil found traces that match known spyware indicators or strong warning signs (' + (counts.CRITICAL || 0) + ' critical, ' + (counts.HIGH || 0) + ' high). Read each alert below — what it shows and what it does not — before drawing conclusions, and ask an expert to confirm before acting.';
  else verdict = 'No strong sign of spyware, but ' + D.alerts.length + ' item(s) deserve a look. They are listed below with what they do and do not show.';
  var sum = $('summary');
  sum.appendChild(el('p', {cls: 'verdict v-' + (top ? top.toLowerCase() : 'none'), id: 'verdict', text: verdict}));
  sum.appendChild(el('p', {id: 'alert-counts', text: 'Alerts: ' + LEVELS.map(function (l) { return counts[l] + ' ' + l; }).join(', ') + '.'}));
  sum.appendChild(el('h3', {text: 'What was checked'}));
  sum.appendChild(kv([
    ['Device', [dev['Device Name'], dev['Product Name'] || dev['Product Type']].filter(Boolean).join(' — ')],
    ['iOS version', dev['Product Version']], ['Serial number', dev['Serial Number']],
    ['Acquisition', D.acquisition.type], ['Acquisition date', D.acquisition.date],
    ['Evidence', D.run.target_path], ['Checked', D.run.started],
    ['Timeline', N + ' events']]));
  sum.appendChild(el('h3', {text: 'Indicator feeds used'}));
  if (!D.feeds.length) sum.appendChild(el('p', {cls: 'note', text: 'No indicator file was loaded: only heuristic checks ran.'}));
  else sum.appendChild(el('table', {cls: 'grid', id: 'feeds'}, [el('tr', null, ['Feed', 'Date', 'Indicators', 'SHA-256'].map(function (h) { return el('th', {text: h}); }))].concat(
    D.feeds.map(function (f) { return el('tr', null, [el('td', {text: f.path}), el('td', {text: f.date || 'unknown'}), el('td', {text: String(f.indicators)}), el('td', {text: f.sha256})]); }))));

  // ---- Alerts, most severe first (stable within a level: module order, then emission order).
  var alertsSec = $('alerts');
  var sorted = D.alerts.map(function (a, i) { return [a, i]; }).sort(function (x, y) { return (RANK[y[0].level] - RANK[x[0].level]) || (x[1] - y[1]); });
  if (!sorted.length) alertsSec.appendChild(el('p', {cls: 'note', text: 'No alert.'}));
  LEVELS.forEach(function (l) {
    var group = sorted.filter(function (p) { return p[0].level === l; });
    if (!group.length) return;
    alertsSec.appendChild(el('h3', {text: l + ' (' + group.length + ')'}));
    group.forEach(function (p) { alertsSec.appendChild(alertCard(p[0], p[1])); });
  });
  function alertCard(a, i) {
    var x = D.explanations[a.kind] || {};
    var mi = a.matched_indicator;
    var rows = [['What it is', x.what], ['Why it matters', x.why], ['What it does not prove', x.not_proof, 'not']];
    if (mi) {
      rows.push(['Matched indicator', mi.value + ' (' + mi.type + (mi.match && mi.match !== 'exact' ? ', ' + mi.match + ' match' : '') + ')']);
      rows.push(['Campaign / malware', (mi.malware && mi.malware.length ? mi.malware.join(', ') : mi.name) || '']);
      rows.push(['Indicator file', (mi.sources && mi.sources.length ? mi.sources.join(', ') : mi.stix2_file_name) || '']);
    }
    rows.push(['Module', a.module]);
    rows.push(['Event time', a.event_time || 'none (the alert is about a record, not a moment)']);
    var dl = el('dl');
    rows.forEach(function (r) { if (r[1]) { dl.appendChild(el('dt', {text: r[0]})); dl.appendChild(el('dd', {cls: r[2] || '', text: r[1]})); } });
    var rec = el('button', {cls: 'link', text: 'Show the record'});
    rec.addEventListener('click', function () { showRecord(a.module + ': the record behind this alert', a.event); });
    var go = el('button', {cls: 'link', text: 'Show on the timeline'});
    go.addEventListener('click', function () { jumpToAlert(a); });
    return el('div', {cls: 'alert', 'data-level': a.level, 'data-index': String(i), id: 'alert-' + i}, [
      el('span', {cls: 'badge lv-' + a.level, text: a.level}), el('span', {cls: 'title', text: x.title || a.module}),
      el('div', {cls: 'msg', text: a.message}), dl, el('div', null, [rec, go])]);
  }

  // ---- Timeline: events flagged by the alerts that name their moment.
  var modIndex = {};
  TL.modules.forEach(function (m, i) { modIndex[m.slug] = i; });
  var evLevel = new Int8Array(N).fill(-1);
  function lowerBound(t) { var lo = 0, hi = N; while (lo < hi) { var mid = (lo + hi) >> 1; if (TL.t[mid] < t) lo = mid + 1; else hi = mid; } return lo; }
  function alertTime(a) {
    var t = parseTime(a.event_time);
    if (t != null) return t;
    // An alert about a record: anchor it at the record's first time field.
    var ev = a.event || {};
    for (var k in ev) { var v = ev[k]; if (typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/.test(v)) return parseTime(v); }
    return null;
  }
  D.alerts.forEach(function (a) {
    var t = parseTime(a.event_time), m = modIndex[a.module];
    if (t == null || m == null) return;
    for (var i = lowerBound(t); i < N && TL.t[i] === t; i++)
      if (TL.m[i] === m && RANK[a.level] / 10 > evLevel[i]) evLevel[i] = RANK[a.level] / 10;
  });
  var LV_BY_RANK = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  var lower = null;  // lower-cased descriptions, built on the first text search
  var fMod = $('f-module'), fLevel = $('f-level'), fText = $('f-text'), fFrom = $('f-from'), fTo = $('f-to');
  TL.modules.forEach(function (m, i) { fMod.appendChild(el('option', {value: String(i), text: m.name + ' (' + m.slug + ')'})); });
  var view = new Int32Array(0), hlIndex = -1;
  function applyFilter() {
    var m = fMod.value === '' ? -1 : +fMod.value, lv = fLevel.value, q = fText.value.trim().toLowerCase();
    var from = parseTime(fFrom.value), to = parseTime(fTo.value);
    var minLv = lv === '' ? -2 : lv === 'any' ? 0 : RANK[lv] / 10;
    if (q && !lower) { lower = new Array(N); for (var j = 0; j < N; j++) lower[j] = TL.d[j].toLowerCase(); }
    var start = from == null ? 0 : lowerBound(from), end = to == null ? N : lowerBound(to + 1);
    var out = new Int32Array(Math.max(0, end - start)), n = 0;
    for (var i = start; i < end; i++) {
      if (m >= 0 && TL.m[i] !== m) continue;
      if (minLv > -2 && evLevel[i] < minLv) continue;
      if (q && lower[i].indexOf(q) < 0 && TL.kinds[TL.k[i]].toLowerCase().indexOf(q) < 0) continue;
      out[n++] = i;
    }
    view = out.subarray(0, n);
    $('tl-count').textContent = n + ' of ' + N + ' events match';
    tlTable.reset(view.length);
    drawHistogram(from, to);
  }
  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(applyFilter, 150); }
  [fMod, fLevel].forEach(function (e) { e.addEventListener('change', applyFilter); });
  [fText, fFrom, fTo].forEach(function (e) { e.addEventListener('input', later); });
  $('f-reset').addEventListener('click', function () { fMod.value = ''; fLevel.value = ''; fText.value = ''; fFrom.value = ''; fTo.value = ''; applyFilter(); });

  // A virtualised table: only the rows in view exist in the DOM, whatever the number of rows.
  function VTable(box, headers, widths, cell, onClick, rowClass) {
    var head = el('div', {cls: 'row head'}, headers.map(function (h, i) { var s = el('span', {text: h}); size(s, widths[i]); return s; }));
    var sp = el('div', {cls: 'sp'});
    box.appendChild(head); box.appendChild(sp);
    var count = 0, drawn = '';
    function size(s, w) { if (w) s.style.width = w + 'px'; else s.className = 'grow'; }
    function draw() {
      var first = Math.max(0, Math.floor(box.scrollTop / ROW) - 5);
      var last = Math.min(count, first + Math.ceil(box.clientHeight / ROW) + 10);
      if (drawn === first + ':' + last) return;
      drawn = first + ':' + last;
      sp.textContent = '';
      for (var r = first; r < last; r++) {
        var row = el('div', {cls: ('row ' + (rowClass ? rowClass(r) : '')).trim(), 'data-row': String(r)});
        row.style.top = (r * ROW) + 'px';
        cell(r).forEach(function (v, i) { var s = el('span', {text: v == null ? '' : String(v)}); size(s, widths[i]); row.appendChild(s); });
        row.addEventListener('click', onClick.bind(null, r));
        sp.appendChild(row);
      }
    }
    box.addEventListener('scroll', function () { requestAnimationFrame(draw); });
    return {
      reset: function (n) { count = n; sp.style.height = (n * ROW) + 'px'; drawn = ''; box.scrollTop = 0; draw(); },
      scrollTo: function (r) { box.scrollTop = Math.max(0, r * ROW - box.clientHeight / 3); drawn = ''; draw(); }
    };
  }
  var tlTable = VTable($('tl-table'), ['', 'UTC time', 'Module', 'Event', 'Description'], [14, 220, 170, 190, 0],
    function (r) { var i = view[r]; return ['', iso(TL.t[i]), TL.modules[TL.m[i]].name, TL.kinds[TL.k[i]], TL.d[i]]; },
    function (r) {
      var i = view[r], d = TL.d[i], rec;
      try { rec = JSON.parse(d); } catch (e) { rec = d; }
      showRecord('Timeline event', {time: iso(TL.t[i]), module: TL.modules[TL.m[i]].slug, event: TL.kinds[TL.k[i]],
        alert_level: evLevel[i] >= 0 ? LV_BY_RANK[evLevel[i]] : null, description: rec});
    },
    function (r) { var i = view[r]; return (evLevel[i] >= 0 ? 'lv-' + LV_BY_RANK[evLevel[i]] : '') + (i === hlIndex ? ' hl' : ''); });

  function jumpToAlert(a) {
    var t = alertTime(a);
    fMod.value = modIndex[a.module] != null ? String(modIndex[a.module]) : '';
    fLevel.value = ''; fText.value = ''; fFrom.value = ''; fTo.value = '';
    applyFilter();
    hlIndex = -1;
    if (t != null) {
      var r = 0;
      while (r < view.length && TL.t[view[r]] < t) r++;
      if (r < view.length) hlIndex = view[r];
      tlTable.scrollTo(r);
    }
    $('timeline').scrollIntoView();
  }

  // Histogram of all events over time (log scale), alerts as red ticks; drag or click to pick a range.
  var SVGNS = 'http://www.w3.org/2000/svg', BINS = 160, hist = $('tl-hist');
  function svg(tag, attrs) { var e = document.createElementNS(SVGNS, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  var t0 = N ? TL.t[0] : 0, t1 = N ? TL.t[N - 1] + 1 : 1, bins = new Float64Array(BINS), maxBin = 1;
  for (var i = 0; i < N; i++) { var b = Math.min(BINS - 1, Math.floor((TL.t[i] - t0) / (t1 - t0) * BINS)); bins[b]++; }
  for (var b2 = 0; b2 < BINS; b2++) maxBin = Math.max(maxBin, bins[b2]);
  function drawHistogram(from, to) {
    hist.textContent = '';
    hist.setAttribute('viewBox', '0 0 ' + BINS + ' 100');
    hist.setAttribute('preserveAspectRatio', 'none');
    for (var b = 0; b < BINS; b++) {
      if (!bins[b]) continue;
      var h = 6 + 80 * Math.log(1 + bins[b]) / Math.log(1 + maxBin);
      var bs = t0 + (t1 - t0) * b / BINS, be = t0 + (t1 - t0) * (b + 1) / BINS;
      var sel = (from != null || to != null) && (from == null || be > from) && (to == null || bs <= to);
      var r = svg('rect', {x: b + 0.1, y: 100 - h, width: 0.8, height: h, 'class': sel ? 'sel' : 'bar'});
      r.appendChild(svg('title', {})).textContent = iso(bs).slice(0, 16) + ' … ' + iso(be).slice(0, 16) + ': ' + bins[b] + ' events';
      hist.appendChild(r);
    }
    D.alerts.forEach(function (a) {
      var t = alertTime(a);
      if (t == null || t < t0 || t >= t1) return;
      var x = (t - t0) / (t1 - t0) * BINS;
      var m = svg('rect', {x: x - 0.3, y: 0, width: 0.6, height: 14, 'class': 'al'});
      m.appendChild(svg('title', {})).textContent = a.level + ': ' + a.message;
      hist.appendChild(m);
    });
  }
  var dragFrom = null;
  function binTime(ev) { var r = hist.getBoundingClientRect(); return t0 + (t1 - t0) * Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)); }
  hist.addEventListener('mousedown', function (ev) { dragFrom = binTime(ev); });
  hist.addEventListener('mouseup', function (ev) {
    if (dragFrom == null) return;
    var a = dragFrom, b = binTime(ev); dragFrom = null;
    if (Math.abs(b - a) < (t1 - t0) / BINS) { a = t0 + (t1 - t0) * Math.floor((a - t0) / (t1 - t0) * BINS) / BINS; b = a + (t1 - t0) / BINS; }
    fFrom.value = iso(Math.floor(Math.min(a, b))); fTo.value = iso(Math.floor(Math.max(a, b)));
    applyFilter();
  });
  $('tl-range').textContent = N ? 'from ' + iso(TL.t[0]).slice(0, 19) + ' to ' + iso(TL.t[N - 1]).slice(0, 19) + ' UTC' : 'no event';
  if (TL.total > N) $('tl-range').textContent += '. The page holds the most recent ' + N + ' of the ' + TL.total + ' events; all of them are in timeline.csv and timeline.jsonl';

  // ---- Per-module tables.
  var mSel = $('m-module'), mBox = $('m-table'), mNote = $('m-note');
  var withRows = D.modules.filter(function (m) { return m.rows.length; });
  withRows.forEach(function (m, i) { mSel.appendChild(el('option', {value: String(i), text: m.slug + ' (' + m.records + ' records)'})); });
  var mTable = null;
  function showModule() {
    var m = withRows[+mSel.value];
    mBox.textContent = '';
    if (!m) { mNote.textContent = 'No module produced records.'; return; }
    var cols = [];
    m.rows.slice(0, 200).forEach(function (r) { if (r && typeof r === 'object') Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
    cols = cols.slice(0, 8);
    mNote.textContent = m.rows.length < m.records ? 'The first ' + m.rows.length + ' of ' + m.records + ' records; all of them are in ' + m.slug + '.json.' : m.records + ' records. Click a row for the full record.';
    mTable = VTable(mBox, cols, cols.map(function (c, i) { return i === cols.length - 1 ? 0 : 180; }),
      function (r) { var rec = m.rows[r]; return cols.map(function (c) { var v = rec[c]; return v != null && typeof v === 'object' ? JSON.stringify(v) : v; }); },
      function (r) { showRecord(m.slug + ' record ' + (r + 1), m.rows[r]); });
    mTable.reset(m.rows.length);
  }
  mSel.addEventListener('change', showModule);
  var mods = $('modules-summary');
  mods.appendChild(el('tr', null, ['Module', 'Records', 'Timeline events', 'Alerts', 'Warnings', 'Not present'].map(function (h) { return el('th', {text: h}); })));
  D.modules.forEach(function (m) {
    mods.appendChild(el('tr', null, [m.slug, m.records, m.timeline_events, m.alerts, m.warnings.length, m.not_present.join(', ')].map(function (v) { return el('td', {text: String(v)}); })));
  });

  // ---- Warnings and run information.
  var warn = $('warnings'), nw = 0;
  D.modules.forEach(function (m) { m.warnings.forEach(function (w) { nw++; warn.appendChild(el('tr', null, [el('td', {text: m.slug}), el('td', {text: w})])); }); });
  if (!nw) warn.appendChild(el('tr', null, [el('td', {text: 'None: every artifact that was present could be read.'})]));
  var run = D.run;
  $('run').appendChild(kv([['vigil version', run.vigil_version], ['Output schema', run.output_schema_version], ['Report made by', D.generated_by],
    ['Command', run.command_line], ['Evidence', run.target_path], ['Started', run.started], ['Finished', run.finished],
    ['Evidence files hashed', run.hashes ? run.hashes.length : 0]]));
  if (run.hashes && run.hashes.length) {
    var ht = el('table', {cls: 'grid'}, [el('tr', null, [el('th', {text: 'File'}), el('th', {text: 'SHA-256'})])]);
    run.hashes.slice(0, 2000).forEach(function (h) { ht.appendChild(el('tr', null, [el('td', {text: h.file_path}), el('td', {text: h.sha256 || 'unreadable'})])); });
    $('run').appendChild(el('details', null, [el('summary', {text: 'Evidence hashes' + (run.hashes.length > 2000 ? ' (first 2000; all in info.json)' : '')}), ht]));
  }

  // The fragment can preset the timeline filters: #module=sms&level=HIGH&q=text&from=…&to=…
  var p = new URLSearchParams(location.hash.slice(1));
  if (p.has('module') && modIndex[p.get('module')] != null) fMod.value = String(modIndex[p.get('module')]);
  if (p.has('level')) fLevel.value = p.get('level');
  fText.value = p.get('q') || ''; fFrom.value = p.get('from') || ''; fTo.value = p.get('to') || '';
  applyFilter();
  if (withRows.length) showModule();
  document.body.setAttribute('data-ready', '1');
})();
