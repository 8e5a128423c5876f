"""JS for the browser tests: the painted (non-transparent) pixels of each chart on the page, by chart id,
with the chart's area."""

PAINTED = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  let n = 0;
  for (const c of el.querySelectorAll('canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
  }
  return [el.getAttribute('data-chart'), n, el.clientWidth * el.clientHeight];
})"""
