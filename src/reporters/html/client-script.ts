/**
 * The report's only script (inlined; allowed by hash in the page's Content-Security-Policy).
 * It filters the server-rendered results by status, section, target, scored and free text, and keeps
 * the filter in the URL fragment (#status=fail&section=1.2&q=anonymous) so a filtered view can be shared.
 * Without JavaScript every result is still shown.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var form = document.getElementById('filters');
  if (!form) return;
  var results = Array.prototype.slice.call(document.querySelectorAll('details.result'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('[data-group]'));
  var statusBoxes = Array.prototype.slice.call(form.querySelectorAll('input[name="status"]'));
  var q = document.getElementById('q');
  var section = document.getElementById('section');
  var target = document.getElementById('target');
  var scored = document.getElementById('scored');
  var shown = document.getElementById('shown');
  var none = document.getElementById('none');
  var tiles = Array.prototype.slice.call(document.querySelectorAll('.tile[data-status]'));

  function selectedStatuses() {
    return statusBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  }

  // What the free-text search looks in: a result's text (title, reason, remediation, evidence) with its
  // target and status, read from the page once rather than carried twice in it.
  var texts = new WeakMap();
  function searchText(el) {
    var t = texts.get(el);
    if (t === undefined) {
      t = (el.dataset.target + ' ' + el.dataset.status + ' ' + el.textContent).toLowerCase();
      texts.set(el, t);
    }
    return t;
  }

  function apply(updateHash) {
    var statuses = selectedStatuses();
    var terms = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var visible = 0;
    results.forEach(function (el) {
      var d = el.dataset;
      var ok = statuses.indexOf(d.status) >= 0 &&
        (!section.value || d.section === section.value) &&
        (!target.value || d.target === target.value) &&
        (!scored.checked || d.scored === 'true') &&
        terms.every(function (t) { return searchText(el).indexOf(t) >= 0; });
      el.hidden = !ok;
      if (ok) visible++;
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector('details.result:not([hidden])'); });
    shown.textContent = 'Showing ' + visible + ' of ' + results.length;
    none.hidden = visible > 0;
    tiles.forEach(function (t) {
      t.setAttribute('aria-pressed', String(statuses.length === 1 && statuses[0] === t.dataset.status));
    });
    if (updateHash) writeHash(statuses);
  }

  function writeHash(statuses) {
    var p = new URLSearchParams();
    if (statuses.length !== statusBoxes.length) p.set('status', statuses.join(','));
    if (section.value) p.set('section', section.value);
    if (target.value) p.set('target', target.value);
    if (scored.checked) p.set('scored', '1');
    if (q.value) p.set('q', q.value);
    var s = p.toString();
    history.replaceState(null, '', s ? '#' + s : location.pathname + location.search);
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ''));
    var st = p.get('status');
    var wanted = st === null ? null : st.split(',');
    statusBoxes.forEach(function (b) { b.checked = wanted === null || wanted.indexOf(b.value) >= 0; });
    var sec = p.get('section') || '';
    section.value = hasOption(section, sec) ? sec : '';
    var tg = p.get('target') || '';
    target.value = hasOption(target, tg) ? tg : '';
    scored.checked = p.get('scored') === '1';
    q.value = p.get('q') || '';
  }

  form.addEventListener('input', function () { apply(true); });
  form.addEventListener('change', function () { apply(true); });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  form.addEventListener('reset', function () { setTimeout(function () { apply(true); }, 0); });

  tiles.forEach(function (t) {
    t.addEventListener('click', function () {
      var only = t.getAttribute('aria-pressed') === 'true';
      statusBoxes.forEach(function (b) { b.checked = only || b.value === t.dataset.status; });
      apply(true);
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll('.chart .row'), function (row) {
    function pick() {
      var s = row.getAttribute('data-section') || '';
      section.value = section.value === s ? '' : s;
      apply(true);
      document.getElementById('results').scrollIntoView({ block: 'start' });
    }
    row.addEventListener('click', pick);
    row.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); }
    });
  });

  window.addEventListener('hashchange', function () { readHash(); apply(false); });
  document.documentElement.classList.add('js');
  readHash();
  apply(false);
})();
`;
