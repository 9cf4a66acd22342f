/* The local dashboard page: draws what localaws computed from the QuickSight definition, and re-queries
   localaws when a control changes or a data point is clicked (a drill-down action).

   The view lives in the URL fragment as QuickSight spells it (#p.address=10.0.1.5&p.action=REJECT, plus
   sheet=<id>), so a copied URL opens the same view. A saved copy of the page (file://) draws the view it
   was saved with and says that its controls need the served page.

   The page reports on itself in #status: data-state (loading | ready), data-sheet, data-visuals,
   data-visuals-with-data, data-errors and data-renders (how many times a sheet was drawn), so a headless
   browser can wait for a redraw and check it. window.vpcflowDashboard.clippedLabels() lists every chart
   label or KPI value that does not fit where it is drawn. */
(function () {
  'use strict';
  var status = document.getElementById('status');
  var errorsBox = document.getElementById('errors');
  var errors = [];
  var renders = 0;
  function fail(text) {
    errors.push(String(text));
    status.setAttribute('data-errors', errors.length);
    errorsBox.textContent = errors.join('\n');
  }
  window.addEventListener('error', function (e) { fail('error: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { fail('unhandled rejection: ' + e.reason); });
  var consoleError = console.error;
  console.error = function () {
    fail('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };

  var dashboard = JSON.parse(document.getElementById('dashboard-data').textContent);
  var live = location.protocol === 'http:' || location.protocol === 'https:';
  var charts = {};
  var state = {sheet: dashboard.sheets[0].id, params: {}, page: 1};
  var declared = {};
  dashboard.parameters.forEach(function (p) { declared[p.name] = p; });
  var rendered = viewOf(dashboard.parameters);

  function viewOf(parameters) {
    var params = {};
    parameters.forEach(function (p) { if (p.value !== null && p.value !== undefined) params[p.name] = String(p.value); });
    return params;
  }

  // -- numbers and labels ------------------------------------------------------------------------------
  var SCALES = {THOUSANDS: [1e3, 'K'], MILLIONS: [1e6, 'M'], BILLIONS: [1e9, 'B'], TRILLIONS: [1e12, 'T']};
  var grouped = new Intl.NumberFormat('en-US');
  function formatNumber(value, f, tick) {
    if (value === null || value === undefined || value === '') return '–';
    if (typeof value !== 'number') return String(value);
    f = f || {};
    var scaled = value, unit = '', decimals = f.decimals;
    if (f.kind === 'percent') { scaled = value * 100; unit = '%'; }
    var scale = f.scale === 'AUTO' ? autoScale(Math.abs(value)) : SCALES[f.scale];
    if (scale && f.kind !== 'percent') { scaled = value / scale[0]; unit = scale[1]; }
    if (decimals === null || decimals === undefined || !unit) decimals = Number.isInteger(scaled) ? 0 : Math.min(2, decimals || 2);
    var text = new Intl.NumberFormat('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals,
      useGrouping: f.grouping !== false}).format(scaled);
    if (tick) text = text.replace(/\.0+$/, '');  // an axis reads "20M", a tooltip "20.0M"
    return (f.prefix || '') + text + unit + (f.suffix || '');
  }
  function autoScale(v) {
    if (v >= 1e12) return SCALES.TRILLIONS;
    if (v >= 1e9) return SCALES.BILLIONS;
    if (v >= 1e6) return SCALES.MILLIONS;
    if (v >= 1e3) return SCALES.THOUSANDS;
    return null;
  }
  function cellText(value, f) { return typeof value === 'number' ? (f ? formatNumber(value, f) : grouped.format(value)) : (value === null ? '–' : String(value)); }

  // -- the URL ----------------------------------------------------------------------------------------
  function readHash() {
    var view = {sheet: dashboard.sheets[0].id, params: {}, page: 1};
    location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      if (!pair) return;
      var at = pair.indexOf('='), key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      var value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
      if (key === 'sheet') view.sheet = value;
      else if (key === 'page') view.page = parseInt(value, 10) || 1;
      else if (key.indexOf('p.') === 0 && value !== '' && value !== '[ALL]' && value !== '\u0000') view.params[key.slice(2)] = value;
    });
    if (!dashboard.sheets.some(function (s) { return s.id === view.sheet; })) view.sheet = dashboard.sheets[0].id;
    return view;
  }
  function hashOf(view) {
    var parts = ['sheet=' + encodeURIComponent(view.sheet)];
    Object.keys(view.params).sort().forEach(function (k) { parts.push('p.' + encodeURIComponent(k) + '=' + encodeURIComponent(view.params[k])); });
    if (view.page > 1) parts.push('page=' + view.page);
    return '#' + parts.join('&');
  }
  function sameParams(a, b) { return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)); }
  function sortKeys(o) { var out = {}; Object.keys(o).sort().forEach(function (k) { out[k] = o[k]; }); return out; }

  // -- re-querying localaws -----------------------------------------------------------------------------
  var pending = 0;
  function go(view, push) {
    state = view;
    var target = hashOf(view);
    if (location.hash !== target) history[push ? 'pushState' : 'replaceState'](null, '', target);
    var sheet = sheetOf(view.sheet);
    if (sameParams(view.params, rendered) && view.page === 1 && sheet.rendered) { draw(); return; }
    if (!live) { draw('This saved page shows the view it was saved with; open the served page to change it.'); return; }
    var query = ['format=json', 'sheet=' + encodeURIComponent(view.sheet), 'page=' + view.page];
    Object.keys(declared).forEach(function (name) {
      query.push('p.' + encodeURIComponent(name) + '=' + encodeURIComponent(view.params[name] || '[ALL]'));
    });
    var ticket = ++pending;
    status.setAttribute('data-state', 'loading');
    fetch(location.pathname + '?' + query.join('&')).then(function (answer) {
      return answer.json().then(function (body) {
        if (!answer.ok) throw new Error(body.error || ('HTTP ' + answer.status));
        return body;
      });
    }).then(function (body) {
      if (ticket !== pending) return;  // a later change is on its way
      dashboard.sheets = dashboard.sheets.map(function (s) { var n = body.sheets.find(function (x) { return x.id === s.id; }); return n && n.rendered ? n : Object.assign({}, s, {rendered: false}); });
      dashboard.parameters = body.parameters;
      rendered = viewOf(body.parameters);
      draw();
    }).catch(function (err) { if (ticket === pending) { draw('Could not query localaws: ' + err.message); } });
  }
  function sheetOf(id) { return dashboard.sheets.find(function (s) { return s.id === id; }) || dashboard.sheets[0]; }
  function setParams(changes, sheet) {
    var params = Object.assign({}, state.params);
    Object.keys(changes).forEach(function (k) { if (changes[k] === null || changes[k] === '') delete params[k]; else params[k] = String(changes[k]); });
    go({sheet: sheet || state.sheet, params: params, page: 1}, true);
  }

  // -- drawing ------------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function drawTabs() {
    var nav = document.getElementById('sheets');
    nav.textContent = '';
    dashboard.sheets.forEach(function (s) {
      var tab = el('button', {type: 'button', role: 'tab', id: 'tab-' + s.id, 'aria-controls': 'sheet', 'aria-selected': String(s.id === state.sheet)}, s.name);
      tab.addEventListener('click', function () { go({sheet: s.id, params: state.params, page: 1}, true); });
      nav.appendChild(tab);
    });
  }
  function toInput(value) { return value ? String(value).slice(0, 16) : ''; }
  function hourIso(date) { return date.toISOString().slice(0, 13) + ':00'; }
  function drawControls(sheet, note) {
    var form = document.getElementById('controls');
    form.textContent = '';
    sheet.controls.forEach(function (c) {
      var id = 'control-' + c.id, label = el('label', {'for': id}, c.title), input;
      var value = state.params[c.parameter] || '';
      if (c.kind === 'dropdown') {
        input = el('select', {id: id, name: c.parameter});
        input.appendChild(el('option', {value: ''}, 'All'));
        (c.choices || []).forEach(function (choice) { var o = el('option', {value: choice}, choice); if (choice === value) o.selected = true; input.appendChild(o); });
      } else if (c.kind === 'datetime') {
        input = el('input', {id: id, name: c.parameter, type: 'datetime-local', step: '3600'});
        input.value = toInput(value);
      } else {
        input = el('input', {id: id, name: c.parameter, type: 'text', placeholder: 'All', autocomplete: 'off'});
        input.value = value;
      }
      input.disabled = !live;
      input.addEventListener('change', function () {
        var change = {}; change[c.parameter] = c.kind === 'datetime' && input.value ? input.value.slice(0, 13) + ':00' : input.value.trim();
        setParams(change);
      });
      label.appendChild(input);
      if (c.error) { label.appendChild(el('span', {'class': 'error'}, c.error)); fail('control ' + c.id + ': ' + c.error); }
      form.appendChild(label);
    });
    if (sheet.controls.some(function (c) { return c.kind === 'datetime'; })) {
      var quick = el('div', {'class': 'quick', role: 'group', 'aria-label': 'Quick time ranges'});
      [['Last 6 h', 6], ['Last 24 h', 24], ['Last 7 d', 168], ['All hours', 0]].forEach(function (q) {
        var b = el('button', {type: 'button'}, q[0]);
        b.disabled = !live;
        b.addEventListener('click', function () {
          var end = new Date(); end.setUTCMinutes(0, 0, 0); end = new Date(end.getTime() + 3600e3);
          setParams(q[1] ? {rangeStart: hourIso(new Date(end.getTime() - q[1] * 3600e3)), rangeEnd: hourIso(end)} : {rangeStart: null, rangeEnd: null});
        });
        quick.appendChild(b);
      });
      form.appendChild(quick);
    }
    if (sheet.controls.length) {
      var clear = el('button', {type: 'button'}, 'Clear filters');
      clear.disabled = !live;
      clear.addEventListener('click', function () { go({sheet: state.sheet, params: {}, page: 1}, true); });
      form.appendChild(clear);
    }
    if (note) form.appendChild(el('p', {'class': 'note', role: 'note'}, note));
  }

  function drawSheet(sheet) {
    var main = document.getElementById('sheet');
    Object.keys(charts).forEach(function (id) { charts[id].destroy(); delete charts[id]; });
    main.textContent = '';
    main.setAttribute('aria-labelledby', 'tab-' + sheet.id);
    main.appendChild(el('h2', {}, sheet.title));
    // Attached before drawing: a chart measures its container when it is made.
    var kpis = main.appendChild(el('div', {'class': 'kpis'})), grid = main.appendChild(el('div', {'class': 'grid'}));
    var total = 0, withData = 0;
    if (sheet.id === dashboard.sheets[0].id && dashboard.refreshed_at) {
      var refreshed = el('section', {'class': 'kpi', 'data-visual': 'last-refresh', 'aria-label': 'Last SPICE refresh'});
      refreshed.appendChild(el('h3', {}, 'Last refresh (UTC)'));
      refreshed.appendChild(el('div', {'class': 'kpi-value kpi-text', 'data-value': dashboard.refreshed_at}, dashboard.refreshed_at.slice(0, 16).replace('T', ' ')));
      kpis.appendChild(refreshed);
    }
    sheet.visuals.forEach(function (v) {
      total++;
      if (drawVisual(v, v.kind === 'kpi' ? kpis : grid)) withData++;
    });
    if (!kpis.childNodes.length) main.removeChild(kpis);
    return [total, withData];
  }

  function drawVisual(v, parent) {
    var card = el('section', {'class': v.kind === 'kpi' ? 'kpi' : 'card', 'data-visual': v.id, 'aria-labelledby': 'title-' + v.id});
    card.appendChild(el('h3', {id: 'title-' + v.id}, v.title));
    if (v.subtitle && v.kind !== 'kpi') card.appendChild(el('p', {'class': 'subtitle'}, v.subtitle));
    parent.appendChild(card);
    if (v.error) { card.appendChild(el('p', {'class': 'error'}, v.error)); fail('visual ' + v.id + ': ' + v.error); return false; }
    if (v.kind === 'kpi') {
      var text = typeof v.value === 'number' ? formatNumber(v.value, v.format) : (v.value || '–');
      card.appendChild(el('div', {'class': 'kpi-value' + (typeof v.value === 'number' ? '' : ' kpi-text'), 'data-value': v.value === null ? '' : String(v.value)}, text));
      card.setAttribute('data-has-data', String(v.value !== null));
      return true;
    }
    if (v.kind === 'table') { card.classList.add('wide'); return drawTable(v, card); }
    if (!v.labels.length) { card.appendChild(el('p', {'class': 'empty'}, 'No data for this view')); return true; }
    return drawChart(v, card);
  }

  function drawTable(v, card) {
    var wrap = el('div', {'class': 'tablewrap', tabindex: '0', role: 'region', 'aria-labelledby': 'title-' + v.id});
    var table = el('table', {'data-total': v.total});
    var head = el('tr');
    var numeric = v.columns.map(function (c, i) { return v.rows.length > 0 && v.rows.every(function (r) { return r[i] === null || typeof r[i] === 'number'; }); });
    v.columns.forEach(function (c, i) { head.appendChild(el('th', {scope: 'col', 'class': numeric[i] ? 'num' : ''}, c.label)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    v.rows.forEach(function (row) {
      var tr = el('tr');
      row.forEach(function (value, i) {
        var td = el('td', {'class': numeric[i] ? 'num' : ''}, cellText(value, v.columns[i].format));
        if (v.columns[i].label === 'Verdict') td.className = 'verdict-' + value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    wrap.appendChild(table);
    card.appendChild(wrap);
    var first = v.total ? (v.page - 1) * v.page_size + 1 : 0, last = (v.page - 1) * v.page_size + v.rows.length;
    var pager = el('div', {'class': 'pager'});
    pager.appendChild(el('span', {'aria-live': 'polite'}, 'Rows ' + grouped.format(first) + '–' + grouped.format(last) + ' of ' + grouped.format(v.total)));
    [['Previous', v.page - 1, v.page > 1], ['Next', v.page + 1, last < v.total]].forEach(function (b) {
      var button = el('button', {type: 'button'}, b[0]);
      button.disabled = !b[2] || !live;
      button.addEventListener('click', function () { go({sheet: state.sheet, params: state.params, page: b[1]}, true); });
      pager.appendChild(button);
    });
    card.appendChild(pager);
    card.setAttribute('data-has-data', String(v.rows.length > 0));
    return true;
  }

  function summary(v) {
    var s = v.series[0], best = -1;
    s.data.forEach(function (d, i) { if (d !== null && (best < 0 || d > s.data[best])) best = i; });
    var text = v.title + ': ' + v.labels.length + ' categories';
    if (best >= 0) text += '; highest ' + v.labels[best] + ' with ' + formatNumber(s.data[best], v.format);
    if (v.missing && v.missing.length) text += '; ' + v.missing.length + ' hours without data shown as gaps';
    return text;
  }

  function dataTable(v) {
    var details = el('details'), table = el('table');
    details.appendChild(el('summary', {}, 'Data table'));
    var head = el('tr');
    head.appendChild(el('th', {scope: 'col'}, v.axis && v.axis.category || 'Category'));
    v.series.forEach(function (s) { head.appendChild(el('th', {scope: 'col', 'class': 'num'}, s.name)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    v.labels.forEach(function (label, i) {
      var tr = el('tr');
      tr.appendChild(el('th', {scope: 'row'}, label));
      v.series.forEach(function (s) { tr.appendChild(el('td', {'class': 'num'}, formatNumber(s.data[i], v.format))); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    details.appendChild(table);
    return details;
  }

  // A horizontal bar chart's category axis is as wide as its widest label (up to 60% of the chart), so an
  // address is never cut at the canvas edge.
  function fitLabels(scale) {
    var ctx = scale.ctx, font = Chart.helpers.toFont(scale.options.ticks.font);
    ctx.save(); ctx.font = font.string;
    var widest = 0;
    scale.ticks.forEach(function (t) { widest = Math.max(widest, ctx.measureText(String(t.label)).width); });
    ctx.restore();
    var wanted = widest + (scale.options.ticks.padding || 3) + 10;
    scale.width = Math.min(Math.max(scale.width, wanted), scale.chart.width * 0.6);
  }

  function drawChart(v, card) {
    var holder = el('div', {'class': 'chart'}), canvas = el('canvas', {role: 'img', 'aria-label': summary(v)});
    var drill = (v.actions || []).filter(function (a) { return a.trigger === 'DATA_POINT_CLICK'; })[0];
    if (drill) canvas.setAttribute('data-drill', drill.id);
    holder.appendChild(canvas);
    card.appendChild(holder);
    card.appendChild(dataTable(v));
    var pie = v.kind === 'pie', horizontal = v.kind === 'bar' && v.orientation === 'HORIZONTAL';
    if (horizontal) holder.style.height = Math.max(160, v.labels.length * 22 + 80) + 'px';
    var datasets = v.series.map(function (s) {
      return {label: s.name, data: s.data, borderColor: pie ? '#fff' : s.color,
        backgroundColor: pie ? v.colors : s.color, borderWidth: v.kind === 'line' ? 2 : 1,
        pointRadius: v.kind === 'line' ? 3 : 0, tension: 0, fill: false, spanGaps: !!v.span_gaps, maxBarThickness: 24};
    });
    var valueTicks = {maxRotation: 0, callback: function (value) { return formatNumber(value, v.format, true); }};
    // Counts have no fractional ticks (QuickSight draws 0, 1, 2 findings, not 0.2, 0.4...).
    var whole = v.series.every(function (s) { return s.data.every(function (d) { return d == null || d % 1 === 0; }); });
    if (whole) valueTicks.precision = 0;
    var categoryTicks = {autoSkip: !horizontal, maxRotation: 60, font: {size: 12}};
    var valueAxis = {stacked: !!v.stacked, beginAtZero: true, ticks: valueTicks,
      title: {display: !!(v.axis && v.axis.value), text: v.axis && v.axis.value}};
    var categoryAxis = {stacked: !!v.stacked, ticks: categoryTicks,
      title: {display: !!(v.axis && v.axis.category), text: v.axis && v.axis.category}};
    if (horizontal) categoryAxis.afterFit = fitLabels;
    var options = {animation: false, responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? 'y' : 'x',
      interaction: {mode: pie ? 'nearest' : 'index', intersect: pie || horizontal},
      plugins: {legend: {display: pie || v.series.length > 1, position: pie ? 'right' : 'top'},
        tooltip: {callbacks: {label: function (item) { return (item.dataset.label ? item.dataset.label + ': ' : '') + formatNumber(item.raw, v.format); }}}},
      scales: pie ? {} : (horizontal ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis})};
    if (drill) options.onClick = function (event, elements) { if (elements.length) runAction(v, drill, elements[0]); };
    try {
      var chart = charts[v.id] = new Chart(canvas, {type: pie ? (v.donut ? 'doughnut' : 'pie') : v.kind, data: {labels: v.labels, datasets: datasets}, options: options});
      var drawn = chart.data.datasets.some(function (d, i) { return chart.getDatasetMeta(i).data.length > 0; });
      if (drawn) { card.setAttribute('data-has-data', 'true'); return true; }
      fail('visual ' + v.id + ': the chart drew no element');
    } catch (e) { fail('visual ' + v.id + ': ' + e); }
    return false;
  }

  function runAction(v, action, element) {
    var changes = {};
    action.set.forEach(function (s) {
      if ('value' in s) changes[s.parameter] = s.value;
      else if (s.field === v.category_field) changes[s.parameter] = v.keys[element.index];
      else if (s.field === v.color_field) changes[s.parameter] = v.series[element.datasetIndex].name;
    });
    setParams(changes, action.sheet || state.sheet);
  }

  function draw(note) {
    var sheet = sheetOf(state.sheet);
    drawTabs();
    drawControls(sheet, note);
    var counts = sheet.rendered ? drawSheet(sheet) : [0, 0];
    renders++;
    status.setAttribute('data-sheet', sheet.id);
    status.setAttribute('data-visuals', counts[0]);
    status.setAttribute('data-visuals-with-data', counts[1]);
    status.setAttribute('data-errors', errors.length);
    status.setAttribute('data-renders', renders);
    status.setAttribute('data-state', 'ready');
  }

  // -- what a person would see cut off ------------------------------------------------------------------
  function clippedLabels() {
    var found = [];
    Object.keys(charts).forEach(function (id) {
      var chart = charts[id], width = chart.width;
      Object.keys(chart.scales).forEach(function (key) {
        var scale = chart.scales[key];
        if (!scale.options.display || !scale.options.ticks.display || scale.type === 'radialLinear') return;
        var ctx = chart.ctx;
        scale.getLabelItems().forEach(function (item) {
          ctx.save(); ctx.font = item.font.string;
          var lines = [].concat(item.label), w = Math.max.apply(null, lines.map(function (l) { return ctx.measureText(String(l)).width; }));
          ctx.restore();
          var x = item.options.translation[0], extent = w * Math.abs(Math.cos(item.options.rotation || 0));
          var align = item.options.textAlign, left = align === 'right' ? x - extent : align === 'center' ? x - extent / 2 : x;
          if (left < -0.5 || left + extent > width + 0.5) found.push({visual: id, axis: key, label: String(item.label), left: left, right: left + extent, width: width});
        });
      });
    });
    document.querySelectorAll('.kpi-value').forEach(function (node) {
      if (node.scrollWidth > node.clientWidth + 1) found.push({visual: node.parentNode.getAttribute('data-visual'), label: node.textContent});
    });
    return found;
  }

  window.vpcflowDashboard = {clippedLabels: clippedLabels, state: function () { return state; }, charts: charts,
    formatNumber: formatNumber};
  window.addEventListener('hashchange', function () { go(readHash(), false); });
  var first = readHash();
  if (!Object.keys(first.params).length) first.params = Object.assign({}, rendered);  // the defaults
  go(first, false);
})();
