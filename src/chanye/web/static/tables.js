/* Sortable tables (issue 15): every table shows its sort and sorts by any column.

   A table rendered whole (`table.data` outside an `.ent-table`, without `data-server-sort` or `data-nosort`)
   sorts in the browser: a click (or Enter) on a header sorts by that column, again reverses it. The current
   sort shows as ▲/▼ (th.sorted-asc / th.sorted-desc) and as aria-sort. The order the server sent is shown
   too: a header carrying data-sorted="desc|asc" declares it; otherwise the first column whose values are
   already in order (at least three numbers) is marked. Numbers sort as numbers ("1,234.5", "+3.2", "12%"),
   blanks ("—") always last; text by the page's language. No inline script: the CSP allows 'self' only.

   Issue 15 polish. A table sorted by no column says its order in a caption (the table's data-order:
   framework | file | newest | alpha, else "in the order listed"). Tables filled or refilled by a script after
   load (chain node panel, data page) are taken up too: a MutationObserver re-runs `enhance` when a table's
   rows change (our own re-sorting excluded), and scripts may call chanyeTables.refresh(table). Every table fits
   its card or visibly scrolls (`fit`): a table wider than its box is first tightened (headers and text cells
   wrap, tighter padding: table.tight), then its low-value columns (th/td.col-low) are hidden (table.compact);
   if still wider, its .table-wrap scrolls with faded edges on the sides
   that hide columns (.scrolls.more-left/.more-right) and a hint above it. Re-fitted on resize. */
(function () {
  'use strict';

  var lang = (document.documentElement.getAttribute('lang') || 'zh').slice(0, 2) === 'en' ? 'en' : 'zh';
  var collator = new Intl.Collator(lang === 'en' ? 'en' : 'zh-CN', { numeric: true, sensitivity: 'base' });
  var words = {};
  try { words = JSON.parse(document.getElementById('chanye-page').textContent).words || {}; } catch (e) { words = {}; }
  var NUMBER = /^[<>≥≤]?\s*[+\-−]?\d[\d,]*(\.\d+)?\s*(%|‰)?/;

  function cellValue(cell) {
    if (!cell) { return null; }
    var raw = cell.getAttribute('data-value');
    var text = (raw !== null ? raw : cell.textContent).replace(/\s+/g, ' ').trim();
    if (text === '' || text === '—' || text === '-' || text === '–') { return null; }
    var m = NUMBER.exec(text);
    if (m && (m[0].length === text.length || /^[\d,.\s+\-−%‰<>≥≤]+(\s|（|\(|$)/.test(text))) {
      var n = parseFloat(m[0].replace(/[<>≥≤\s,%‰]/g, '').replace('−', '-'));
      if (!isNaN(n)) { return n; }
    }
    return text;
  }

  function compare(a, b) {
    if (a === null && b === null) { return 0; }
    if (a === null) { return 1; }   // blanks last, whatever the direction (handled by the caller)
    if (b === null) { return -1; }
    if (typeof a === 'number' && typeof b === 'number') { return a - b; }
    if (typeof a === 'number') { return -1; }
    if (typeof b === 'number') { return 1; }
    return collator.compare(a, b);
  }

  function dataRows(tbody) {
    return Array.prototype.filter.call(tbody.rows, function (tr) {
      return !(tr.cells.length === 1 && tr.cells[0].colSpan > 1);  // "no rows" notes stay put
    });
  }

  function mark(headers, index, order) {
    headers.forEach(function (th, i) {
      th.classList.remove('sorted-asc', 'sorted-desc');
      if (i === index) {
        th.classList.add('sorted-' + order);
        th.setAttribute('aria-sort', order === 'desc' ? 'descending' : 'ascending');
      } else {
        th.setAttribute('aria-sort', 'none');
      }
    });
  }

  function inOrder(rows, index) {
    var values = rows.map(function (tr) { return cellValue(tr.cells[index]); }).filter(function (v) { return v !== null; });
    if (values.length < 3 || values.some(function (v) { return typeof v !== 'number'; })) { return null; }
    var up = true, down = true;
    for (var i = 1; i < values.length; i++) {
      if (values[i] < values[i - 1]) { up = false; }
      if (values[i] > values[i - 1]) { down = false; }
    }
    if (up && down) { return null; }  // all equal: no order to show
    return down ? 'desc' : (up ? 'asc' : null);
  }

  var ORDER_WORDS = { framework: 'table_order_framework', file: 'table_order_file', newest: 'table_order_newest', alpha: 'table_order_alpha' };

  // "Sorted: in the framework's order · click a header to sort" while no column is sorted; gone once one is
  function orderCaption(table, sorted) {
    var cap = table.querySelector('caption.table-order');
    if (sorted) { if (cap) { cap.remove(); } return; }
    if (!cap) {
      cap = document.createElement('caption');
      cap.className = 'table-order';
      table.insertBefore(cap, table.firstChild);
    }
    var key = ORDER_WORDS[table.getAttribute('data-order')] || 'table_order_given';
    cap.textContent = (words.sorted_by || '') + (lang === 'en' ? ': ' : '：') + (words[key] || '') + ' · ' + (words.sort_hint || '');
  }

  function enhance(table) {
    if (table.closest('.ent-table') || table.hasAttribute('data-server-sort') || table.hasAttribute('data-nosort')) { return; }
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body || head.rows.length !== 1) { return; }
    var headers = Array.prototype.slice.call(head.rows[0].cells);
    var rows = dataRows(body);
    var done = table.__chanyeSort;
    var same = Boolean(done) && done.headers.length === headers.length && done.headers.every(function (th, i) { return th === headers[i]; });
    // our own re-sorting (and the caption) changes no row: nothing to do
    if (same && done.rows.length === rows.length && rows.every(function (tr) { return done.rows.indexOf(tr) >= 0; })) { return; }
    var bound = same && done.bound;
    if (rows.length < 2 || headers.some(function (th) { return th.colSpan > 1; })) {
      orderCaption(table, true);
      table.__chanyeSort = { headers: headers, rows: rows, bound: bound };
      return;
    }
    var state = { index: -1, order: 'desc' };
    table.__chanyeSort = { headers: headers, rows: rows, bound: true };
    headers.forEach(function (th, i) {
      th.classList.remove('sorted-asc', 'sorted-desc');
      var declared = th.getAttribute('data-sorted');
      if (declared === 'asc' || declared === 'desc') { state = { index: i, order: declared }; }
      if (bound) { return; }  // new rows under the same headers: the handlers are there already
      th.classList.add('sortable');
      th.setAttribute('tabindex', '0');
      th.setAttribute('aria-sort', 'none');
      th.title = th.title || words.sort_hint || '';
      function sortHere() {
        var st = table.__chanyeState;
        var order = st.index === i ? (st.order === 'desc' ? 'asc' : 'desc')
          : (typeof cellValue((dataRows(body)[0] || { cells: [] }).cells[i]) === 'number' ? 'desc' : 'asc');
        table.__chanyeSortBy(i, order);
      }
      th.addEventListener('click', function (e) {
        if (e.target.closest('a')) { return; }  // a glossary link in a header opens the glossary
        sortHere();
      });
      th.addEventListener('keydown', function (e) { if ((e.key === 'Enter' || e.key === ' ') && !e.target.closest('a')) { e.preventDefault(); sortHere(); } });
    });
    function sortBy(index, order) {
      var current = dataRows(body);
      var keyed = current.map(function (tr, n) { return { tr: tr, v: cellValue(tr.cells[index]), n: n }; });
      keyed.sort(function (a, b) {
        if (a.v === null || b.v === null) { return compare(a.v, b.v) || a.n - b.n; }
        var c = compare(a.v, b.v);
        return (order === 'desc' ? -c : c) || a.n - b.n;  // stable
      });
      var rest = Array.prototype.filter.call(body.rows, function (tr) { return current.indexOf(tr) < 0; });
      keyed.forEach(function (k) { body.appendChild(k.tr); });
      rest.forEach(function (tr) { body.appendChild(tr); });
      table.__chanyeState = { index: index, order: order };
      mark(headers, index, order);
      orderCaption(table, true);
      table.setAttribute('data-sorted-by', index + ':' + order);
    }
    table.__chanyeSortBy = sortBy;
    if (state.index < 0 && !table.hasAttribute('data-order')) {  // a declared order is not guessed at
      for (var i = 0; i < headers.length; i++) {
        var o = inOrder(rows, i);
        if (o) { state = { index: i, order: o }; break; }
      }
    }
    table.__chanyeState = state;
    table.removeAttribute('data-sorted-by');
    if (state.index >= 0) { mark(headers, state.index, state.order); } else { mark(headers, -1, 'desc'); }
    orderCaption(table, state.index >= 0);
  }

  // ---- fit or visibly scroll ------------------------------------------------------------------------

  function wrapOf(table) {
    var wrap = table.parentElement;
    if (wrap && wrap.classList.contains('table-wrap')) { return wrap; }
    wrap = document.createElement('div');  // a table a template left bare gets its scroll box
    wrap.className = 'table-wrap';
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
    return wrap;
  }

  function edges(wrap) {
    var left = wrap.scrollLeft > 1;
    var right = wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1;
    wrap.classList.toggle('more-left', left);
    wrap.classList.toggle('more-right', right);
  }

  function fit(table) {
    if (table.closest('[hidden]') || !table.offsetParent) { return; }  // not laid out: fitted when shown
    var wrap = wrapOf(table);
    table.classList.remove('tight', 'compact');
    wrap.classList.remove('scrolls', 'more-left', 'more-right');
    var wide = function () { return wrap.scrollWidth > wrap.clientWidth + 1; };
    if (wide()) { table.classList.add('tight'); }
    if (wide() && table.querySelector('.col-low')) { table.classList.add('compact'); }  // low-value columns go
    var hint = wrap.previousElementSibling && wrap.previousElementSibling.classList.contains('table-hint') ? wrap.previousElementSibling : null;
    if (wide()) {
      wrap.classList.add('scrolls');
      wrap.setAttribute('tabindex', '0');  // the keyboard scrolls it too
      wrap.setAttribute('role', 'region');
      wrap.setAttribute('aria-label', words.table_scroll_hint || '');
      if (!hint) {
        hint = document.createElement('p');
        hint.className = 'table-hint';
        hint.textContent = words.table_scroll_hint || '';
        wrap.parentNode.insertBefore(hint, wrap);
      }
      if (!wrap.__chanyeEdges) { wrap.__chanyeEdges = true; wrap.addEventListener('scroll', function () { edges(wrap); }, { passive: true }); }
      edges(wrap);
    } else {
      if (hint) { hint.remove(); }
      if (wrap.getAttribute('role') === 'region') { wrap.removeAttribute('tabindex'); wrap.removeAttribute('role'); wrap.removeAttribute('aria-label'); }
    }
  }

  function fitAll() { document.querySelectorAll('table.data').forEach(fit); }

  function refresh(table) { enhance(table); fit(table); }

  function run() {
    document.querySelectorAll('table.data').forEach(function (t) { enhance(t); wrapOf(t); });
    fitAll();
    var timer = null;
    window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(fitAll, 120); });
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(fitAll); }
    if (typeof MutationObserver === 'undefined') { return; }
    var pending = [];
    var observer = new MutationObserver(function (records) {
      records.forEach(function (r) {
        var el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        var table = el && el.closest('table.data');
        if (table) { pending.push(table); return; }
        Array.prototype.forEach.call(r.addedNodes, function (n) {
          if (n.nodeType !== 1) { return; }
          if (n.matches('table.data')) { pending.push(n); }
          Array.prototype.push.apply(pending, n.querySelectorAll('table.data'));
        });
        if (r.type === 'attributes' && el && el.querySelectorAll) { Array.prototype.push.apply(pending, el.querySelectorAll('table.data')); }
      });
      if (!pending.length) { return; }
      window.requestAnimationFrame(function () {
        var tables = pending.filter(function (t, i) { return pending.indexOf(t) === i && document.contains(t); });
        pending = [];
        tables.forEach(refresh);
        observer.takeRecords();  // the captions and hints we just wrote
      });
    });
    // rows filled by a script, and tables shown by un-hiding their box (the data page's preview)
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden', 'open'] });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', run); } else { run(); }
  window.chanyeTables = { enhance: enhance, refresh: refresh, fit: fit, value: cellValue };
})();
