/* 产业链 pages: the chain map (an ECharts graph on a grid: 上游 | 中游 | 下游 left to right, colour = 强链/弱链/缺链,
   size = local revenue), the overview bar chart, the chain and district selectors, and the node panel
   (a click on a node fetches /api/v1/chains/{id}/nodes/{node}). The model is embedded in the page.
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
  var STATUS = ['强链', '弱链', '缺链'];
  var STATUS_KEY = { '强链': 'strong', '弱链': 'weak', '缺链': 'missing' };
  var COLOR = { '强链': '#2f9e62', '弱链': '#e8a33d', '缺链': '#d64545' };
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
  function cell(c, digits) { return c && typeof c === 'object' ? fmt(c.value, digits) + (c.unit ? ' ' + esc(c.unit) : '') : esc(c); }
  function statusName(s) { return ww(STATUS_KEY[s] || s); }
  function synthetic() { return Boolean(model.synthetic || (model.summary || {}).synthetic); }
  function provText() { return synthetic() ? t('synthetic') : t('registry_source'); }
  function district() { var a = model.area || (model.summary || {}).area; return a && a.code !== '440100' ? a.code : ''; }
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
    var pos = {};
    var data = [];
    SEGMENTS.forEach(function (seg, x) {
      var list = bySeg[seg];
      list.forEach(function (n, i) {
        var y = (i + 0.5) / list.length;
        pos[n.id] = [x, y];
        var missing = n.status === '缺链';
        data.push({
          id: n.id, name: lang === 'en' ? n.name_en : n.name, value: [x, y], node: n,
          category: STATUS.indexOf(n.status), symbolSize: size(n),
          itemStyle: missing ? { color: '#fff', borderColor: COLOR[n.status], borderWidth: 2 } : { color: COLOR[n.status], borderColor: '#fff', borderWidth: 1 }
        });
      });
    });
    var links = (model.edges || []).filter(function (e) { return pos[e.source] && pos[e.target]; }).map(function (e) {
      var same = pos[e.source][0] === pos[e.target][0];
      return { source: e.source, target: e.target, note: e.note, lineStyle: { curveness: same ? 0.45 : 0.08 } };
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
        return '<b>' + esc(lang === 'en' ? n.name_en : n.name) + '</b> · ' + esc(n.segment_zh) + ' · <b style="color:' + COLOR[n.status] + '">' + esc(statusName(n.status)) + '</b><br>' +
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
  // The overview: 强/弱/缺 counts per chain, stacked
  // ---------------------------------------------------------------------------------------------------

  function chainSummary() {
    var rows = ((model.summary || {}).rows || []).slice().reverse();
    function label(r) { return r['集群'] + (r['集群状态'] === '暂定' ? '*' : ''); }
    return base('chains', {
      legend: { top: 0, left: 0, data: STATUS.map(statusName) },
      grid: { left: 8, right: 40, top: 40, bottom: 24, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var r = rows[ps[0].dataIndex];
        return '<b>' + esc(r['产业链']) + '</b>' + (r['集群状态'] === '暂定' ? '（' + esc(t('provisional')) + '）' : '') + '<br>' +
          ps.map(function (p) { return p.marker + esc(p.seriesName) + ': ' + p.value + ' 个'; }).join('<br>') +
          '<br>' + esc(ww('producers')) + ': ' + cell(r['本地生产企业（家）']);
      } },
      xAxis: { type: 'value', name: ww('axis_links'), nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: '#5f6b7d', fontSize: 11 }, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', data: rows.map(label), axisLabel: { fontSize: 12 } },
      series: STATUS.map(function (s) {
        return { name: statusName(s), type: 'bar', stack: 'n', barMaxWidth: 18, itemStyle: { color: COLOR[s] },
          label: { show: true, fontSize: 10, color: '#fff', formatter: function (p) { return p.value || ''; } },
          data: rows.map(function (r) { return { value: r[s + '（个）'].value, id: r['产业链编号'] }; }) };
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
    var status = g['诊断'];
    document.getElementById('node-title').innerHTML = esc(lang === 'en' ? n.name_en : n.name) + ' · ' + esc(n.segment_zh) +
      ' · <span class="status s-' + STATUS_KEY[status] + '">' + esc(statusName(status)) + '</span>';
    // name with its evidence (or reason) beneath: the panel is narrow
    var firms = d.enterprises.rows.map(function (r) {
      return '<tr><td class="wrap"><a href="/enterprise/' + esc(r['统一社会信用代码']) + '">' + esc(r['企业名称']) + '</a><div class="ev">' + esc(r['证据']) +
        ' · ' + esc(t('confidence')) + ' ' + fmt(r['置信度（0–1）'].value, 1) + '</div></td><td>' + esc(r['所在区'] || '—') + '</td><td>' + esc(r['角色']) +
        '</td><td class="num">' + fmt(r['营业收入（万元）'].value) + '</td></tr>';
    });
    var targets = d.targets.rows.map(function (r) {
      return '<tr><td class="wrap"><a href="/enterprise/' + esc(r['统一社会信用代码']) + '">' + esc(r['企业名称']) + '</a><div class="ev">' + esc(r['推荐理由']) +
        '</div></td><td>' + esc(r['所在城市']) + '</td><td class="num">' + fmt(r['综合得分（0–1）'].value, 3) + '</td></tr>';
    });
    var roles = Object.keys(d.roles).map(function (k) { return esc(k) + ' ' + d.roles[k].value; }).join(' · ');
    var prov = '<p class="prov">' + esc(t('source')) + ': ' + (d.synthetic ? '<span class="badge badge-synthetic">' + esc(t('synthetic')) + '</span> ' + esc(t('synthetic_short')) : esc(t('registry_source'))) + '</p>';
    var html = '<dl class="facts"><dt>' + esc(ww('producers')) + '</dt><dd>' + cell(g['本地生产企业（家）']) + '（规上 ' + cell(g['规上生产企业（家）']) + '）</dd>' +
      '<dt>' + esc(ww('revenue_yi')) + '</dt><dd>' + cell(g['本地营业收入（亿元）'], 2) + '</dd>' +
      '<dt>' + esc(ww('lq')) + '</dt><dd>' + cell(g['区位商（倍）'], 2) + '</dd>' +
      '<dt>' + esc(ww('reason')) + '</dt><dd>' + esc(g['依据']) + '</dd>' +
      (n.products && n.products.length ? '<dt>关键产品</dt><dd>' + esc(n.products.join('、')) + '</dd>' : '') + '</dl>' +
      '<h3>' + esc(ww('local_firms')) + ' <span class="note">' + esc(d.area.name) + ' · ' + d.enterprises.total + ' ' + esc(t('unit_firm')) + ' · ' + roles + '</span></h3>' +
      (firms.length ? table([['企业名称 · ' + esc(ww('evidence'))], ['所在区'], [esc(ww('role'))], ['营业收入 <span class="unit">万元</span>', true]], firms) : '<p class="note">' + esc(ww('no_firms')) + '</p>') +
      '<h3>' + esc(ww('targets')) + ' <span class="note">' + d.targets.total + ' ' + esc(t('unit_firm')) + '</span></h3>' +
      (targets.length ? table([['企业名称 · 推荐理由'], ['所在城市'], ['得分 <span class="unit">0–1</span>', true]], targets) : '<p class="note">' + esc(ww('no_targets')) + '</p>') + prov;
    var body = document.getElementById('node-body');
    body.innerHTML = html;
    body.setAttribute('data-node', n.id);
    window.__chainsNode = n.id;
  }

  function showNode(nodeId) {
    var body = document.getElementById('node-body');
    if (!body || !model.chain) { return; }
    body.setAttribute('aria-busy', 'true');
    body.innerHTML = '<p class="note">' + esc(ww('loading')) + '</p>';
    var url = withDistrict('/api/v1/chains/' + encodeURIComponent(model.chain.id) + '/nodes/' + encodeURIComponent(nodeId) + '?limit=50');
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
