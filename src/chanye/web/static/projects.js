/* 项目 page (issue 12): the funnel (projects reaching each stage, with their investment), the district map
   (projects by district) and the district bars. Data and words come from the page's model (#chanye-model):
   typed table payloads (number cells {value, unit, provenance}, names {zh, en}) and `chart` words; no
   inline script (the CSP forbids it); every chart has a PNG button and its provenance in the image. */
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('chanye-model').textContent);
  var w = model.chart;
  var lang = document.documentElement.lang === 'en' ? 'en' : 'zh';
  var T = model.tables;
  function opts() { return { provenance: w.provenance, save: w.save }; }
  function num(v) { return v && typeof v === 'object' ? v.value : v; }
  function nm(v) { return v && typeof v === 'object' ? (v[lang] || v.zh) : (v || ''); }

  var el = document.querySelector('[data-chart="projectFunnel"]');
  var funnel = T.project_funnel.rows;
  if (el && funnel.length) {
    // Two panels side by side on the same stages: projects (left) and their investment (right), each bar with
    // its value at its end. A line of the investment across the count bars covered their labels; the axis
    // max leaves room for the longest bar's label inside its own panel.
    var stages = funnel.map(function (r) { return w.stages[r.stage]; });
    var invName = w.investment + '（' + w.unit_yi + '）';
    var room = function (v) {  // 30% beyond the longest bar, rounded to a half power of ten (its label is hidden)
      var x = v.max * 1.3, step = Math.pow(10, Math.floor(Math.log10(x || 1))) / 2;
      return Math.ceil(x / step) * step || 1;
    };
    var counts = funnel.map(function (r) { return num(r.projects); });
    var money = funnel.map(function (r) { return Math.round(num(r.investment)); });
    var cat = { type: 'category', inverse: true, data: stages };
    chanyeCharts.mount(el, chanyeCharts.base('project-funnel', {
      grid: [{ left: 8, width: '44%', bottom: 24 }, { left: '54%', right: 12, bottom: 24 }],
      xAxis: [{ gridIndex: 0, type: 'value', max: room, name: w.projects, nameLocation: 'middle', nameGap: 22, axisLabel: { fontSize: 10, showMaxLabel: false }, splitNumber: 3 },
              { gridIndex: 1, type: 'value', max: room, name: invName, nameLocation: 'middle', nameGap: 22, axisLabel: { fontSize: 10, showMaxLabel: false }, splitNumber: 3 }],
      yAxis: [Object.assign({ gridIndex: 0 }, cat), Object.assign({ gridIndex: 1, axisLabel: { show: false } }, cat)],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      series: [
        { name: w.projects, type: 'bar', xAxisIndex: 0, yAxisIndex: 0, barMaxWidth: 16, data: counts,
          label: { show: true, position: 'right', fontSize: 10 }, itemStyle: { color: '#1456b8' } },
        { name: invName, type: 'bar', xAxisIndex: 1, yAxisIndex: 1, barMaxWidth: 16, data: money,
          label: { show: true, position: 'right', fontSize: 10 }, itemStyle: { color: '#f08a24' } }
      ]
    }, opts()));
  }

  // projects by district: those that entered the pipeline (stage 'lead' of the grouped funnel counts them all)
  var byDistrict = T.project_funnel_district.rows.filter(function (r) { return r.stage === 'lead' && r.district_code; });
  var rows = byDistrict.map(function (r) {
    return { code: r.district_code, name: r.district ? r.district.zh : r.district_code, name_en: r.district ? r.district.en : r.district_code,
             value: num(r.projects), investment: num(r.investment) };
  });
  el = document.querySelector('[data-chart="projectDistricts"]');
  if (el && rows.length) {
    var sorted = rows.slice().sort(function (a, b) { return b.value - a.value; });
    chanyeCharts.mount(el, chanyeCharts.base('project-districts', {
      grid: { left: 70, right: 40, top: 30, bottom: 20 },
      xAxis: { type: 'value', name: w.projects },
      yAxis: { type: 'category', inverse: true, data: sorted.map(function (r) { return lang === 'en' ? r.name_en : r.name; }), axisLabel: { fontSize: 11 } },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      series: [{ type: 'bar', barMaxWidth: 14, data: sorted.map(function (r) { return { value: r.value, code: r.code }; }),
                 label: { show: true, position: 'right', fontSize: 10 }, itemStyle: { color: '#2fa36b' } }]
    }, opts()), function (p) { if (p.data && p.data.code) { window.location.href = '/projects?district=' + p.data.code + (lang === 'en' ? '&lang=en' : ''); } });
  }

  el = document.querySelector('[data-chart="projectMap"]');
  if (el && rows.length) {
    var code = el.getAttribute('data-map');
    fetch('/vendor/maps/' + code + '.json').then(function (r) {
      if (!r.ok) { throw new Error('map ' + r.status); }
      return r.json();
    }).then(function (geo) {
      echarts.registerMap('projects-' + code, geo);
      var en = {};
      rows.forEach(function (d) { en[d.name] = d.name_en; });
      var max = Math.max.apply(null, rows.map(function (d) { return d.value; }).concat([1]));
      chanyeCharts.mount(el, chanyeCharts.base('project-map', {
        tooltip: { formatter: function (p) { var d = p.data || {}; return (lang === 'en' ? (en[p.name] || p.name) : p.name) + ': ' + (d.value || 0) + ' ' + w.unit_count; } },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: true, inRange: { color: ['#e8f0fc', '#7aa6e6', '#1456b8', '#082c66'] }, textStyle: { fontSize: 11 } },
        series: [{ type: 'map', map: 'projects-' + code, roam: false, top: 24, bottom: 8,
                   // dark text with a white outline, as the other district maps (chanye.js choropleth): readable on the
                   // lightest and the darkest fill alike
                   label: { show: true, fontSize: 10, color: '#1d2433', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) { return lang === 'en' ? (en[p.name] || p.name) : p.name; } },
                   emphasis: { label: { color: '#000' }, itemStyle: { areaColor: '#ffc53d' } },
                   labelLayout: { hideOverlap: true }, itemStyle: { borderColor: '#fff', borderWidth: 1 },
                   data: rows.map(function (d) { return { name: d.name, value: d.value, code: d.code }; }) }]
      }, opts()), function (p) { if (p.data && p.data.code) { window.location.href = '/projects?district=' + p.data.code + (lang === 'en' ? '&lang=en' : ''); } });
    }).catch(function () { el.style.display = 'none'; });
  }
}());
