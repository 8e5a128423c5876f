/* 机会 page: the opportunity scatter (from the model embedded in the page, no fetch before it draws) and the
   industry space (fetched from /api/v1/complexity/space, ~1,300 nodes at fixed positions: no force layout in
   the browser). Colours follow the pack node of each class. Rows are table payloads: number cells are
   {value, unit, provenance}; every word comes from the page's label table (page.words, keys opp_*). Follows static/chanye.js's conventions:
   window.__chanyeFirstChart (performance.now() at the first chart's 'finished'), window.__chanyeRendered
   (ids of the charts that have rendered), a PNG button and a provenance subtitle on every chart. */
(function () {
  'use strict';

  var model = JSON.parse(document.getElementById('chanye-model').textContent || '{}');
  var page = JSON.parse(document.getElementById('chanye-page').textContent || '{}');
  var lang = page.lang || 'zh';
  var common = page.words || {};
  var FONT = chanyeCharts.FONT;
  var charts = chanyeCharts.charts;
  var PALETTE = ['#1456b8', '#e8684a', '#2fa36b', '#f6bd16', '#6f5ef9', '#13a8a8', '#d4588b', '#9a6a3a', '#5b8ff9',
    '#c2185b', '#7cb305', '#fa8c16', '#08979c', '#722ed1', '#eb2f96', '#a0d911', '#1d39c4', '#d48806', '#389e0d',
    '#cf1322', '#531dab', '#0958d9', '#d46b08', '#006d75', '#ad4e00', '#3f6600', '#9254de', '#f759ab', '#36cfc9', '#597ef7'];
  var GREY = '#a0a8b5';
  var MARK = '#d4380d';


  function t(key) { return Object.prototype.hasOwnProperty.call(common, key) ? common[key] : key; }
  function val(cell) { return cell && typeof cell === 'object' ? cell.value : cell; }
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) { return '—'; }
    return Number(v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 });
  }

  var nodeIndex = {};
  (model.nodes || []).forEach(function (n, i) { nodeIndex[n.id] = i; });
  function nodeName(id) {
    if (!id || !(id in nodeIndex)) { return t('opp_other_node'); }
    var n = model.nodes[nodeIndex[id]];
    return (lang === 'en' && n.name_en) ? n.name_en : n.name;
  }
  function colorOf(id) { return (id && id in nodeIndex) ? PALETTE[nodeIndex[id] % PALETTE.length] : GREY; }
  function firstNode(ids) { return ids && ids.length ? ids[0] : null; }

  function provText() { return model.synthetic ? common.synthetic : common.registry_source; }
  function base(name, extra) {
    var opt = chanyeCharts.base(name, extra, { provenance: provText(), save: common.save_png });
    // Long reasons in the tooltips: wrap them.
    if (!extra.tooltip) { opt.tooltip = { confine: true, textStyle: { fontFamily: FONT, fontSize: 12 }, extraCssText: 'max-width:360px;white-space:normal;' }; }
    return opt;
  }
  var mount = chanyeCharts.mount;
  function failed(el, err) {
    el.innerHTML = '<p class="note">' + esc(common.chart_failed + ': ' + (err && err.message ? err.message : err)) + '</p>';
  }

  // ---------------------------------------------------------------------------------------------------
  // Opportunity scatter: x = density, y = PCI or COG, size = national size, colour = pack node
  // ---------------------------------------------------------------------------------------------------

  function scatterOption() {
    var rows = model.rows || [];
    var yKey = model.by;
    var shown = Math.min(model.table_rows || 0, rows.length);
    var maxSize = Math.max.apply(null, rows.map(function (r) { return val(r.national_value); }).concat([1]));
    var groups = {};
    var order = [];
    rows.forEach(function (r) {
      var node = firstNode(r.node_ids);
      var key = node || '';
      var rank = r.rank;
      if (!groups[key]) { groups[key] = []; order.push(key); }
      var top = rank <= shown;
      groups[key].push({
        name: r.activity, row: r,
        value: [val(r.density), val(r[yKey]), val(r.national_value)],
        symbolSize: 5 + 26 * Math.sqrt(Math.max(val(r.national_value), 0) / maxSize),
        itemStyle: { opacity: top ? 0.9 : 0.28, borderColor: rank <= 10 ? '#1d2433' : undefined, borderWidth: rank <= 10 ? 1 : 0 },
        label: { show: rank <= 8 }
      });
    });
    order.sort(function (a, b) { return (a in nodeIndex ? nodeIndex[a] : 999) - (b in nodeIndex ? nodeIndex[b] : 999); });
    var place = chanyeCharts.scatterLabels(document.querySelector('[data-chart=oppScatter]'), 50);
    var series = order.map(function (key) {
      return {
        name: nodeName(key), type: 'scatter', data: groups[key], itemStyle: { color: colorOf(key) },
        // the top labels each take a free place around their point, best rank first (issue 15: no overlap)
        label: { position: 'top', fontSize: 10, color: '#3b4557', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) { return p.data.row.activity + ' ' + p.data.row.name; } },
        labelLayout: place, emphasis: { focus: 'self', itemStyle: { opacity: 1 } }
      };
    });
    return base('opportunities', {
      legend: { type: 'scroll', top: 22, left: 0, right: 0, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 } },
      grid: { left: 52, right: 24, top: 64, bottom: 44 },
      tooltip: {
        confine: true, textStyle: { fontFamily: FONT, fontSize: 12 }, extraCssText: 'max-width:380px;white-space:normal;',
        formatter: function (p) {
          var r = p.data.row;
          return '<b>' + esc(r.reason) + '</b><br>' + esc(t('opp_rank_word')) + ' ' + r.rank + ' · ' + esc(t('opp_col_score')) + ' ' + fmt(val(r.score), 2) +
            '<br>' + esc(t('opp_col_density')) + ' ' + fmt(val(r.density), 3) + ' · PCI ' + fmt(val(r.pci), 2) + ' · COG ' + fmt(val(r.cog), 2) +
            '<br>RCA ' + fmt(val(r.rca), 2) + ' · ' + esc(t('opp_col_firms')) + ' ' + fmt(val(r.firms)) + ' ' + esc(common.unit_firm) +
            ' · ' + esc(t('opp_col_national')) + ' ' + fmt(val(r.national_value)) + ' ' + esc(model.unit_label) +
            '<br>' + esc(nodeName(firstNode(r.node_ids)));
        }
      },
      xAxis: { type: 'value', name: t('opp_col_density'), nameLocation: 'middle', nameGap: 26, scale: true, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'value', name: yKey.toUpperCase(), scale: true, splitLine: { lineStyle: { color: '#eef1f5' } } },
      series: series
    });
  }
  function scatterClick(p) {
    if (!p.data || !p.data.row) { return; }
    var tr = document.querySelector('#opp-table tr[data-code="' + p.data.row.activity + '"]');
    document.querySelectorAll('#opp-table tr.opp-hit').forEach(function (x) { x.classList.remove('opp-hit'); });
    if (tr) { tr.classList.add('opp-hit'); tr.scrollIntoView({ block: 'center' }); }
  }

  // ---------------------------------------------------------------------------------------------------
  // Industry space: fixed positions from the server, specialisations solid, top opportunities ringed
  // ---------------------------------------------------------------------------------------------------

  function spaceOption(data) {
    var marked = {};
    (model.marked || []).forEach(function (c) { marked[c] = true; });
    var cats = [{ name: t('opp_other_node'), itemStyle: { color: GREY } }];
    var catIndex = { '': 0 };
    (model.nodes || []).forEach(function (n) { catIndex[n.id] = cats.length; cats.push({ name: nodeName(n.id), itemStyle: { color: colorOf(n.id) } }); });
    var present = {};
    var rows = data.nodes.rows;
    var maxSize = Math.max.apply(null, rows.map(function (n) { return val(n.national_value); }).concat([1]));
    var nodes = rows.map(function (n) {
      var cat = catIndex[n.node || ''] || 0;
      present[cat] = true;
      var ring = marked[n.id];
      return {
        id: n.id, name: n.id, n: n, x: val(n.x) * 1000, y: (1 - val(n.y)) * 1000, category: cat,
        symbolSize: 3 + 12 * Math.sqrt(Math.max(val(n.national_value), 0) / maxSize) + (ring ? 3 : 0),
        itemStyle: ring ? { opacity: 1, borderColor: MARK, borderWidth: 2.2 }
          : (n.specialised ? { opacity: 1, borderColor: '#1d2433', borderWidth: 0.8 } : { opacity: 0.22 })
      };
    });
    var links = data.edges.rows.map(function (e) { return { source: e.source, target: e.target, value: val(e.proximity) }; });
    return base('industry-space', {
      legend: { type: 'scroll', top: 22, left: 0, right: 0, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 },
        data: cats.filter(function (c, i) { return present[i]; }).map(function (c) { return c.name; }) },
      tooltip: {
        confine: true, textStyle: { fontFamily: FONT, fontSize: 12 },
        formatter: function (p) {
          if (p.dataType === 'edge') { return esc(p.data.source) + ' — ' + esc(p.data.target) + '<br>' + esc(t('opp_proximity')) + ' ' + fmt(p.data.value, 3); }
          var n = p.data.n;
          return '<b>' + esc(n.id + ' ' + n.name) + '</b><br>' + esc(nodeName(n.node)) + '<br>RCA ' + fmt(val(n.rca), 2) + ' · PCI ' + fmt(val(n.pci), 2) +
            '<br>' + esc(n.specialised ? t('opp_specialised') : t('opp_not_specialised')) + (marked[n.id] ? ' · <b style="color:' + MARK + '">' + esc(t('opp_opportunity')) + '</b>' : '');
        }
      },
      series: [{
        type: 'graph', layout: 'none', roam: true, top: 64, bottom: 8, left: 8, right: 8,
        data: nodes, links: links, categories: cats,
        label: { show: false }, labelLayout: { hideOverlap: true },
        lineStyle: { color: '#c3cad6', width: 0.6, opacity: 0.7, curveness: 0 },
        emphasis: { focus: 'adjacency', label: { show: true, fontSize: 10, formatter: function (p) { return p.data.n.id + ' ' + p.data.n.name; } }, lineStyle: { width: 1.5, color: '#5f6b7d' } }
      }]
    });
  }
  function spaceClick(p) {
    if (p.dataType === 'node' && p.data && p.data.n && p.data.n.node) { window.location.href = '/cluster/' + p.data.n.node; }
  }

  function draw() {
    if (typeof echarts === 'undefined') { return; }
    var sEl = document.querySelector('[data-chart=oppScatter]');
    if (sEl) {
      if (!model.rows || !model.rows.length) { sEl.innerHTML = '<p class="note">' + esc(t('opp_no_rows')) + '</p>'; window.__chanyeRendered.push('oppScatter'); }
      else { try { mount(sEl, scatterOption(), scatterClick); } catch (err) { failed(sEl, err); throw err; } }
    }
    var gEl = document.querySelector('[data-chart=oppSpace]');
    if (gEl) {
      fetch(gEl.getAttribute('data-url'), { headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json().then(function (d) { if (!r.ok) { throw new Error(d.error ? d.error.message : 'HTTP ' + r.status); } return d; }); })
        .then(function (data) { gEl.innerHTML = ''; mount(gEl, spaceOption(data), spaceClick); })
        .catch(function (err) { failed(gEl, err); });
    }
  }

  draw();
  window.chanye = { charts: charts, model: model };
}());
