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

  var textWidth = chanyeCharts.textWidth;  // a label's width in px, estimated
  // A node's name with its place in the system ("21 15个战略性产业集群…"), without repeating a number the
  // name already starts with ("8个现代服务业", not "8 8个现代服务业").
  function treeName(n) {
    var name = nm(n);
    return n.label && name.indexOf(n.label) !== 0 ? n.label + ' ' + name : name;
  }
  function provisionalMark() { return lang === 'en' ? ' (' + t('provisional') + ')' : '（' + t('provisional') + '）'; }
  function treeDepth(n) { return n.children ? 1 + Math.max.apply(null, n.children.map(treeDepth)) : 0; }

  // A label broken into lines no wider than `width` px: Chinese into lines of even length, preferably after
  // a separator ("21 15个战略性产业集群" / "和6个未来产业", not "…未来产" / "业"); other text between words.
  function wrapText(text, width, px) {
    var total = textWidth(text, px);
    if (total <= width) { return text; }
    var out = [];
    var line = '';
    if (!/[\u3400-\u9fff]/.test(text)) {
      text.split(/\s+/).forEach(function (word) {
        var next = line ? line + ' ' + word : word;
        if (line && textWidth(next, px) > width) { out.push(line); line = word; } else { line = next; }
      });
      out.push(line);
      return out.join('\n');
    }
    var lines = Math.ceil(total / width);
    var target = total / lines;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      line += ch;
      var w = textWidth(line, px);
      var sep = /[\s、，,]/.test(ch) || /[和与及]/.test(text.charAt(i + 1));  // after a comma, before 和
      if (out.length < lines - 1 && (w >= target || (sep && w >= 0.7 * target))) { out.push(line.trim()); line = ''; }
    }
    if (line.trim()) { out.push(line.trim()); }
    return out.join('\n');
  }

  // Every label whole (issue 15: no "1 产业第一、制造…"): a label between two columns wraps within the column's
  // width; the leaves of the last column get the room they need on the right. The root's name is the
  // card's title: its node has no label.
  function treeItem(n, depth, maxDepth, colWidth, fontSize) {
    var provisional = n.status === 'provisional';
    var color = provisional ? '#ffffff' : (KIND_COLOR[n.kind] || COLORS[0]);
    var full = treeName(n);
    var shown = full + (provisional ? provisionalMark() : '');
    var textColor = provisional ? '#8a94a6' : '#1d2433';
    var label;
    if (depth === 0) {
      label = { show: false };
    } else if (depth === maxDepth) {
      label = { color: textColor };
    } else {
      // a node with children: left of it, towards its parent; a leaf in an inner column: right of it
      shown = wrapText(shown, colWidth, fontSize);
      label = n.children ? { position: 'left', align: 'right', verticalAlign: 'middle', lineHeight: fontSize + 3, color: textColor }
        : { position: 'right', align: 'left', verticalAlign: 'middle', lineHeight: fontSize + 3, color: textColor, width: colWidth, overflow: 'break' };
    }
    var item = {
      name: depth === 0 ? (n.label || nm(n)) : shown, fullName: depth === 0 ? nm(n) : full,
      id: n.id, kind: n.kind, status: n.status, isIndustry: n.is_industry,
      itemStyle: { color: color, borderColor: provisional ? GREY : color, borderType: provisional ? 'dashed' : 'solid', borderWidth: provisional ? 1.5 : 1 },
      lineStyle: provisional ? { type: 'dashed', color: GREY } : undefined,
      label: label
    };
    if (n.children) { item.children = n.children.map(function (c) { return treeItem(c, depth + 1, maxDepth, colWidth, fontSize); }); }
    return item;
  }

  var builders = {};

  builders.tree = function (el) {
    var fontSize = lang === 'en' ? 11 : 12;
    var maxDepth = Math.max(1, treeDepth(model.tree));
    var widest = 0;
    (function walk(n, depth) {
      if (depth === maxDepth) { widest = Math.max(widest, textWidth(nm(n) + (n.status === 'provisional' ? provisionalMark() : ''), fontSize)); }
      (n.children || []).forEach(function (c) { walk(c, depth + 1); });
    }(model.tree, 0));
    var width = el.clientWidth || 800;
    var left = 12;
    var right = Math.ceil(Math.min(widest + 16, 0.36 * width));
    var colWidth = Math.max(60, Math.floor((width - left - right) / maxDepth) - 18);
    var root = treeItem(model.tree, 0, maxDepth, colWidth, fontSize);
    // Leaves sit one slot apart: a slot as tall as the most lines a leaf's label wraps to (English names are
    // long), so that wrapped labels never reach their neighbours.
    var leaves = 0;
    var lines = 1;
    (function count(item, depth) {
      if (!item.children) {
        leaves += 1;
        lines = Math.max(lines, depth === maxDepth ? Math.ceil(textWidth(item.name, fontSize) / (right - 12)) : item.name.split('\n').length);
      }
      (item.children || []).forEach(function (c) { count(c, depth + 1); });
    }(root, 0));
    var need = 44 + leaves * (lines > 1 ? lines * (fontSize + 3) + 4 : 18);
    if (el.clientHeight < need) { el.style.height = need + 'px'; }
    return base('tree', {
      tooltip: { formatter: function (p) { return esc(p.data.fullName) + '<br>' + esc(t(p.data.status)); } },
      series: [{
        type: 'tree', data: [root], orient: 'LR', layout: 'orthogonal', initialTreeDepth: -1,
        top: 36, bottom: 8, left: left, right: right, symbolSize: 9, expandAndCollapse: false, roam: false,
        label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: fontSize, fontFamily: FONT },
        leaves: { label: { position: 'right', verticalAlign: 'middle', align: 'left', width: right - 12, overflow: 'break' } },
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
      yAxis: { type: 'category', data: sorted.map(function (r) { return nm(r) + (r.status === 'provisional' ? '*' : ''); }), axisLabel: { fontSize: 11, width: lang === 'en' ? 190 : 150, overflow: 'break', lineHeight: 12 } },
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

  builders.bubble = function (el) {
    var kinds = ['cluster', 'future', 'service'];
    var rows = (model.clusters || []).filter(function (r) { return r.value !== null && r.value > 0; });
    var maxN = Math.max.apply(null, rows.map(function (r) { return r.enterprises || 1; }).concat([1]));
    el.style.height = Math.max(el.clientHeight, 520) + 'px';  // room for the labels of the crowded 1,000–3,000 亿
    var placeLabels = chanyeCharts.scatterLabels(el, 34);
    return base('bubble', {
      legend: { top: 0, left: 0, data: kinds.map(function (k) { return t('kind_' + k); }) },
      grid: { left: 8, right: 40, top: 44, bottom: 8 },
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
          // a white halo keeps a label readable over a neighbour's bubble; each label takes a free place
          // around its bubble, largest bubbles first (chanyeCharts.scatterLabels)
          label: { show: true, position: 'top', fontSize: 10, color: '#3b4557', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) { return nm(p.data.row); } },
          labelLayout: placeLabels,
          data: rows.filter(function (r) { return r.kind === k; }).sort(function (a, b) { return (b.enterprises || 0) - (a.enterprises || 0); }).map(function (r) {
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
          // values inside the bars' tops and the 千亿级 line named at its start: the growth line crosses neither
          label: { show: true, position: 'insideTop', fontSize: 10, color: '#fff', formatter: function (p) { return fmt(p.value, 0); } },
          markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' }, label: { position: 'insideStartTop', formatter: t('thousand_billion_line'), fontSize: 10, color: '#b42318', backgroundColor: 'rgba(255,255,255,0.9)', padding: [1, 3] }, data: [{ yAxis: 1000 }] } },
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
      yAxis: { type: 'category', data: rows.map(function (g) { return (lang === 'en' ? g.metric_label_en : g.metric_label) + ' ' + fmt(g.target, 0) + g.unit + '·' + g.target_year; }) },  // issue 15: the metric a target counts
      series: [{ type: 'bar', barMaxWidth: 16, data: rows.map(function (g) { return g.latest && g.target ? Math.round(1000 * g.latest / g.target) / 10 : 0; }),
        itemStyle: { color: '#2fa36b' }, label: { show: true, position: 'right', formatter: '{c}%', fontSize: 10 },
        markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' }, label: { formatter: '100%', fontSize: 10 }, data: [{ xAxis: 100 }] } }]
    });
  };

  function treemapFit(p) {
    var width = p.rect.width - 10;
    var lines = String(p.text).split('\n');
    // the value (last line) on one line and at least three characters a line for the name
    var need = lines.length === 1 || textWidth(lines[lines.length - 1], 11) > width || width < 33 ? 99
      : lines.reduce(function (n, line) { return n + Math.max(1, Math.ceil(textWidth(line, 11) / width)); }, 0);
    return need * 15 + 8 <= p.rect.height ? {} : { x: -10000, y: -10000 };
  }
  // A group too narrow for its name on the header strip shows no header (its cells keep their own labels
  // and the tooltip names it): measured on the layout just drawn (setOption lays out synchronously).
  function fitGroupNames(chart, option) {
    var narrow = {};
    chart.getModel().getSeriesByIndex(0).getData().tree.root.children.forEach(function (group) {
      var box = group.getLayout();
      if (box && textWidth(group.name, 11) + 10 > box.width) { narrow[group.name] = true; }
    });
    var data = option.series[0].data;
    if (!data.some(function (g) { return narrow[g.name]; })) { return; }
    data.forEach(function (g) { if (narrow[g.name]) { g.upperLabel = { show: false }; } });
    chart.setOption({ series: [{ data: data }] });
  }
  builders.treemap = function () {
    var groups = {};
    model.mix.forEach(function (m) {
      if (!m.revenue) { return; }
      var key = lang === 'en' ? m.parent_name_en : m.parent_name;
      (groups[key] = groups[key] || []).push({ name: nm(m), value: m.revenue, id: m.id,
        itemStyle: m.status === 'provisional' ? { color: '#d5dae2', borderColor: GREY } : undefined,
        label: m.status === 'provisional' ? { color: '#3b4557' } : undefined });  // dark on the light grey
    });
    var data = Object.keys(groups).map(function (k) { return { name: k, children: groups[k] }; });
    return base('treemap', {
      tooltip: { formatter: function (p) { return esc(p.name) + ': <b>' + fmt(p.value, 1) + '</b> ' + t('unit_yi'); } },
      series: [{ type: 'treemap', data: data, top: 26, bottom: 8, left: 4, right: 4, roam: false, nodeClick: false, breadcrumb: { show: false },
        animation: false, animationDurationUpdate: 0,
        // a name wraps inside its cell; a cell too small for the whole name shows none (the tooltip has it)
        // rather than a name cut short ("智能装…")
        label: { fontSize: 11, overflow: 'break', formatter: function (p) { return p.name + '\n' + fmt(p.value, 0); } },
        labelLayout: treemapFit,
        upperLabel: { show: true, height: 18, fontSize: 11, color: '#3b4557', formatter: '{b}' },  // on the white gap
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
      legend: { left: 0 },  // placed by chanyeCharts.tidy: beside the subtitle, or on its own line when too long
      grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: years },
      yAxis: [{ type: 'value', name: t('unit_wan'), splitLine: { lineStyle: { color: '#eef1f5' } } }, { type: 'value', name: t('unit_person'), splitLine: { show: false } }],
      series: series
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
        var chart = mount(el, option, clicks[kind]);
        if (kind === 'treemap') { fitGroupNames(chart, option); }
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
        th.setAttribute('aria-sort', 'none');  // issue 15: the sort is shown (▲▼) and announced
        if (th.getAttribute('data-sort') === state.sort) { th.classList.add('sorted-' + state.order); th.setAttribute('aria-sort', state.order === 'desc' ? 'descending' : 'ascending'); }
      });
    }
    function load() {
      var mine = ++seq;
      var u = query({ page: state.page, per_page: state.per_page });
      box.setAttribute('aria-busy', 'true');
      fetch('/api/v1/enterprises?' + u.toString(), { headers: { Accept: 'application/json' } }).then(function (r) { return r.json(); }).then(function (d) {
        if (mine !== seq) { return; }
        box.removeAttribute('aria-busy');
        if (d.error) { tbody.innerHTML = '<tr><td colspan="8" class="note">' + esc(d.error.message) + '</td></tr>'; return; }
        var start = (d.query.page - 1) * d.query.per_page;
        tbody.innerHTML = d.rows.length ? d.rows.map(function (r, i) {
          return '<tr><td class="num">' + (start + i + 1) + '</td><td><a href="/enterprise/' + esc(r.uscc) + '">' + esc(r.name) + '</a></td><td>' +
            esc(loc(r.district) || '—') + '</td><td class="num">' + fmt(num(r.revenue)) + '</td><td class="num">' + fmt(num(r.industrial_output)) +
            '</td><td class="num">' + fmt(num(r.value_added)) + '</td><td class="num">' + fmt(num(r.employees)) + '</td><td>' + tagBadges(r.tags) + '</td></tr>';
        }).join('') : '<tr><td colspan="8" class="note">' + esc(t('no_results')) + '</td></tr>';
        info.textContent = t('total') + ' ' + fmt(d.total) + ' ' + t('unit_firm') + ' · ' + d.year + t('year_suffix');
        pageEl.textContent = d.query.page + ' / ' + d.pages;
        prev.disabled = d.query.page <= 1;
        next.disabled = d.query.page >= d.pages;
        state.pages = d.pages;
        if (xlsx) { xlsx.href = '/api/v1/enterprises?' + query({ format: 'xlsx', lang: lang }).toString(); }
        markSorted();
      }).catch(function (err) { box.removeAttribute('aria-busy'); tbody.innerHTML = '<tr><td colspan="8" class="note">' + esc(err.message) + '</td></tr>'; });
    }
    box.querySelectorAll('th.sortable').forEach(function (th) {
      function sortBy() {
        var key = th.getAttribute('data-sort');
        if (state.sort === key) { state.order = state.order === 'desc' ? 'asc' : 'desc'; } else { state.sort = key; state.order = key === 'name' ? 'asc' : 'desc'; }
        state.page = 1; load();
      }
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(); } });
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

  drawAll();
  document.querySelectorAll('.ent-table').forEach(enhanceTable);
  window.chanye = { charts: charts, model: model };
}());
