/* 产业链 pages: the chain map (an ECharts graph on a grid: upstream | midstream | downstream left to right,
   colour = strong/weak/missing, size = local revenue), the overview bar chart, the chain and district
   selectors, and the node panel (a click on a node fetches /api/v1/chains/{id}/nodes/{node}). The model is
   embedded in the page; its tables have machine keys, number cells {value, unit, provenance}, and every word
   comes from the page (`chains-words`, model.codes, model.units, the tables' `columns` blocks).
   window.__chanyeFirstChart / __chanyeRendered as in chanye.js; window.__chainsNode: the node last shown. */
(function () {
  'use strict';

  var model = JSON.parse(document.getElementById('chanye-model').textContent || '{}');
  var page = JSON.parse(document.getElementById('chanye-page').textContent || '{}');
  var w = JSON.parse((document.getElementById('chains-words') || {}).textContent || '{}');
  var lang = page.lang || 'zh';
  var words = page.words || {};
  var FONT = chanyeCharts.FONT;
  var charts = chanyeCharts.charts;
  var STATUS = ['strong', 'weak', 'missing'];
  var COLOR = { strong: '#2f9e62', weak: '#e8a33d', missing: '#d64545' };
  var codes = model.codes || {};
  var units = model.units || {};
  var SEGMENTS = ['upstream', 'midstream', 'downstream'];

  window.__chainsNode = null;

  function t(key) { return Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key; }
  function ww(key) { return Object.prototype.hasOwnProperty.call(w, key) ? w[key] : key; }
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) { return '—'; }
    var d = digits === undefined ? 0 : digits;
    return Number(v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: d, minimumFractionDigits: d });
  }
  function unitLabel(u) { return Object.prototype.hasOwnProperty.call(units, u) ? units[u] : ''; }
  function cell(c, digits) { return c && typeof c === 'object' ? fmt(c.value, digits) + (unitLabel(c.unit) ? ' ' + esc(unitLabel(c.unit)) : '') : esc(c); }
  function code(group, v) { var g = codes[group] || {}; return Object.prototype.hasOwnProperty.call(g, v) ? g[v] : v; }
  function statusName(s) { return ww(s); }
  function colHead(tbl, key) {
    var c = ((tbl || {}).columns || []).filter(function (x) { return x.key === key; })[0];
    if (!c) { return esc(key); }
    return esc(c.label) + (c.unit_label ? ' <span class="unit">' + esc(c.unit_label) + '</span>' : '');
  }
  function synthetic() { return Boolean(model.synthetic || (model.summary || {}).synthetic); }
  function provText() { return synthetic() ? t('synthetic') : t('registry_source'); }
  function district() { var a = model.area || (model.summary || {}).area; return a && a.code !== model.city ? a.code : ''; }
  function withDistrict(path) { return district() ? path + (path.indexOf('?') < 0 ? '?' : '&') + 'district=' + encodeURIComponent(district()) : path; }

  function base(name, extra) { return chanyeCharts.base(name, extra, { provenance: provText(), save: t('save_png') }); }
  var mount = chanyeCharts.mount;


  // ---------------------------------------------------------------------------------------------------
  // The chain map: x = segment (category axis on top), y = the node's place in its segment
  // ---------------------------------------------------------------------------------------------------

  function chainMap(el) {
    var nodes = model.nodes || [];
    var bySeg = { upstream: [], midstream: [], downstream: [] };
    nodes.forEach(function (n) { (bySeg[n.segment] = bySeg[n.segment] || []).push(n); });
    var most = Math.max.apply(null, SEGMENTS.map(function (s) { return bySeg[s].length; }).concat([1]));
    var spacing = Math.max(40, (el.clientHeight - 70) / most);
    var maxSize = Math.max(18, Math.min(52, 0.8 * spacing - 14));
    var minSize = 10;
    var maxRev = Math.max.apply(null, nodes.map(function (n) { return (n.revenue && n.revenue.value) || 0; }).concat([0]));
    function size(n) {
      var v = (n.revenue && n.revenue.value) || 0;
      return maxRev > 0 && v > 0 ? minSize + (maxSize - minSize) * Math.sqrt(v / maxRev) : minSize;
    }
    var colWidth = ((el.clientWidth || 800) - 70 - 110) / SEGMENTS.length;  // the grid's left and right below
    var pos = {};
    var data = [];
    SEGMENTS.forEach(function (seg, x) {
      var list = bySeg[seg];
      list.forEach(function (n, i) {
        var y = (i + 0.5) / list.length;
        pos[n.id] = [x, y];
        var missing = n.status === 'missing';
        data.push({
          id: n.id, name: lang === 'en' ? n.name_en : n.name, value: [x, y], node: n,
          category: STATUS.indexOf(n.status), symbolSize: size(n),
          // a long name wraps inside its segment's column instead of running into the next one
          label: { width: Math.max(48, colWidth - size(n) / 2 - 12), overflow: 'break', lineHeight: 14 },
          itemStyle: missing ? { color: '#fff', borderColor: COLOR[n.status], borderWidth: 2 } : { color: COLOR[n.status], borderColor: '#fff', borderWidth: 1 }
        });
      });
    });
    var links = (model.edges || []).filter(function (e) { return pos[e.source] && pos[e.target]; }).map(function (e) {
      var same = pos[e.source][0] === pos[e.target][0];
      return { source: e.source, target: e.target, note: lang === 'en' ? e.note_en : e.note, lineStyle: { curveness: same ? 0.45 : 0.08 } };
    });
    nodes.forEach(function (n) {  // the tree: a dotted line from a link to the one it refines
      if (n.parent && pos[n.parent]) {
        links.push({ source: n.parent, target: n.id, tree: true, symbol: ['none', 'none'], lineStyle: { type: 'dotted', color: '#b8c4d6', curveness: 0.3 } });
      }
    });
    var names = {};
    nodes.forEach(function (n) { names[n.id] = lang === 'en' ? n.name_en : n.name; });
    return base('chain', {
      legend: { top: 0, left: 0, data: STATUS.map(statusName), selectedMode: true },
      grid: { left: 70, right: 110, top: 56, bottom: 14 },
      xAxis: { type: 'category', data: SEGMENTS.map(function (s) { return ww('segment_' + s); }), position: 'top', boundaryGap: true,
        axisLine: { show: false }, axisTick: { show: false }, splitLine: { show: true, lineStyle: { color: '#eef1f5' } },
        axisLabel: { fontSize: 13, fontWeight: 600, color: '#3b4557' } },
      yAxis: { type: 'value', min: 0, max: 1, inverse: true, show: false },
      tooltip: { confine: true, formatter: function (p) {
        if (p.dataType === 'edge') {
          return p.data.tree ? '' : esc(names[p.data.source]) + ' → ' + esc(names[p.data.target]) + (p.data.note ? '<br>' + esc(p.data.note) : '');
        }
        var n = p.data.node;
        return '<b>' + esc(lang === 'en' ? n.name_en : n.name) + '</b> · ' + esc(n.segment_label) + ' · <b style="color:' + COLOR[n.status] + '">' + esc(statusName(n.status)) + '</b><br>' +
          esc(ww('revenue_yi')) + ': ' + cell(n.revenue, 2) + '<br>' + esc(ww('producers')) + ': ' + cell(n.producers) + '<br>' + esc(ww('lq')) + ': ' + cell(n.lq, 2) +
          '<br><span style="display:inline-block;max-width:340px;white-space:normal">' + esc(n.reason) + '</span>';
      } },
      series: [{
        type: 'graph', coordinateSystem: 'cartesian2d', layout: 'none', roam: false, draggable: false,
        categories: STATUS.map(function (s) { return { name: statusName(s), itemStyle: { color: COLOR[s] } }; }),
        data: data, links: links, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: [0, 7],
        lineStyle: { color: '#9aa7ba', width: 1.2, opacity: 0.75 },
        label: { show: true, position: 'right', fontSize: 12, color: '#1d2433', fontFamily: FONT, distance: 4 },
        labelLayout: { hideOverlap: false },
        emphasis: { focus: 'adjacency', lineStyle: { width: 2.4, color: '#1456b8', opacity: 1 } }
      }]
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // The overview: strong/weak/missing counts per chain, stacked
  // ---------------------------------------------------------------------------------------------------

  function chainSummary() {
    var rows = ((model.summary || {}).rows || []).slice().reverse();
    function label(r) { return (lang === 'en' ? r.cluster.en : r.cluster.zh) + (r.cluster_status === 'provisional' ? '*' : ''); }
    return base('chains', {
      legend: { top: 0, left: 0, data: STATUS.map(statusName) },
      grid: { left: 8, right: 40, top: 40, bottom: 24, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var r = rows[ps[0].dataIndex];
        var paren = lang === 'en' ? [' (', ')'] : ['（', '）'];
        return '<b>' + esc(lang === 'en' ? r.chain.en : r.chain.zh) + '</b>' + (r.cluster_status === 'provisional' ? paren[0] + esc(t('provisional')) + paren[1] : '') + '<br>' +
          ps.map(function (p) { return p.marker + esc(p.seriesName) + ': ' + p.value + ' ' + esc(ww('links_word')); }).join('<br>') +
          '<br>' + esc(ww('producers')) + ': ' + cell(r.local_producers);
      } },
      xAxis: { type: 'value', name: ww('axis_links'), nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: '#5f6b7d', fontSize: 11 }, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', data: rows.map(label), axisLabel: { fontSize: 12 } },
      series: STATUS.map(function (s) {
        return { name: statusName(s), type: 'bar', stack: 'n', barMaxWidth: 18, itemStyle: { color: COLOR[s] },
          label: { show: true, fontSize: 10, color: '#fff', formatter: function (p) { return p.value || ''; } },
          data: rows.map(function (r) { return { value: r[s].value, id: r.chain_id }; }) };
      })
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // The node panel
  // ---------------------------------------------------------------------------------------------------

  function table(head, rows) {
    return '<div class="table-wrap"><table class="data"><thead><tr>' + head.map(function (h) { return '<th' + (h[1] ? ' class="num"' : '') + '>' + h[0] + '</th>'; }).join('') +
      '</tr></thead><tbody>' + rows.join('') + '</tbody></table></div>';
  }

  function renderNode(d) {
    var n = d.node;
    var g = d.diagnosis;
    var status = g.status;
    var firmsTbl = d.enterprises;
    var targetsTbl = d.targets;
    document.getElementById('node-title').innerHTML = esc(lang === 'en' ? n.name_en : n.name) + ' · ' + esc(n.segment_label) +
      ' · <span class="status s-' + esc(status) + '">' + esc(statusName(status)) + '</span>';
    // name with its evidence (or reason) beneath: the panel is narrow
    var firms = firmsTbl.rows.map(function (r) {
      return '<tr><td class="wrap"><a href="/enterprise/' + esc(r.uscc) + '">' + esc(r.name) + '</a><div class="ev">' + esc(r.evidence_text) +
        ' · ' + esc(t('confidence')) + ' ' + fmt(r.confidence.value, 1) + '</div></td><td>' + esc(r.district || '—') + '</td><td>' + esc(code('chain_role', r.role)) +
        '</td><td class="num">' + fmt(r.revenue.value) + '</td></tr>';
    });
    var targets = targetsTbl.rows.map(function (r) {
      return '<tr><td class="wrap"><a href="/enterprise/' + esc(r.uscc) + '">' + esc(r.name) + '</a><div class="ev">' + esc(r.reason) +
        '</div></td><td>' + esc(r.city) + '</td><td class="num">' + fmt(r.score.value, 3) + '</td></tr>';
    });
    var roles = Object.keys(d.roles).map(function (k) { return esc(code('chain_role', k)) + ' ' + d.roles[k].value; }).join(' · ');
    var prov = '<p class="prov">' + esc(t('source')) + ': ' + (d.synthetic ? '<span class="badge badge-synthetic">' + esc(t('synthetic')) + '</span> ' + esc(t('synthetic_short')) : esc(t('registry_source'))) + '</p>';
    var paren = lang === 'en' ? [' (', ')'] : ['（', '）'];
    var html = '<dl class="facts"><dt>' + esc(ww('producers')) + '</dt><dd>' + cell(g.producers) + paren[0] + esc(ww('above_scale_short')) + ' ' + cell(g.above_scale) + paren[1] + '</dd>' +
      '<dt>' + esc(ww('revenue_yi')) + '</dt><dd>' + cell(g.revenue, 2) + '</dd>' +
      '<dt>' + esc(ww('lq')) + '</dt><dd>' + cell(g.lq, 2) + '</dd>' +
      '<dt>' + esc(ww('reason')) + '</dt><dd>' + esc(g.reason) + '</dd>' +
      (n.products && n.products.length ? '<dt>' + esc(ww('products')) + '</dt><dd>' + esc(n.products.join(lang === 'en' ? ', ' : '、')) + '</dd>' : '') + '</dl>' +
      '<h3>' + esc(ww('local_firms')) + ' <span class="note">' + esc(d.area.name) + ' · ' + firmsTbl.total + ' ' + esc(t('unit_firm')) + ' · ' + roles + '</span></h3>' +
      (firms.length ? table([[esc(ww('firm_evidence'))], [colHead(firmsTbl, 'district')], [colHead(firmsTbl, 'role')], [colHead(firmsTbl, 'revenue'), true]], firms) : '<p class="note">' + esc(ww('no_firms')) + '</p>') +
      '<h3>' + esc(ww('targets')) + ' <span class="note">' + targetsTbl.total + ' ' + esc(t('unit_firm')) + '</span></h3>' +
      (targets.length ? table([[esc(ww('firm_reason'))], [colHead(targetsTbl, 'city')], [colHead(targetsTbl, 'score'), true]], targets) : '<p class="note">' + esc(ww('no_targets')) + '</p>') + prov;
    var body = document.getElementById('node-body');
    body.innerHTML = html;
    body.setAttribute('data-node', n.id);
    body.querySelectorAll('table.data').forEach(function (tb) { if (window.chanyeTables) { window.chanyeTables.refresh(tb); } });  // sortable
    window.__chainsNode = n.id;
  }

  function showNode(nodeId) {
    var body = document.getElementById('node-body');
    if (!body || !model.chain) { return; }
    body.setAttribute('aria-busy', 'true');
    document.getElementById('node-panel').classList.add('chosen');  // full height from now on (chains.css)
    body.innerHTML = '<p class="note">' + esc(ww('loading')) + '</p>';
    var url = withDistrict('/api/v1/chains/' + encodeURIComponent(model.chain.id) + '/nodes/' + encodeURIComponent(nodeId) + '?limit=50' + (lang === 'en' ? '&lang=en' : ''));
    fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) { return r.json().then(function (d) { return [r.status, d]; }); }).then(function (res) {
      body.removeAttribute('aria-busy');
      if (res[0] !== 200) { body.innerHTML = '<p class="note reason">' + esc(res[1].error ? res[1].error.message : 'HTTP ' + res[0]) + '</p>'; return; }
      renderNode(res[1]);
    }).catch(function (err) { body.removeAttribute('aria-busy'); body.innerHTML = '<p class="note reason">' + esc(err.message) + '</p>'; });
  }

  // ---------------------------------------------------------------------------------------------------
  // Selectors and start-up
  // ---------------------------------------------------------------------------------------------------

  function go(chainId, districtCode) {
    var path = chainId ? '/chains/' + encodeURIComponent(chainId) : '/chains';
    var q = new URLSearchParams();
    if (districtCode) { q.set('district', districtCode); }
    if (lang === 'en' && /(^|;\s*)lang=en/.test(document.cookie) === false) { q.set('lang', 'en'); }
    window.location.href = path + (q.toString() ? '?' + q.toString() : '');
  }

  function setupFilters() {
    var chainSel = document.querySelector('select[data-role=chain]');
    var districtSel = document.querySelector('select[data-role=district]');
    var current = model.chain ? model.chain.id : '';
    if (chainSel) { chainSel.addEventListener('change', function () { if (chainSel.value) { go(chainSel.value, districtSel ? districtSel.value : ''); } }); }
    if (districtSel) { districtSel.addEventListener('change', function () { go(current, districtSel.value); }); }
    document.querySelectorAll('#diagnosis tr[data-node]').forEach(function (tr) {
      tr.style.cursor = 'pointer';
      tr.addEventListener('click', function (ev) { if (ev.target.tagName !== 'A') { showNode(tr.getAttribute('data-node')); } });
    });
  }

  function drawAll() {
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var id = el.getAttribute('data-chart');
      try {
        if (id === 'chainMap') {
          mount(el, chainMap(el), function (p) { if (p.dataType === 'node' && p.data && p.data.id) { showNode(p.data.id); } });
        } else if (id === 'chainSummary') {
          mount(el, chainSummary(), function (p) { if (p.data && p.data.id) { go(p.data.id, district()); } });
        }
      } catch (err) {
        el.innerHTML = '<p class="note reason">' + esc(t('chart_failed')) + ': ' + esc(err.message) + '</p>';
        throw err;
      }
    });
  }

  drawAll();
  setupFilters();
  window.chanye = { charts: charts, model: model, showNode: showNode };
}());
