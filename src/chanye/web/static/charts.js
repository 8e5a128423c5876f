/* chanye chart helpers shared by every page script (chanye.js, chains.js, opportunities.js, fusion.js):
   one font, a PNG button (ECharts toolbox saveAsImage) and a provenance subtitle in every image, the label
   rules every chart follows (`tidy`, applied by `mount`), and the first-chart timestamps the benchmarks and
   browser tests read:
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

  // Label rules of every chart (issue 15: no dropped or overlapping label at 1440 or 1024 px wide):
  // - a category axis shows every category (interval 0), and a chart with categories down its side grows
  //   to ROW px per category instead of letting ECharts skip every other label;
  // - a grid holds its axis labels AND axis names inside its box (ECharts 6 outerBounds, which
  //   containLabel alone does not: the y-axis name sat in the legend), below the legend and the header row
  //   (the provenance subtitle and the PNG button at the top right);
  // - a legend scrolls on one line, left of the subtitle and the PNG button, so neither the legend nor its
  //   pager covers them.
  var HEADER = 36;       // the subtitle + toolbox row at the top (the PNG icon reaches 35 px)
  var LEGEND = 24;       // one legend line (item 14 px + padding)
  var CLEAR_RIGHT = 130; // the subtitle and the PNG button, measured from the right edge
  var ROW = 18;          // px per category of a vertical category axis
  // Width of a text in px, on the safe side: CJK and full-width characters 1 em, the rest 0.6 em.
  function textWidth(text, px) {
    var w = 0;
    for (var i = 0; i < text.length; i++) { w += /[\u3000-\u9fff\uff00-\uffef]/.test(text.charAt(i)) ? px : 0.6 * px; }
    return w;
  }
  function clearRight(el) { return (el && el.__chanyeClearRight) || CLEAR_RIGHT; }
  function legendWidth(el, lg) { return Math.max(120, el.clientWidth - (typeof lg.left === 'number' ? lg.left : 0) - clearRight(el)); }
  function list(x) { return x === undefined || x === null ? [] : (Array.isArray(x) ? x : [x]); }
  function tidy(el, option) {
    var legendBottom = 0;
    var title = list(option.title)[0];
    if (el && title && title.subtext) {  // the subtitle's own length ("Synthetic demo data" is longer than 示例数据)
      el.__chanyeClearRight = Math.max(CLEAR_RIGHT, Math.ceil(textWidth(title.subtext, 11) + (title.right || 0) + 16));
    }
    var names = [];
    list(option.series).forEach(function (se) { if (se.name) { names.push(String(se.name)); } });
    list(option.legend).forEach(function (lg) {
      if (lg.show === false) { return; }
      lg.type = lg.type || 'scroll';
      // a legend too long for the room beside the subtitle gets its own line below it, so that it need not page
      var need = (lg.data || names).reduce(function (w, d) { return w + textWidth(String(d && d.name ? d.name : d), 12) + 40; }, 0);
      if (lg.top === undefined) { lg.top = el && need > el.clientWidth - clearRight(el) ? HEADER : 0; }
      // ECharts keeps only one of a legend's left and right: its room is a width
      if (typeof lg.top === 'number' && lg.top < HEADER && el) { delete lg.right; lg.width = legendWidth(el, lg); }
      if (typeof lg.top === 'number') { legendBottom = Math.max(legendBottom, lg.top + LEGEND); }
    });
    var top = Math.max(HEADER, legendBottom ? legendBottom + 8 : 0);
    list(option.grid).forEach(function (g) {
      g.containLabel = false;
      g.outerBoundsMode = 'same';
      g.outerBoundsContain = 'all';
      if (typeof g.top !== 'number' || g.top < top) { g.top = top; }
    });
    var rows = 0;
    var rowPx = ROW;
    ['xAxis', 'yAxis'].forEach(function (key) {
      list(option[key]).forEach(function (ax) {
        if (ax.type !== 'category') { return; }
        ax.axisLabel = ax.axisLabel || {};
        if (ax.axisLabel.interval === undefined) { ax.axisLabel.interval = 0; }
        if (key === 'yAxis') {
          // a label wrapped to its width (overflow 'break') takes as many lines as its longest category needs
          var lab = ax.axisLabel;
          var lines = 1;
          if (lab.width && lab.overflow === 'break') {
            (ax.data || []).forEach(function (d) { lines = Math.max(lines, Math.ceil(textWidth(String(d && d.value !== undefined ? d.value : d), lab.fontSize || 12) / lab.width)); });
          }
          rows = Math.max(rows, (ax.data || []).length);
          rowPx = Math.max(rowPx, lines > 1 ? lines * (lab.lineHeight || 14) + 4 : ROW);
        }
      });
    });
    if (rows && el) {
      var g = list(option.grid)[0] || {};
      var need = rows * rowPx + (g.top || top) + (typeof g.bottom === 'number' ? g.bottom : 60) + 32;
      if (el.clientHeight < need) { el.style.height = need + 'px'; }
    }
    return option;
  }

  // labelLayout of a scatter: each label goes to the first free place around its point (above, below, right,
  // left, then a line further out), in data order (sort the data largest first); a label with no free place
  // inside the chart is left to the tooltip. ECharts' own moveOverlap shifts along one axis only and, with
  // many points close together, piles the labels up at the edge of the chart.
  function scatterLabels(el, top) {
    var placed = [];
    var seen = {};
    return function (p) {
      var key = p.seriesIndex + ':' + p.dataIndex;
      if (seen[key]) { seen = {}; placed = []; }  // a new layout pass
      seen[key] = true;
      var r = p.rect;
      var w = p.labelRect.width + 2;
      var h = p.labelRect.height;
      var cx = r.x + r.width / 2;
      var cy = r.y + r.height / 2;
      var spots = [[cx - w / 2, r.y - h], [cx - w / 2, r.y + r.height], [r.x + r.width + 2, cy - h / 2], [r.x - w - 2, cy - h / 2],
        [cx - w / 2, r.y - 2 * h], [cx - w / 2, r.y + r.height + h], [r.x + r.width + 2, cy - 1.5 * h], [r.x + r.width + 2, cy + 0.5 * h],
        [r.x - w - 2, cy - 1.5 * h], [r.x - w - 2, cy + 0.5 * h]];
      for (var i = 0; i < spots.length; i++) {
        var b = { x: spots[i][0], y: spots[i][1], w: w, h: h };
        if (b.x < 0 || b.y < top || b.x + w > el.clientWidth || b.y + h > el.clientHeight) { continue; }
        if (placed.some(function (q) { return b.x < q.x + q.w && q.x < b.x + b.w && b.y < q.y + q.h && q.y < b.y + b.h; })) { continue; }
        placed.push(b);
        return { x: b.x + 1, y: b.y, align: 'left', verticalAlign: 'top' };
      }
      return { x: -10000, y: -10000 };  // off the canvas: no room
    };
  }

  function mount(el, option, onClick) {
    tidy(el, option);
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

  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      c.resize();
      var legends = c.getOption().legend || [];  // keep a top legend clear of the PNG button at the new width
      if (legends.some(function (lg) { return lg.width !== undefined; })) {
        c.setOption({ legend: legends.map(function (lg) { return lg.width !== undefined ? { width: legendWidth(c.getDom(), lg) } : {}; }) });
      }
    });
  });
  // Form behaviour without inline handlers (the Content-Security-Policy allows no inline script):
  // a select marked data-autosubmit submits its form on change; a form marked data-nosubmit never submits.
  document.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('[data-autosubmit]') && e.target.form) { e.target.form.submit(); }
  });
  document.addEventListener('submit', function (e) {
    if (e.target.matches && e.target.matches('[data-nosubmit]')) { e.preventDefault(); }
  });
  window.chanyeCharts = { FONT: FONT, base: base, mount: mount, tidy: tidy, scatterLabels: scatterLabels, textWidth: textWidth, charts: charts };
}());
