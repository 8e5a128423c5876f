/* chanye dashboard: charts from the model embedded in the page (no fetch before the first chart), the
   enterprise tables (sort, search, page through /api/v1/enterprises) and the upload with progress.
   window.__chanyeFirstChart: performance.now() at the first chart's 'finished' event (benchmarks/first_chart.py);
   window.__chanyeRendered: ids of the charts that have rendered; window.__chanyeLastChart: when the last did. */
(function () {
  'use strict';

  var model = JSON.parse(document.getElementById('chanye-model').textContent || '{}');
  var page = JSON.parse(document.getElementById('chanye-page').textContent || '{}');
  var lang = page.lang || 'zh';
  var words = page.words || {};
  var FONT = chanyeCharts.FONT;
  var COLORS = ['#1456b8', '#e8684a', '#2fa36b', '#f6bd16', '#6f5ef9', '#13a8a8', '#d4588b', '#9a6a3a', '#5b8ff9', '#7b8794'];
  var KIND_COLOR = { cluster: '#1456b8', future: '#6f5ef9', service: '#13a8a8', system: '#0b3a82', principle: '#e8684a', theme: '#f6a23c', tier: '#2fa36b' };
  var GREY = '#a0a8b5';
  var charts = chanyeCharts.charts;


  function t(key) { return Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key; }
  function nm(o) { return (lang === 'en' && o && o.name_en) ? o.name_en : (o ? o.name : ''); }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) { return '—'; }
    return Number(v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: digits === undefined ? 0 : digits, minimumFractionDigits: digits === undefined ? 0 : digits });
  }
  function signed(v, digits) { return (v === null || v === undefined) ? '—' : ((v > 0 ? '+' : '') + fmt(v, digits)); }
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function provText() {
    var p = model.provenance;
    return (model.synthetic === true || p === 'synthetic' || (p && p.synthetic)) ? t('synthetic') : t('registry_source');
  }
  // Typed payloads (/api/v1): a number cell is {value, unit, provenance}; a name is {zh, en}.
  function num(v) { return v !== null && v !== undefined && typeof v === 'object' ? v.value : v; }
  function loc(n) { return n && typeof n === 'object' ? (n[lang] || n.zh) : (n || ''); }

  // Every chart: the same font, a PNG button (toolbox saveAsImage) and a provenance subtitle in the image.
  function base(name, extra) {
    var opt = chanyeCharts.base(name, extra, { provenance: provText(), save: t('save_png') });
    if (!extra || !extra.color) { opt.color = COLORS; }
    return opt;
  }
  var mount = chanyeCharts.mount;

  var mapPromises = {};
  function loadMap(code) {
    if (!mapPromises[code]) {
      mapPromises[code] = fetch('/vendor/maps/' + code + '.json').then(function (r) {
        if (!r.ok) { throw new Error('map ' + r.status); }
        return r.json();
      }).then(function (geo) { echarts.registerMap('city-' + code, geo); return geo; });
    }
    return mapPromises[code];
  }

  // ---------------------------------------------------------------------------------------------------
  // Chart builders: el, model -> option (or a promise for maps)
  // ---------------------------------------------------------------------------------------------------

  function shorten(text, cjk, latin) {
    var limit = /[\u3400-\u9fff]/.test(text) ? cjk : latin;
    return text.length > limit ? text.slice(0, limit - 1) + '…' : text;
  }

  function treeItem(n, depth) {
    var provisional = n.status === 'provisional';
    var color = provisional ? '#ffffff' : (KIND_COLOR[n.kind] || COLORS[0]);
    var full = (n.label ? n.label + ' ' : '') + nm(n);
    // Inner nodes sit between two columns of the tree: a short label, the full name in the tooltip.
    // Leaves in an inner column (the "1" principle, the themes of "2") are shortened too.
    var inner = n.children || depth < 3;
    var shown = depth === 0 ? (n.label || nm(n)) : (inner ? shorten(full, 10, 22) : nm(n));
    var item = {
      name: shown + (provisional ? '（' + t('provisional') + '）' : ''), fullName: full,
      id: n.id, kind: n.kind, status: n.status, isIndustry: n.is_industry,
      itemStyle: { color: color, borderColor: provisional ? GREY : color, borderType: provisional ? 'dashed' : 'solid', borderWidth: provisional ? 1.5 : 1 },
      lineStyle: provisional ? { type: 'dashed', color: GREY } : undefined,
      label: { color: provisional ? '#8a94a6' : '#1d2433' }
    };
    if (n.children) { item.children = n.children.map(function (c) { return treeItem(c, depth + 1); }); }
    return item;
  }

  var builders = {};

  builders.tree = function (el) {
    return base('tree', {
      tooltip: { formatter: function (p) { return esc(p.data.fullName) + '<br>' + esc(t(p.data.status)); } },
      series: [{
        type: 'tree', data: [treeItem(model.tree, 0)], orient: 'LR', layout: 'orthogonal', initialTreeDepth: -1,
        top: 24, bottom: 8, left: 60, right: lang === 'en' ? 300 : 200, symbolSize: 9, expandAndCollapse: false, roam: false,
        label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: 12, fontFamily: FONT },
        leaves: { label: { position: 'right', verticalAlign: 'middle', align: 'left' } },
        lineStyle: { color: '#b8c4d6', width: 1.2, curveness: 0 }
      }]
    });
  };
  function treeClick(p) { if (p.data && p.data.isIndustry) { window.location.href = '/cluster/' + p.data.id; } }

  function clusterBar(rows) {
    var sorted = rows.filter(function (r) { return r.value !== null; }).sort(function (a, b) { return a.value - b.value; });
    return base('scale', {
      grid: { left: 8, right: 60, top: 30, bottom: 24, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var r = sorted[ps[0].dataIndex];
        return esc(nm(r)) + '<br>' + esc(lang === 'en' ? r.metric_label_en : r.metric_label) + ' ' + r.year + ': <b>' + fmt(r.value, 1) + '</b> ' + t('unit_yi') +
          '<br>' + t('col_growth') + ': ' + signed(r.growth, 1) + '%<br>' + t(r.status);
      } },
      xAxis: { type: 'value', name: t('unit_yi'), nameTextStyle: { fontSize: 11 }, splitNumber: 4, axisLabel: { hideOverlap: true, fontSize: 10 }, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', data: sorted.map(function (r) { return shorten(nm(r), 12, 30) + (r.status === 'provisional' ? '*' : ''); }), axisLabel: { fontSize: 11 } },
      series: [{
        type: 'bar', barMaxWidth: 14,
        data: sorted.map(function (r) {
          var provisional = r.status === 'provisional';
          return { value: r.value, id: r.id, itemStyle: { color: provisional ? '#d5dae2' : (KIND_COLOR[r.kind] || COLORS[0]), borderColor: provisional ? GREY : undefined, borderType: 'dashed', borderWidth: provisional ? 1 : 0 } };
        }),
        label: { show: true, position: 'right', fontSize: 10, formatter: function (p) { return fmt(p.value, 0); } },
        markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' }, label: { formatter: t('thousand_billion_line'), color: '#b42318', fontSize: 11 }, data: [{ xAxis: 1000 }] }
      }]
    });
  }
  builders.scaleBar = function () { return clusterBar(model.clusters || []); };
  function goCluster(p) { if (p.data && p.data.id) { window.location.href = '/cluster/' + p.data.id; } }

  builders.bubble = function () {
    var kinds = ['cluster', 'future', 'service'];
    var rows = (model.clusters || []).filter(function (r) { return r.value !== null && r.value > 0; });
    var maxN = Math.max.apply(null, rows.map(function (r) { return r.enterprises || 1; }).concat([1]));
    return base('bubble', {
      legend: { top: 0, left: 0, data: kinds.map(function (k) { return t('kind_' + k); }) },
      grid: { left: 56, right: 40, top: 44, bottom: 46 },
      tooltip: { formatter: function (p) {
        var r = p.data.row;
        return esc(nm(r)) + (r.status === 'provisional' ? '（' + t('provisional') + '）' : '') + '<br>' + esc(lang === 'en' ? r.metric_label_en : r.metric_label) + ': <b>' + fmt(r.value, 1) + '</b> ' + t('unit_yi') +
          '<br>' + t('col_growth') + ': ' + signed(r.growth, 1) + '%<br>' + t('col_enterprises') + ': ' + fmt(r.enterprises) + ' ' + t('unit_firm') + '<br>' + r.year;
      } },
      xAxis: { type: 'log', name: t('bubble_x'), nameLocation: 'middle', nameGap: 28, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'value', name: t('bubble_y'), splitLine: { lineStyle: { color: '#eef1f5' } } },
      series: kinds.map(function (k) {
        return {
          name: t('kind_' + k), type: 'scatter', itemStyle: { color: KIND_COLOR[k], opacity: 0.78 },
          label: { show: true, position: 'top', fontSize: 10, color: '#3b4557', formatter: function (p) { return nm(p.data.row); } },
          labelLayout: { hideOverlap: true },
          data: rows.filter(function (r) { return r.kind === k; }).map(function (r) {
            var provisional = r.status === 'provisional';
            return { value: [r.value, r.growth === null ? 0 : r.growth, r.enterprises], id: r.id, row: r,
              symbolSize: 8 + 52 * Math.sqrt((r.enterprises || 0) / maxN),
              itemStyle: provisional ? { color: '#e3e7ee', borderColor: GREY, borderType: 'dashed', borderWidth: 1.5 } : undefined };
          }),
          markLine: k === 'cluster' ? { symbol: 'none', silent: true, lineStyle: { color: '#b42318', type: 'dashed' }, label: { formatter: t('thousand_billion_line'), color: '#b42318', fontSize: 10 }, data: [{ xAxis: 1000 }] } : undefined
        };
      })
    });
  };

  builders.trend = function () {
    var tr = model.trend;
    return base('trend', {
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 40, top: 60, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: tr.years.map(String) },
      yAxis: [{ type: 'value', name: t('unit_yi'), splitLine: { lineStyle: { color: '#eef1f5' } } }, { type: 'value', name: '%', splitLine: { show: false } }],
      series: [
        { name: (lang === 'en' ? tr.metric_label_en + ' (' + t('unit_yi') + ')' : tr.metric_label + '（' + t('unit_yi') + '）'), type: 'bar', barMaxWidth: 36, data: tr.values,
          label: { show: true, position: 'top', fontSize: 10, formatter: function (p) { return fmt(p.value, 0); } },
          markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' }, label: { position: 'insideEndTop', formatter: t('thousand_billion_line'), fontSize: 10, color: '#b42318' }, data: [{ yAxis: 1000 }] } },
        { name: t('col_growth') + '（%）', type: 'line', yAxisIndex: 1, data: tr.yoy, symbolSize: 6, itemStyle: { color: '#e8684a' } }
      ]
    });
  };

  function choropleth(el, rows, valueKey, unitLabel, name) {
    var code = el.getAttribute('data-map');
    return loadMap(code).then(function () {
      var en = {};
      rows.forEach(function (d) { en[d.name] = d.name_en; });
      var values = rows.map(function (d) { return d[valueKey]; }).filter(function (v) { return v !== null; });
      return base(name, {
        tooltip: { formatter: function (p) { var d = p.data || {}; return esc(lang === 'en' ? (en[p.name] || p.name) : p.name) + ': <b>' + fmt(d.value, 1) + '</b> ' + unitLabel; } },
        visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), left: 0, bottom: 0, calculable: true, text: [t('high') + '（' + unitLabel + '）', t('low')], inRange: { color: ['#e8f0fc', '#7aa6e6', '#1456b8', '#082c66'] }, textStyle: { fontSize: 11 } },
        series: [{
          type: 'map', map: 'city-' + code, roam: false, top: 24, bottom: 8,
          label: { show: true, fontSize: 10, color: '#1d2433', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) { return lang === 'en' ? (en[p.name] || p.name) : p.name; } },
          labelLayout: { hideOverlap: true },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          emphasis: { label: { color: '#000' }, itemStyle: { areaColor: '#ffc53d' } },
          data: rows.map(function (d) { return { name: d.name, value: d[valueKey], code: d.code }; })
        }]
      });
    });
  }
  function goDistrict(p) { if (p.data && p.data.code) { window.location.href = '/district/' + p.data.code; } }
  builders.clusterMap = function (el) { return choropleth(el, model.districts.rows, 'value', t('unit_yi'), 'map'); };
  builders.districtsMap = function (el) { return choropleth(el, model.rows, 'revenue', t('unit_yi'), 'districts'); };

  builders.tags = function () {
    var rows = model.tags.rows;
    return base('tags', {
      grid: { left: 8, right: 40, top: 26, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', name: t('unit_firm'), splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', data: rows.map(function (r) { return t('tag_' + r.tag); }), inverse: true },
      series: [{ type: 'bar', barMaxWidth: 16, data: rows.map(function (r) { return num(r.enterprises !== undefined ? r.enterprises : r.count); }), itemStyle: { color: '#6f5ef9' }, label: { show: true, position: 'right', fontSize: 10 } }]
    });
  };

  builders.targets = function () {
    var rows = model.targets;
    return base('targets', {
      grid: { left: 8, right: 50, top: 26, bottom: 8, containLabel: true },
      tooltip: { formatter: function (p) { var g = rows[p.dataIndex]; return fmt(g.latest, 0) + ' / ' + fmt(g.target, 0) + ' ' + t('unit_yi') + '<br>' + g.latest_year + ' → ' + g.target_year + '<br>' + esc(lang === 'en' ? g.status_en : g.status_zh); } },
      xAxis: { type: 'value', name: '%', max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); } },
      yAxis: { type: 'category', data: rows.map(function (g) { return fmt(g.target, 0) + g.unit + '·' + g.target_year; }) },
      series: [{ type: 'bar', barMaxWidth: 16, data: rows.map(function (g) { return g.latest && g.target ? Math.round(1000 * g.latest / g.target) / 10 : 0; }),
        itemStyle: { color: '#2fa36b' }, label: { show: true, position: 'right', formatter: '{c}%', fontSize: 10 },
        markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' }, label: { formatter: '100%', fontSize: 10 }, data: [{ xAxis: 100 }] } }]
    });
  };

  builders.treemap = function () {
    var groups = {};
    model.mix.forEach(function (m) {
      if (!m.revenue) { return; }
      var key = lang === 'en' ? m.parent_name_en : m.parent_name;
      (groups[key] = groups[key] || []).push({ name: nm(m), value: m.revenue, id: m.id,
        itemStyle: m.status === 'provisional' ? { color: '#d5dae2', borderColor: GREY } : undefined });
    });
    var data = Object.keys(groups).map(function (k) { return { name: k, children: groups[k] }; });
    return base('treemap', {
      tooltip: { formatter: function (p) { return esc(p.name) + ': <b>' + fmt(p.value, 1) + '</b> ' + t('unit_yi'); } },
      series: [{ type: 'treemap', data: data, top: 26, bottom: 8, left: 4, right: 4, roam: false, nodeClick: false, breadcrumb: { show: false },
        animation: false, animationDurationUpdate: 0,
        label: { fontSize: 11, formatter: function (p) { return p.name + '\n' + fmt(p.value, 0); } },
        upperLabel: { show: true, height: 18, fontSize: 11, color: '#fff' },
        levels: [{ itemStyle: { borderColor: '#fff', borderWidth: 2, gapWidth: 2 } }, { itemStyle: { borderColor: '#fff', borderWidth: 1, gapWidth: 1 }, colorSaturation: [0.35, 0.6] }] }]
    });
  };

  function nodeBars(key, name, digits, ref, colorFn) {
    var rows = model.mix.filter(function (m) { return m[key] !== null && m[key] !== undefined && m.enterprises; })
      .sort(function (a, b) { return a[key] - b[key]; });
    return base(name, {
      grid: { left: 8, right: 44, top: 26, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) { var m = rows[ps[0].dataIndex]; return esc(nm(m)) + ': <b>' + fmt(m[key], digits) + '</b>'; } },
      xAxis: { type: 'value', splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', data: rows.map(function (m) { return nm(m) + (m.status === 'provisional' ? '*' : ''); }), axisLabel: { fontSize: 10 } },
      series: [{ type: 'bar', barMaxWidth: 12, data: rows.map(function (m) { return { value: m[key], id: m.id, itemStyle: { color: colorFn(m) } }; }),
        label: { show: true, position: 'right', fontSize: 9, formatter: function (p) { return fmt(p.value, digits); } },
        markLine: { symbol: 'none', lineStyle: { color: '#7b8794', type: 'dashed' }, label: { show: false }, data: [{ xAxis: ref }] } }]
    });
  }
  builders.lq = function () { return nodeBars('lq', 'lq', 2, 1, function (m) { return m.status === 'provisional' ? '#d5dae2' : (m.lq >= 1 ? '#1456b8' : '#9db8e3'); }); };
  builders.growth = function () { return nodeBars('growth', 'growth', 1, 0, function (m) { return m.status === 'provisional' ? '#d5dae2' : (m.growth >= 0 ? '#d9534f' : '#2fa36b'); }); };

  builders.facet = function () {
    var rows = model.facets.rows;
    return base('facet', {
      grid: { left: 8, right: 40, top: 26, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', name: t('unit_firm'), splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', inverse: true, data: rows.map(function (d) { return loc(d.district); }) },
      series: [{ type: 'bar', barMaxWidth: 14, data: rows.map(function (d) { return { value: num(d.enterprises), code: d.district_code }; }), label: { show: true, position: 'right', fontSize: 10 } }]
    });
  };
  function facetClick(p) {
    if (!p.data || !p.data.code) { return; }
    var u = new URL(window.location.href); u.searchParams.set('district', p.data.code); u.searchParams.delete('page');
    window.location.href = u.toString();
  }

  builders.firmFigures = function () {
    var figs = model.figures.rows || [];
    var years = figs.map(function (f) { return String(f.year); });
    var money = ['revenue', 'industrial_output', 'value_added'];
    var cols = {};
    model.figures.columns.forEach(function (c) { cols[c.key] = c; });
    function head(c) { return c.label + (lang === 'en' ? ' (' + c.unit_label + ')' : '（' + c.unit_label + '）'); }
    var series = money.map(function (k) {
      return { name: head(cols[k]), type: 'line', symbolSize: 6, data: figs.map(function (f) { return num(f[k]); }) };
    });
    series.push({ name: head(cols.employees), type: 'bar', yAxisIndex: 1, barMaxWidth: 24, itemStyle: { color: '#d5dae2' }, data: figs.map(function (f) { return num(f.employees); }) });
    return base('figures', {
      legend: { top: 0, left: 0, type: 'scroll', right: 80 },
      grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: years },
      yAxis: [{ type: 'value', name: t('unit_wan'), splitLine: { lineStyle: { color: '#eef1f5' } } }, { type: 'value', name: t('unit_person'), splitLine: { show: false } }],
      series: series
    });
  };

  builders.batches = function () {
    var rows = (model.batches.rows || []).slice().reverse();
    return base('batches', {
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: rows.map(function (b) { return '#' + b.batch_id; }) },
      yAxis: { type: 'value', name: t('unit_row'), splitLine: { lineStyle: { color: '#eef1f5' } } },
      series: [
        { name: t('rows_loaded'), type: 'bar', stack: 'rows', barMaxWidth: 30, data: rows.map(function (b) { return num(b.rows_loaded); }), itemStyle: { color: '#2fa36b' } },
        { name: t('rows_quarantined'), type: 'bar', stack: 'rows', barMaxWidth: 30, data: rows.map(function (b) { return num(b.rows_quarantined); }), itemStyle: { color: '#d9534f' } }
      ]
    });
  };

  var clicks = { tree: treeClick, scaleBar: goCluster, bubble: goCluster, clusterMap: goDistrict, districtsMap: goDistrict, treemap: goCluster, lq: goCluster, growth: goCluster, facet: facetClick };

  function drawAll() {
    if (typeof echarts === 'undefined') { return; }
    var els = document.querySelectorAll('[data-chart]');
    Array.prototype.forEach.call(els, function (el) {
      var kind = el.getAttribute('data-chart');
      var build = builders[kind];
      if (!build) { return; }
      var option;
      try { option = build(el); } catch (err) { el.textContent = t('chart_failed') + ': ' + err.message; throw err; }
      if (option && typeof option.then === 'function') {
        option.then(function (opt) { mount(el, opt, clicks[kind]); }, function (err) { el.textContent = t('chart_failed') + ': ' + err.message; });
      } else {
        mount(el, option, clicks[kind]);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Enterprise tables: sort, search and page through /api/v1/enterprises
  // ---------------------------------------------------------------------------------------------------

  function tagBadges(tags) {
    return (tags || []).map(function (tg) { return '<span class="badge badge-tag">' + esc(t('tag_' + tg)) + '</span>'; }).join(' ');
  }

  function enhanceTable(box) {
    var params = JSON.parse(box.getAttribute('data-params') || '{}');
    var state = { page: 1, per_page: 10, sort: params.sort || 'revenue', order: 'desc', q: '' };
    var tbody = box.querySelector('tbody');
    var info = box.querySelector('[data-role=info]');
    var pageEl = box.querySelector('[data-role=page]');
    var prev = box.querySelector('[data-role=prev]');
    var next = box.querySelector('[data-role=next]');
    var xlsx = box.querySelector('[data-role=xlsx]');
    var input = box.querySelector('[data-role=q]');
    var seq = 0;
    function query(extra) {
      var u = new URLSearchParams();
      Object.keys(params).forEach(function (k) { if (params[k] !== null && params[k] !== undefined && k !== 'sort') { u.set(k, params[k]); } });
      u.set('sort', state.sort); u.set('order', state.order);
      if (state.q) { u.set('q', state.q); }
      Object.keys(extra || {}).forEach(function (k) { u.set(k, extra[k]); });
      return u;
    }
    function markSorted() {
      box.querySelectorAll('th.sortable').forEach(function (th) {
        th.classList.remove('sorted-asc', 'sorted-desc');
        if (th.getAttribute('data-sort') === state.sort) { th.classList.add('sorted-' + state.order); }
      });
    }
    function load() {
      var mine = ++seq;
      var u = query({ page: state.page, per_page: state.per_page });
      box.setAttribute('aria-busy', 'true');
      fetch('/api/v1/enterprises?' + u.toString(), { headers: { Accept: 'application/json' } }).then(function (r) { return r.json(); }).then(function (d) {
        if (mine !== seq) { return; }
        box.removeAttribute('aria-busy');
        if (d.error) { tbody.innerHTML = '<tr><td colspan="7" class="note">' + esc(d.error.message) + '</td></tr>'; return; }
        var start = (d.query.page - 1) * d.query.per_page;
        tbody.innerHTML = d.rows.length ? d.rows.map(function (r, i) {
          return '<tr><td class="num">' + (start + i + 1) + '</td><td><a href="/enterprise/' + esc(r.uscc) + '">' + esc(r.name) + '</a></td><td>' +
            esc(loc(r.district) || '—') + '</td><td class="num">' + fmt(num(r.revenue)) + '</td><td class="num">' + fmt(num(r.industrial_output)) +
            '</td><td class="num">' + fmt(num(r.employees)) + '</td><td>' + tagBadges(r.tags) + '</td></tr>';
        }).join('') : '<tr><td colspan="7" class="note">' + esc(t('no_results')) + '</td></tr>';
        info.textContent = t('total') + ' ' + fmt(d.total) + ' ' + t('unit_firm') + ' · ' + d.year + t('year_suffix');
        pageEl.textContent = d.query.page + ' / ' + d.pages;
        prev.disabled = d.query.page <= 1;
        next.disabled = d.query.page >= d.pages;
        state.pages = d.pages;
        if (xlsx) { xlsx.href = '/api/v1/enterprises?' + query({ format: 'xlsx', lang: lang }).toString(); }
        markSorted();
      }).catch(function (err) { box.removeAttribute('aria-busy'); tbody.innerHTML = '<tr><td colspan="7" class="note">' + esc(err.message) + '</td></tr>'; });
    }
    box.querySelectorAll('th.sortable').forEach(function (th) {
      th.addEventListener('click', function () {
        var key = th.getAttribute('data-sort');
        if (state.sort === key) { state.order = state.order === 'desc' ? 'asc' : 'desc'; } else { state.sort = key; state.order = key === 'name' ? 'asc' : 'desc'; }
        state.page = 1; load();
      });
    });
    prev.addEventListener('click', function () { if (state.page > 1) { state.page -= 1; load(); } });
    next.addEventListener('click', function () { state.page += 1; load(); });
    var timer = null;
    if (input) {
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () { state.q = input.value.trim(); state.page = 1; state.sort = state.q ? 'relevance' : (params.sort || 'revenue'); load(); }, 250);
      });
    }
    markSorted();
  }

  // ---------------------------------------------------------------------------------------------------
  // Upload with progress (/data)
  // ---------------------------------------------------------------------------------------------------

  function errorText(d, status) {
    if (d && d.error) { return d.error.title + '：' + d.error.message + (d.error.hint ? '（' + d.error.hint + '）' : ''); }
    return 'HTTP ' + status;
  }

  function renderQuarantine(q) {
    var body = document.querySelector('#quarantine-table tbody');
    if (!body) { return; }
    body.innerHTML = q.rows.length ? q.rows.map(function (r) {
      return '<tr><td>' + esc(r.sheet || '—') + '</td><td class="num">' + esc(r.row_number) + '</td><td><code>' + esc(r.uscc || '—') + '</code></td><td class="wrap reason">' + esc(loc(r.reason_text)) + '</td></tr>';
    }).join('') : '<tr><td colspan="4" class="note">' + esc(t('no_quarantine')) + '</td></tr>';
    document.getElementById('quarantine-sub').textContent = t('batch') + ' ' + q.batch + ' · ' + q.total + ' ' + t('unit_row');
    document.getElementById('quarantine-xlsx').href = '/api/v1/data/quarantine?format=xlsx&batch=' + q.batch;
  }

  function renderBatches(b) {
    var body = document.querySelector('#batches tbody');
    if (!body) { return; }
    body.innerHTML = b.rows.map(function (r) {
      return '<tr><td>' + esc(r.batch_id) + '</td><td>' + esc(r.kind === 'demo' ? t('synthetic') : r.file) + (r.synthetic ? ' <span class="badge badge-synthetic">' + esc(t('synthetic')) + '</span>' : '') + '</td><td>' + esc(r.finished_at) +
        '</td><td class="num">' + fmt(num(r.rows_total)) + '</td><td class="num">' + fmt(num(r.rows_loaded)) + '</td><td class="num">' + fmt(num(r.rows_quarantined)) + '</td><td class="num">' + fmt(num(r.inserted)) +
        '</td><td class="num">' + fmt(num(r.updated)) + '</td><td>' + (num(r.rows_quarantined) ? '<a href="/data?batch=' + esc(r.batch_id) + '#quarantine">' + esc(t('quarantine')) + '</a>' : '') + '</td></tr>';
    }).join('');
    model.batches = b;
    var el = document.querySelector('[data-chart=batches]');
    var chart = el && echarts.getInstanceByDom(el);
    if (chart) { chart.setOption(builders.batches(el), true); }
  }

  function setupUpload() {
    var form = document.getElementById('upload-form');
    if (!form) { return; }
    var box = document.getElementById('upload-status');
    var bar = document.getElementById('upload-bar');
    var line = document.getElementById('upload-line');
    var report = document.getElementById('upload-report');
    var button = document.getElementById('upload-submit');
    function show(text, cls, fraction) {
      box.hidden = false; line.textContent = text; line.className = 'status-line ' + (cls || '');
      if (fraction !== undefined) { bar.style.width = Math.round(100 * fraction) + '%'; }
    }
    function poll(url) {
      fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) { return r.json().then(function (d) { return [r.status, d]; }); }).then(function (res) {
        var d = res[1];
        if (d.error && !d.status) { show(errorText(d, res[0]), 'failed'); button.disabled = false; return; }
        if (d.status === 'done') {
          var rp = d.report;
          show(t('import_done') + ' · ' + t('batch') + ' ' + rp.batch_id + ' · ' + rp.seconds + ' s', 'done', 1);
          report.innerHTML = [['rows_total', rp.rows_total], ['rows_loaded', rp.rows_loaded], ['rows_quarantined', rp.rows_quarantined],
            ['inserted', rp.enterprises.inserted], ['updated', rp.enterprises.updated], ['figures_rows', rp.figures.inserted + rp.figures.updated]].map(function (p) {
            return '<div>' + esc(t(p[0])) + '<b>' + fmt(p[1]) + '</b></div>';
          }).join('');
          button.disabled = false;
          fetch('/api/v1/data/batches?lang=' + lang).then(function (r) { return r.json(); }).then(renderBatches);
          fetch('/api/v1/data/quarantine?lang=' + lang + '&batch=' + rp.batch_id).then(function (r) { return r.json(); }).then(function (q) {
            renderQuarantine(q);
            if (q.total) { document.getElementById('quarantine').scrollIntoView({ behavior: 'instant', block: 'start' }); }
          });
          return;
        }
        if (d.status === 'failed') { show(errorText({ error: d.error }, 500), 'failed', 1); button.disabled = false; return; }
        show((d.stage_label || d.stage) + ' · ' + Math.round(100 * d.fraction) + '%', '', d.fraction);
        setTimeout(function () { poll(url); }, 250);
      }).catch(function (err) { show(err.message, 'failed'); button.disabled = false; });
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var file = document.getElementById('upload-file').files[0];
      if (!file) { return; }
      report.innerHTML = '';
      if (file.size > model.max_upload_bytes) {
        show(t('too_large') + '（' + fmt(file.size / 1048576, 1) + ' MB > ' + fmt(model.max_upload_bytes / 1048576, 0) + ' MB）', 'failed', 0);
        return;
      }
      button.disabled = true;
      show(t('uploading') + ' ' + file.name, '', 0.02);
      // accounts on (web/auth.py): a write carries the session's CSRF token from <meta name="csrf-token">
      var csrf = document.querySelector('meta[name="csrf-token"]');
      var headers = { Accept: 'application/json' };
      if (csrf) { headers['X-CSRF-Token'] = csrf.getAttribute('content'); }
      fetch(form.action + '?lang=' + lang, { method: 'POST', body: new FormData(form), headers: headers })
        .then(function (r) { return r.json().then(function (d) { return [r.status, d]; }); })
        .then(function (res) {
          if (res[0] !== 202) { show(errorText(res[1], res[0]), 'failed', 0); button.disabled = false; return; }
          poll(res[1].url + '?lang=' + lang);
        }).catch(function (err) { show(err.message, 'failed'); button.disabled = false; });
    });
  }

  drawAll();
  document.querySelectorAll('.ent-table').forEach(enhanceTable);
  setupUpload();
  window.chanye = { charts: charts, model: model };
}());
