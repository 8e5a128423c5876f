"""JS for the browser tests: what each ECharts chart on the page actually drew, read from the chart instance
(echarts.getInstanceByDom) and its zrender display list, in CSS pixels of the chart:

- `axes`: every category axis: its number of categories and of labels it shows (`axis.getViewLabels()`);
- `texts`: every visible text (zrender Text whose spans are in the display list, not hidden by a label
  layout): its words, its box, and its kind (`axisLabel`, `axisName`, `legend`, or `label` for the rest);
- `overlaps`: pairs of visible texts whose boxes intersect by more than 1 px in both directions;
- `legend`, `toolbox`: the boxes of the legend and the toolbox (the PNG button), null when absent;
- `cut`: texts drawn with an ellipsis (truncated).
"""

AUDIT = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const chart = echarts.getInstanceByDom(el);
  const id = el.getAttribute('data-chart');
  if (!chart) { return { id, missing: true }; }
  const model = chart.getModel();
  const box = (g) => {
    if (!g) { return null; }
    const r = g.getBoundingRect().clone();
    const m = g.getComputedTransform ? g.getComputedTransform() : g.transform;
    if (m) { r.applyTransform(m); }
    return r.width > 0 && r.height > 0 ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
  };
  // The part of an element its ancestors' clip paths let through (a scrolling legend clips its items).
  const clipOf = (el) => {
    let r = null;
    for (let p = el.parent; p; p = p.parent) {
      const c = p.getClipPath && p.getClipPath();
      if (!c) { continue; }
      const cr = c.getBoundingRect().clone();
      const m = p.getComputedTransform ? p.getComputedTransform() : p.transform;
      if (m) { cr.applyTransform(m); }
      r = r ? meet(r, cr) : { x: cr.x, y: cr.y, width: cr.width, height: cr.height };
      if (!r) { return { x: 0, y: 0, width: 0, height: 0 }; }
    }
    return r;
  };
  const meet = (r, c) => {
    const x = Math.max(r.x, c.x), y = Math.max(r.y, c.y);
    const w = Math.min(r.x + r.width, c.x + c.width) - x, h = Math.min(r.y + r.height, c.y + c.height) - y;
    return w > 1 && h > 1 ? { x, y, width: w, height: h } : null;
  };
  const canvas = { x: 0, y: 0, width: el.clientWidth, height: el.clientHeight };
  const visibleBox = (e) => {
    const r = box(e);
    const c = r && clipOf(e);
    return r && meet(c ? (meet(r, c) || { x: 0, y: 0, width: 0, height: 0 }) : r, canvas);
  };
  const legendBox = (view) => {
    if (!view) { return null; }
    if (!view._containerGroup) { return box(view.group); }
    const parts = [view._containerGroup.getClipPath() ? box(view._containerGroup.getClipPath()) : box(view._containerGroup),
                   view._controllerGroup && view._controllerGroup.childCount() ? box(view._controllerGroup) : null].filter(Boolean);
    if (!parts.length) { return null; }
    const x = Math.min(...parts.map(p => p.x)), y = Math.min(...parts.map(p => p.y));
    return { x, y, width: Math.max(...parts.map(p => p.x + p.width)) - x, height: Math.max(...parts.map(p => p.y + p.height)) - y };
  };
  const groupOf = (type) => {
    const c = model.getComponent(type);
    if (!c || c.get('show') === false) { return null; }
    const view = chart.getViewOfComponentModel(c);
    return view ? view.group : null;
  };
  const legendGroup = groupOf('legend');
  const toolboxGroup = groupOf('toolbox');
  // the toolbox's icons (its group also holds a transparent hover area)
  const icons = (g) => {
    if (!g) { return null; }
    const parts = []; g.traverse(e => { if (e.type === 'path' && !e.invisible) { const r = box(e); if (r) { parts.push(r); } } });
    if (!parts.length) { return null; }
    const x = Math.min(...parts.map(p => p.x)), y = Math.min(...parts.map(p => p.y));
    return { x, y, width: Math.max(...parts.map(p => p.x + p.width)) - x, height: Math.max(...parts.map(p => p.y + p.height)) - y };
  };
  const inside = (el, group) => { for (let p = el; p; p = p.parent) { if (p === group) { return true; } } return false; };
  const axes = [];
  ['xAxis', 'yAxis'].forEach(type => {
    model.eachComponent(type, a => {
      if (a.get('type') !== 'category' || a.get('show') === false || a.get(['axisLabel', 'show']) === false) { return; }
      const data = a.get('data') || [];
      axes.push({ type, index: a.componentIndex, categories: data.length,
                  shown: a.axis.getViewLabels().length, interval: a.get(['axisLabel', 'interval']) });
    });
  });
  const seen = new Set();
  const texts = [];
  chart.getZr().storage.getDisplayList(true).forEach(d => {
    const t = d.parent;
    if (d.type !== 'tspan' || d.invisible || !t || t.type !== 'text' || seen.has(t) || t.invisible) { return; }
    seen.add(t);
    const words = String(t.style.text === undefined || t.style.text === null ? '' : t.style.text);
    const r = visibleBox(t);
    if (!words.trim() || !r || (t.style.opacity !== undefined && t.style.opacity < 0.05)) { return; }
    const hostAnid = t.anid || '';
    const kind = hostAnid === 'name' ? 'axisName' : hostAnid.indexOf('label_') === 0 ? 'axisLabel'
      : inside(t, legendGroup) ? 'legend' : inside(t, toolboxGroup) ? 'toolbox' : 'label';
    const spans = (t.childrenRef ? t.childrenRef() : []).filter(c => c.type === 'tspan').map(c => c.style.text || '');
    texts.push(Object.assign({ text: words, kind, cut: spans.some(s => s.indexOf('…') >= 0 || s.indexOf('...') >= 0) }, r));
  });
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (a.kind === 'legend' && b.kind === 'legend') { continue; }  // the legend lays out its own items
      if (w > 1 && h > 1) { overlaps.push([a.kind + ':' + a.text, b.kind + ':' + b.text, Math.round(w), Math.round(h)]); }
    }
  }
  return { id, width: el.clientWidth, height: el.clientHeight, axes, texts, overlaps,
           legend: legendBox(legendGroup && chart.getViewOfComponentModel(model.getComponent('legend'))), toolbox: icons(toolboxGroup), cut: texts.filter(t => t.cut).map(t => t.text) };
})"""
