/* 数据 page (issue 15 data in): upload -> preview (column mapping, units, first rows, quarantine) -> the
   mapping editor re-previews -> confirm imports exactly the previewed file, or cancel removes it; the import's
   progress, then its result (the bar is hidden once it finishes); the import history as one bar per batch on a
   log scale, each labelled with its count, so a 3-row batch beside a 6,000-row one stays visible.
   No inline script (CSP): the model and the words come from the page's JSON blocks. */
(function () {
  'use strict';

  var model = JSON.parse(document.getElementById('chanye-model').textContent || '{}');
  var page = JSON.parse(document.getElementById('chanye-page').textContent || '{}');
  var lang = page.lang || 'zh';
  var words = page.words || {};
  var state = { preview: null, columns: {}, units: {}, year: null, busy: false };

  function t(key) { return Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key; }
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; }); }
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) { return '—'; }
    return Number(v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) {  // a share as a percentage with one decimal always shown (86.0%, as the CLI prints it)
    if (v === null || v === undefined || !isFinite(v)) { return '—'; }
    return Number(100 * v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + '%';
  }
  function num(v) { return v !== null && v !== undefined && typeof v === 'object' ? v.value : v; }
  function loc(n) { return n && typeof n === 'object' ? (n[lang] || n.zh) : (n === null || n === undefined ? '' : n); }
  function $(id) { return document.getElementById(id); }
  function headers() {
    var h = { Accept: 'application/json' };
    var csrf = document.querySelector('meta[name="csrf-token"]');  // accounts on (web/auth.py)
    if (csrf) { h['X-CSRF-Token'] = csrf.getAttribute('content'); }
    return h;
  }
  function call(method, url, body) {
    var opts = { method: method, headers: headers() };
    if (body instanceof FormData) { opts.body = body; } else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers['Content-Type'] = 'application/json'; }
    return fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'lang=' + lang, opts)
      .then(function (r) { return r.json().then(function (d) { return [r.status, d]; }, function () { return [r.status, {}]; }); });
  }
  function errorText(d, status) {
    if (d && d.error) { return d.error.title + '：' + d.error.message + (d.error.hint ? '（' + d.error.hint + '）' : ''); }
    return 'HTTP ' + status;
  }

  // ---------------------------------------------------------------------------------------------------
  // Status line, progress bar and result
  // ---------------------------------------------------------------------------------------------------

  function status(text, cls, fraction) {
    $('upload-status').hidden = false;
    $('upload-line').textContent = text;
    $('upload-line').className = 'status-line ' + (cls || '');
    var bar = $('upload-progress');
    bar.hidden = fraction === undefined || fraction === null;  // no bar once an import has finished or failed
    if (!bar.hidden) { $('upload-bar').style.width = Math.round(100 * fraction) + '%'; }
  }
  function busy(on) {
    state.busy = on;
    ['upload-submit', 'preview-confirm', 'preview-cancel'].forEach(function (id) { $(id).disabled = on; });
    Array.prototype.forEach.call(document.querySelectorAll('#preview-mapping select'), function (s) { s.disabled = on; });
  }

  // ---------------------------------------------------------------------------------------------------
  // The preview and its mapping editor
  // ---------------------------------------------------------------------------------------------------

  function option(value, label, selected) {
    return '<option value="' + esc(value) + '"' + (selected ? ' selected' : '') + '>' + esc(label) + '</option>';
  }

  function renderPreview(d) {
    state.preview = d;
    $('preview').hidden = false;
    $('preview-file').textContent = d.file;
    $('preview-summary').textContent = fill(t('preview_summary'), d.counts);
    var problem = $('preview-problem');
    problem.hidden = !d.problem;
    problem.textContent = d.problem ? d.problem.message + ' ' + t('preview_problem_hint') : '';
    $('preview-confirm').disabled = !!d.problem;
    var codes = d.codes;
    $('preview-mapping').querySelector('tbody').innerHTML = d.columns.rows.map(function (c, i) {
      var field = c.field || 'ignore';
      var select = '<select data-header="' + esc(c.header) + '" data-kind="field" aria-label="' + esc(c.header) + '">' +
        d.choices.map(function (o) { return option(o.value, o.label, o.value === field); }).join('') + '</select>';
      var unit = c.units && c.units.length ? '<select data-field="' + esc(c.field) + '" data-kind="unit" aria-label="' + esc(c.header) + ' ' + esc(t('unit')) + '">' +
        c.units.map(function (u) { return option(u, codes.file_unit[u] || u, u === c.unit); }).join('') + '</select>' : '—';
      var source = c.unit_source ? '<span class="unit-' + esc(c.unit_source) + '">' + esc(codes.unit_source[c.unit_source]) + '</span>' : '';
      return '<tr data-row="' + i + '" class="map-' + esc(c.status) + '"><td class="num">' + esc(c.position) + '</td><td>' + esc(c.header) +
        (c.sheet ? ' <span class="sub">' + esc(c.sheet) + '</span>' : '') + '</td><td>' + select + '</td><td>' + esc(codes.mapping_status[c.status] || c.status) +
        '</td><td>' + unit + '</td><td>' + source + '</td><td>' + esc(c.stored_unit ? codes.file_unit[c.stored_unit] : '') + '</td></tr>';
    }).join('');
    var unknown = d.columns.rows.filter(function (c) { return c.status === 'unrecognised'; }).map(function (c) { return c.header; });
    $('preview-unrecognised').hidden = !unknown.length;
    $('preview-unrecognised').textContent = t('preview_unrecognised') + '：' + unknown.join('、');
    renderRows(d.rows);
    renderReasons(d);
    var expires = d.expires_at.replace('T', ' ');
    $('preview-expires').textContent = fill(t('preview_expires'), { time: expires });
  }

  function cell(col, v) {
    if (v === null || v === undefined) { return '—'; }
    if (col.type === 'number' || col.type === 'integer') { return fmt(num(v)); }
    if (col.type === 'list') { return v.map(esc).join('、'); }
    return esc(loc(v));
  }

  function renderRows(rows) {
    var shown = rows.columns.filter(function (c) { return c.key !== 'sheet' || rows.rows.some(function (r) { return r.sheet; }); });
    $('preview-rows-title').textContent = fill(t('preview_rows_title'), { n: rows.rows.length });
    $('preview-rows').querySelector('thead').innerHTML = '<tr>' + shown.map(function (c) {
      var isNum = c.type === 'number' || c.type === 'integer';
      return '<th' + (isNum ? ' class="num"' : '') + '>' + esc(c.label) + (c.unit_label ? '（' + esc(c.unit_label) + '）' : '') + '</th>';
    }).join('') + '</tr>';
    $('preview-rows').querySelector('tbody').innerHTML = rows.rows.length ? rows.rows.map(function (r) {
      return '<tr>' + shown.map(function (c) {
        var isNum = c.type === 'number' || c.type === 'integer' || c.key === 'row_number';
        return '<td' + (isNum ? ' class="num"' : '') + '>' + cell(c, r[c.key]) + '</td>';
      }).join('') + '</tr>';
    }).join('') : '<tr><td class="note" colspan="' + shown.length + '">' + esc(t('preview_no_rows')) + '</td></tr>';
  }

  function renderReasons(d) {
    var rows = d.quarantine.rows;
    var sub = d.counts.rows_quarantined + ' ' + t('unit_row');
    if (d.counts.reasons > rows.length) { sub += ' · ' + fill(t('preview_quarantine_more'), { n: rows.length }); }
    $('preview-quarantine-sub').textContent = sub;
    $('preview-quarantine').querySelector('tbody').innerHTML = rows.length ? rows.map(function (r) {
      return '<tr><td class="num">' + esc(r.row_number) + '</td><td><code>' + esc(r.uscc || '—') + '</code></td><td>' + esc(loc(r.field_name) || r.field) +
        '</td><td class="wrap reason">' + esc(loc(r.reason)) + '</td></tr>';
    }).join('') : '<tr><td colspan="4" class="note">' + esc(t('preview_no_quarantine')) + '</td></tr>';
  }

  function changed(ev) {
    var el = ev.target;
    if (!state.preview || el.tagName !== 'SELECT') { return; }
    if (el.getAttribute('data-kind') === 'field') { state.columns[el.getAttribute('data-header')] = el.value; }
    if (el.getAttribute('data-kind') === 'unit') { state.units[el.getAttribute('data-field')] = el.value; }
    repreview();
  }

  function repreview() {
    var body = { columns: state.columns, units: state.units };
    var year = $('upload-year').value.trim();
    body.year = year ? Number(year) : null;
    busy(true);
    status(t('preview_loading'), '', null);
    call('POST', state.preview.url, body).then(function (res) {
      busy(false);
      if (res[0] !== 200) { status(errorText(res[1], res[0]), 'failed', null); return; }
      $('upload-status').hidden = true;
      renderPreview(res[1]);
    }).catch(function (err) { busy(false); status(err.message, 'failed', null); });
  }

  // ---------------------------------------------------------------------------------------------------
  // Upload, confirm, cancel, the import's progress and result
  // ---------------------------------------------------------------------------------------------------

  function upload(ev) {
    ev.preventDefault();
    var file = $('upload-file').files[0];
    if (!file) { return; }
    $('upload-report').innerHTML = '';
    if (file.size > model.max_upload_bytes) {
      status(t('too_large') + '（' + fmt(file.size / 1048576, 1) + ' MB > ' + fmt(model.max_upload_bytes / 1048576, 0) + ' MB）', 'failed', null);
      return;
    }
    state.columns = {}; state.units = {}; state.preview = null;
    $('preview').hidden = true;
    busy(true);
    status(t('uploading') + ' ' + file.name, '', null);
    call('POST', $('preview-form').action, new FormData($('preview-form'))).then(function (res) {
      busy(false);
      if (res[0] !== 201) { status(errorText(res[1], res[0]), 'failed', null); return; }
      $('upload-status').hidden = true;
      renderPreview(res[1]);
      $('preview').scrollIntoView({ behavior: 'instant', block: 'start' });
    }).catch(function (err) { busy(false); status(err.message, 'failed', null); });
  }

  function confirmImport() {
    var d = state.preview;
    if (!d || state.busy) { return; }
    busy(true);
    status(t('uploading'), '', 0.02);
    call('POST', '/api/v1/data/imports', { preview: d.token, revision: d.revision }).then(function (res) {
      if (res[0] !== 202) { busy(false); status(errorText(res[1], res[0]), 'failed', null); return; }
      $('preview').hidden = true;
      state.preview = null;
      poll(res[1].url);
    }).catch(function (err) { busy(false); status(err.message, 'failed', null); });
  }

  function cancel() {
    var d = state.preview;
    if (!d || state.busy) { return; }
    busy(true);
    call('DELETE', d.url).then(function (res) {
      busy(false);
      $('preview').hidden = true;
      state.preview = null;
      $('preview-form').reset();
      status(res[0] === 200 ? t('preview_cancelled') : errorText(res[1], res[0]), res[0] === 200 ? '' : 'failed', null);
    }).catch(function (err) { busy(false); status(err.message, 'failed', null); });
  }

  function poll(url) {
    call('GET', url).then(function (res) {
      var d = res[1];
      if (d.error && !d.status) { busy(false); status(errorText(d, res[0]), 'failed', null); return; }
      if (d.status === 'done') { finished(d.report); return; }
      if (d.status === 'failed') { busy(false); status(errorText({ error: d.error }, 500), 'failed', null); return; }
      status((d.stage_label || d.stage) + ' · ' + Math.round(100 * d.fraction) + '%', '', d.fraction);
      setTimeout(function () { poll(url); }, 250);
    }).catch(function (err) { busy(false); status(err.message, 'failed', null); });
  }

  function finished(rp) {
    busy(false);
    $('preview-form').reset();
    $('upload-bar').style.width = '0';
    status(t('import_done') + ' · ' + t('batch') + ' ' + rp.batch_id + ' · ' + rp.seconds + ' s', 'done', null);
    $('upload-report').innerHTML = [['rows_total', rp.rows_total], ['rows_loaded', rp.rows_loaded], ['rows_quarantined', rp.rows_quarantined],
      ['inserted', rp.enterprises.inserted], ['updated', rp.enterprises.updated], ['figures_rows', rp.figures.inserted + rp.figures.updated]].map(function (p) {
      return '<div>' + esc(t(p[0])) + '<b>' + fmt(p[1], 0) + '</b></div>';
    }).join('');
    if (rp.learned_rows || rp.queued) {  // firms without a code were read from their scopes (issue 11)
      var acc = pct(rp.learned_cv_accuracy);
      $('upload-report').innerHTML += '<p class="note learned" id="upload-learned">' + esc(t('review_learned').replace('{rows}', fmt(rp.learned_rows, 0))
        .replace('{accuracy}', acc).replace('{queued}', fmt(rp.queued, 0))
        + (rp.queued_unread ? t('review_unread').replace('{n}', fmt(rp.queued_unread, 0)) : '')) + ' <a href="/review">' + esc(t('review_title')) + '</a></p>';
    }
    if (rp.reader_check) {  // the reader checked on the registry's coded firms, its curve recalibrated on them (issue 11)
      var c = rp.reader_check;
      $('upload-report').innerHTML += '<p class="note learned" id="upload-reader-check">'
        + esc(t('reader_check').replace('{rows}', fmt(c.rows, 0)).replace('{right}', pct(c.right)).replace('{division}', pct(c.division_right)))
        + '<br>' + esc(t('reader_recalibrated').replace('{shipped_accepted}', pct(c.shipped_accepted)).replace('{shipped_right}', pct(c.shipped_right))
          .replace('{own_accepted}', pct(c.own_accepted)).replace('{own_right}', pct(c.own_right))) + '</p>';
    }
    call('GET', '/api/v1/data/batches').then(function (res) { if (res[0] === 200) { renderBatches(res[1]); } });
    call('GET', '/api/v1/data/quarantine?batch=' + rp.batch_id).then(function (res) { if (res[0] === 200) { renderQuarantine(res[1]); } });
  }

  // ---------------------------------------------------------------------------------------------------
  // Import history and the latest quarantine
  // ---------------------------------------------------------------------------------------------------

  function renderBatches(b) {
    $('batches').querySelector('tbody').innerHTML = b.rows.map(function (r) {
      return '<tr><td>' + esc(r.batch_id) + '</td><td>' + esc(r.kind === 'demo' ? t('synthetic') : r.file) + (r.synthetic ? ' <span class="badge badge-synthetic">' + esc(t('synthetic')) + '</span>' : '') + '</td><td>' + esc(r.finished_at) +
        '</td><td class="num">' + fmt(num(r.rows_total), 0) + '</td><td class="num">' + fmt(num(r.rows_loaded), 0) + '</td><td class="num">' + fmt(num(r.rows_quarantined), 0) + '</td><td class="num">' + fmt(num(r.inserted), 0) +
        '</td><td class="num">' + fmt(num(r.updated), 0) + '</td><td>' + (num(r.rows_quarantined) ? '<a href="/data?batch=' + esc(r.batch_id) + '#quarantine">' + esc(t('quarantine')) + '</a>' : '') + '</td></tr>';
    }).join('');
    model.batches = b;
    drawBatches();
  }

  function renderQuarantine(q) {
    $('quarantine-table').querySelector('tbody').innerHTML = q.rows.length ? q.rows.map(function (r) {
      return '<tr><td>' + esc(r.sheet || '—') + '</td><td class="num">' + esc(r.row_number) + '</td><td><code>' + esc(r.uscc || '—') + '</code></td><td class="wrap reason">' + esc(loc(r.reason_text)) + '</td></tr>';
    }).join('') : '<tr><td colspan="4" class="note">' + esc(t('no_quarantine')) + '</td></tr>';
    $('quarantine-sub').textContent = t('batch') + ' ' + q.batch + ' · ' + q.total + ' ' + t('unit_row');
    $('quarantine-xlsx').href = '/api/v1/data/quarantine?format=xlsx&batch=' + q.batch;
  }

  // One row per batch (newest on top), loaded and quarantined rows side by side on a log scale with their
  // counts written at the bar ends: a batch of 3 rows stays as visible as one of 6,000.
  function batchOption() {
    var rows = (model.batches.rows || []).slice().reverse();
    var label = { show: true, position: 'right', fontSize: 11, color: '#1d2433', formatter: function (p) { return fmt(p.value, 0); } };
    function values(key) { return rows.map(function (b) { var v = num(b[key]); return v ? v : null; }); }
    var prov = model.synthetic ? t('synthetic') : t('registry_source');
    return chanyeCharts.base('batches', {
      color: ['#2fa36b', '#d9534f'],
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 56, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      yAxis: { type: 'category', inverse: true, data: rows.map(function (b) { return '#' + b.batch_id; }) },
      xAxis: { type: 'log', logBase: 10, min: 1, name: t('unit_row') + '（log）', nameLocation: 'end', nameGap: 8, splitLine: { lineStyle: { color: '#eef1f5' } } },
      series: [
        { name: t('rows_loaded'), type: 'bar', barMaxWidth: 14, data: values('rows_loaded'), label: label },
        { name: t('rows_quarantined'), type: 'bar', barMaxWidth: 14, data: values('rows_quarantined'), label: label }
      ]
    }, { provenance: prov, save: t('save_png') });
  }

  var batchChart = null;
  function drawBatches() {
    var el = document.querySelector('[data-chart=batch-rows]');
    if (!el || typeof echarts === 'undefined' || !model.batches) { return; }
    var n = (model.batches.rows || []).length;
    el.style.height = Math.max(160, 70 + 34 * n) + 'px';  // every batch gets its own readable row
    if (batchChart) { batchChart.resize(); batchChart.setOption(batchOption(), true); return; }
    batchChart = chanyeCharts.mount(el, batchOption());
  }

  var form = $('preview-form');
  if (form) {
    form.addEventListener('submit', upload);
    $('preview-mapping').addEventListener('change', changed);
    $('upload-year').addEventListener('change', function () { if (state.preview) { repreview(); } });
    $('preview-confirm').addEventListener('click', confirmImport);
    $('preview-cancel').addEventListener('click', cancel);
    // the label-button's file name (issue 15 polish): the chosen file, or "no file chosen" after a reset
    var fileName = $('upload-file-name');
    var showName = function () {
      var f = $('upload-file').files[0];
      fileName.textContent = f ? f.name : t('no_file_chosen');
      fileName.classList.toggle('chosen', Boolean(f));
      if (f) { fileName.title = f.name; } else { fileName.removeAttribute('title'); }
    };
    $('upload-file').addEventListener('change', showName);
    form.addEventListener('reset', function () { setTimeout(showName, 0); });
  }

  // ---------------------------------------------------------------------------------------------------
  // A project list or a file of transformation indicators (one request; the answer is the import's counts)
  // ---------------------------------------------------------------------------------------------------

  function listLine(html, cls) {
    var line = $('list-line');
    line.hidden = false;
    line.innerHTML = html;
    line.className = 'status-line ' + (cls || '');
  }

  function listImport(ev) {
    ev.preventDefault();
    var listForm = $('list-form');
    var file = $('list-file').files[0];
    if (!file) { return; }
    var limit = Number(listForm.getAttribute('data-max-bytes'));
    if (file.size > limit) {
      listLine(esc(t('too_large') + '（' + fmt(file.size / 1048576, 1) + ' MB > ' + fmt(limit / 1048576, 0) + ' MB）'), 'failed');
      return;
    }
    var kind = $('list-kind').value;
    $('list-submit').disabled = true;
    listLine(esc(t('uploading') + ' ' + file.name), '');
    call('POST', '/api/v1/data/' + kind + '/imports', new FormData(listForm)).then(function (res) {
      $('list-submit').disabled = false;
      var d = res[1];
      if (res[0] !== 200) { listLine(esc(errorText(d, res[0])), 'failed'); return; }
      var text = fill(t('list_done'), { batch: d.batch_id, rows_total: fmt(d.rows_total, 0), loaded: fmt(d.loaded, 0),
        inserted: fmt(d.inserted, 0), updated: fmt(d.updated, 0), unchanged: fmt(d.unchanged, 0), quarantined: fmt(d.quarantined, 0) });
      var links = ' <a href="' + esc(d.links.view) + '">' + esc(t('list_view_' + d.kind)) + '</a>';
      if (d.links.quarantine) { links += ' · <a href="#quarantine">' + esc(t('quarantine')) + '</a>'; }
      listLine(esc(text) + links, 'done');
      call('GET', '/api/v1/data/batches').then(function (r) { if (r[0] === 200) { renderBatches(r[1]); } });
      if (d.quarantine) { renderQuarantine(d.quarantine); }
    }).catch(function (err) { $('list-submit').disabled = false; listLine(esc(err.message), 'failed'); });
  }

  var listForm = $('list-form');
  if (listForm) {
    listForm.addEventListener('submit', listImport);
    var listKind = function () { $('list-date-label').hidden = $('list-kind').value !== 'projects'; };
    $('list-kind').addEventListener('change', listKind);
    listKind();
    $('list-file').addEventListener('change', function () {
      var f = $('list-file').files[0];
      $('list-file-name').textContent = f ? f.name : t('no_file_chosen');
      $('list-file-name').classList.toggle('chosen', Boolean(f));
    });
  }
  drawBatches();
}());
