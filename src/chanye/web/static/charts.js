/* chanye chart helpers shared by every page script (chanye.js, chains.js, opportunities.js):
   one font, a PNG button (ECharts toolbox saveAsImage) and a provenance subtitle in every image, and the
   first-chart timestamps the benchmarks and browser tests read:
   window.__chanyeFirstChart: performance.now() at the first chart's 'finished' event;
   window.__chanyeRendered: ids of the charts that have rendered; window.__chanyeLastChart: when the last did. */
(function () {
  'use strict';

  var FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  var charts = [];
  window.__chanyeFirstChart = null;
  window.__chanyeRendered = [];

  // opts: {provenance: text of the subtitle, save: title of the PNG button}; extra: the chart's own options.
  function base(name, extra, opts) {
    var option = {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: { text: '', subtext: opts.provenance, right: 40, top: 0, subtextStyle: { color: '#8a94a6', fontSize: 11 } },
      toolbox: { right: 0, top: 0, feature: { saveAsImage: { title: opts.save, name: 'chanye-' + name, pixelRatio: 2, backgroundColor: '#fff' } } },
      tooltip: { confine: true, textStyle: { fontFamily: FONT } }
    };
    Object.keys(extra || {}).forEach(function (k) { option[k] = extra[k]; });
    return option;
  }

  function mount(el, option, onClick) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    var id = el.getAttribute('data-chart');
    chart.on('finished', function () {
      if (window.__chanyeFirstChart === null) { window.__chanyeFirstChart = performance.now(); }
      if (window.__chanyeRendered.indexOf(id) < 0) { window.__chanyeRendered.push(id); window.__chanyeLastChart = performance.now(); }
    });
    if (onClick) { chart.on('click', onClick); }
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  // Form behaviour without inline handlers (the Content-Security-Policy allows no inline script):
  // a select marked data-autosubmit submits its form on change; a form marked data-nosubmit never submits.
  document.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('[data-autosubmit]') && e.target.form) { e.target.form.submit(); }
  });
  document.addEventListener('submit', function (e) {
    if (e.target.matches && e.target.matches('[data-nosubmit]')) { e.preventDefault(); }
  });
  window.chanyeCharts = { FONT: FONT, base: base, mount: mount, charts: charts };
}());
