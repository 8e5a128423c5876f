/* 两业融合 page (issue 13): the linkage scatter (backward vs forward linkage, quadrants at 1), the city table's
   multipliers against the national ones, the coupling coordination trend (D by year, one line per area), the
   manufacturing share of revenue by year and area (制造业立市), and the transformation shares by area (latest year). Data and words come from the page's model
   (#chanye-model): the typed table payloads and `chart` words; no inline script (the CSP forbids it). */
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('chanye-model').textContent);
  var w = model.chart;
  var lang = document.documentElement.lang === 'en' ? 'en' : 'zh';
  function opts(prov) { return { provenance: prov, save: w.save }; }
  function label(table, key) {
    var c = table.columns.filter(function (x) { return x.key === key; })[0];
    return c ? c.label : key;
  }

  var lk = model.tables.io_linkages;
  var el = document.querySelector('[data-chart="fusionLinkages"]');
  if (el && lk.rows.length) {
    var points = lk.rows.map(function (r) {
      return { value: [r.backward_linkage.value, r.forward_linkage.value], name: r.sector_code + ' ' + r.sector[lang] };
    });
    chanyeCharts.mount(el, chanyeCharts.base('linkages', {
      grid: { left: 60, right: 30, top: 50, bottom: 50 },
      xAxis: { type: 'value', name: label(lk, 'backward_linkage'), nameLocation: 'middle', nameGap: 30, scale: true },
      yAxis: { type: 'value', name: label(lk, 'forward_linkage'), scale: true },
      tooltip: { formatter: function (p) { return p.name + '<br>' + p.value[0].toFixed(4) + ' / ' + p.value[1].toFixed(4); } },
      series: [{ type: 'scatter', symbolSize: 7, data: points,
                 markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#8a94a6' },
                             data: [{ xAxis: 1 }, { yAxis: 1 }] } }]
    }, opts(w.provenance_io)));
  }

  var cp = model.tables.io_coupling;
  el = document.querySelector('[data-chart="fusionCoupling"]');
  if (el && cp.rows.length) {
    var years = [], areas = {}, order = [];
    cp.rows.forEach(function (r) {
      if (years.indexOf(r.year) < 0) { years.push(r.year); }
      var name = r.area_name[lang];
      if (!areas[name]) { areas[name] = {}; order.push(name); }
      areas[name][r.year] = r.coupling_d.value;
    });
    years.sort();
    chanyeCharts.mount(el, chanyeCharts.base('coupling', {
      grid: { left: 50, right: 30, top: 60, bottom: 40 },
      legend: { type: 'scroll', top: 22, data: order },
      xAxis: { type: 'category', data: years },
      yAxis: { type: 'value', name: label(cp, 'coupling_d'), min: 0, max: 1 },
      tooltip: { trigger: 'axis' },
      series: order.map(function (name) {
        return { type: 'line', name: name, data: years.map(function (y) { return areas[name][y]; }) };
      })
    }, opts(cp.synthetic ? w.provenance_synthetic : w.provenance_registry)));
  }
  function provOf(table) { return table.synthetic ? w.provenance_synthetic : (table.provenance === 'registry' ? w.provenance_registry : w.provenance_io); }
  function lines(table, key, el, name) {
    var years = [], areas = {}, order = [];
    table.rows.forEach(function (r) {
      if (years.indexOf(r.year) < 0) { years.push(r.year); }
      var n = r.area_name[lang];
      if (!areas[n]) { areas[n] = {}; order.push(n); }
      areas[n][r.year] = r[key].value;
    });
    years.sort();
    chanyeCharts.mount(el, chanyeCharts.base(name, {
      grid: { left: 55, right: 30, top: 60, bottom: 40 },
      legend: { type: 'scroll', top: 22, data: order },
      xAxis: { type: 'category', data: years },
      yAxis: { type: 'value', name: label(table, key) + ' (%)', scale: true },
      tooltip: { trigger: 'axis' },
      series: order.map(function (n) {
        return { type: 'line', name: n, data: years.map(function (y) { var v = areas[n][y]; return v === undefined ? null : v; }) };
      })
    }, opts(provOf(table))));
  }

  var rg = model.tables.io_regional;
  el = document.querySelector('[data-chart="fusionRegional"]');
  if (el && rg && rg.rows.length) {
    // issue 15 polish: horizontal bars with the sectors' names down the side (wrapped), both axes named with
    // their unit, the chart as tall as its bars need (no empty band)
    var top = rg.rows.slice().sort(function (a, b) { return b.output_multiplier.value - a.output_multiplier.value; }).slice(0, 15);
    var pw = {};
    try { pw = JSON.parse(document.getElementById('chanye-page').textContent).words || {}; } catch (e) { pw = {}; }
    var nameWidth = Math.min(lang === 'en' ? 220 : 170, Math.max(110, 0.28 * (el.clientWidth || 800)));
    el.style.height = Math.max(320, 110 + 36 * top.length) + 'px';
    chanyeCharts.mount(el, chanyeCharts.base('regional', {
      grid: { left: 12, right: 40, top: 54, bottom: 44, containLabel: true },
      legend: { top: 22, left: 0, data: [label(rg, 'output_multiplier'), label(rg, 'national_output_multiplier')] },
      xAxis: { type: 'value', min: 0, name: pw.fusion_multiplier_axis || label(rg, 'output_multiplier'), nameLocation: 'middle', nameGap: 28,
               nameTextStyle: { color: '#5f6b7d', fontSize: 12 }, splitLine: { lineStyle: { color: '#eef1f5' } } },
      yAxis: { type: 'category', inverse: true, data: top.map(function (r) { return r.sector[lang] || r.sector.zh; }),
               name: pw.fusion_sector_axis || '', nameLocation: 'start', nameGap: 8, nameTextStyle: { color: '#5f6b7d', fontSize: 12, align: 'right' },
               axisLabel: { width: nameWidth, overflow: 'break', lineHeight: 14, fontSize: 12, interval: 0 } },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var r = top[ps[0].dataIndex];
        return r.sector_code + ' ' + r.sector[lang] + ps.map(function (p) { return '<br>' + p.marker + p.seriesName + ': ' + p.value.toFixed(4); }).join('');
      } },
      series: [
        { type: 'bar', name: label(rg, 'output_multiplier'), barMaxWidth: 12, data: top.map(function (r) { return r.output_multiplier.value; }) },
        { type: 'bar', name: label(rg, 'national_output_multiplier'), barMaxWidth: 12, data: top.map(function (r) { return r.national_output_multiplier.value; }) }
      ]
    }, opts(provOf(rg))));
  }

  var mr = model.tables.mfg_registry;
  el = document.querySelector('[data-chart="fusionManufacturing"]');
  if (el && mr && mr.rows.length) { lines(mr, 'revenue_share', el, 'manufacturing'); }

  var ta = model.tables.transformation_areas;
  el = document.querySelector('[data-chart="fusionTransformation"]');
  if (el && ta && ta.rows.length) {
    var last = Math.max.apply(null, ta.rows.map(function (r) { return r.year; }));
    var rows = ta.rows.filter(function (r) { return r.year === last; });
    var keys = ['smart_designated_share', 'smart_level3_share', 'iip_share', 'green_factory_share'];
    chanyeCharts.mount(el, chanyeCharts.base('transformation', {
      grid: { left: 55, right: 30, top: 60, bottom: 60 },
      legend: { type: 'scroll', top: 22, data: keys.map(function (k) { return label(ta, k); }) },
      xAxis: { type: 'category', data: rows.map(function (r) { return r.area_name[lang]; }), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', name: '% (' + last + ')', min: 0 },
      tooltip: { trigger: 'axis' },
      series: keys.map(function (k) {
        return { type: 'bar', name: label(ta, k), data: rows.map(function (r) { return r[k].value === null ? null : Number(r[k].value.toFixed(2)); }) };
      })
    }, opts(provOf(ta))));
  }
}());
