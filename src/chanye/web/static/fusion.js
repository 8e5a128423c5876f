/* 两业融合 page (issue 13): the linkage scatter (backward vs forward linkage, quadrants at 1) and the coupling
   coordination trend (D by year, one line per area). Data and words come from the page's model
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
}());
