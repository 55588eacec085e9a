(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("camaudit-data").textContent);
  /* Rows, rules and facts are packed arrays; positions are looked up by the names Python wrote (rowFields ...). */
  function positions(names) { var m = {}; names.forEach(function (n, k) { m[n] = k; }); return m; }
  var F = positions(D.rowFields), RF = positions(D.ruleFields), FF = positions(D.factFields);
  var W = D.rowFields.length, R = D.rows, N = R.length / W, T = D.text, RULES = D.rules, DEVS = D.devices;
  var RESULT_ORDER = { fail: 0, error: 1, unknown: 2, manual: 3, waived: 4, pass: 5, not_applicable: 6 };
  var CHANGE_ORDER = { "new": 0, changed: 1, resolved: 2, persisting: 3, "": 4 };
  var resultRank = D.results.map(function (r) { return RESULT_ORDER[r]; });
  var changeRank = D.changes.map(function (c) { return CHANGE_ORDER[c]; });

  /* Build elements with textContent only: every string may come from a camera. */
  var UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text).replace(UNSAFE, "\ufffd");
    return e;
  }
  function badge(prefix, value, label) {
    return el("span", "badge " + prefix + value, label === undefined ? String(value).replace("_", " ") : label);
  }
  function txt(i) { return i < 0 ? "" : T[i]; }

  /* Per-device aggregates, computed once. */
  var devRows = DEVS.map(function () { return []; });
  var devCounts = DEVS.map(function () { return new Int32Array(D.results.length); });
  for (var i = 0; i < N; i++) {
    var o = i * W;
    devRows[R[o + F.device]].push(i);
    devCounts[R[o + F.device]][R[o + F.result]]++;
  }
  var RI = {};
  D.results.forEach(function (r, k) { RI[r] = k; });
  function outcome(d) {
    var c = devCounts[d], read = DEVS[d].read;
    if (c[RI.fail]) return "failing";
    if (c[RI.unknown] || c[RI.error] || c[RI.manual]) return "incomplete";
    if (read && read.status !== "read_fully" && read.status !== "read_partly") return "incomplete";  // not read: never compliant
    return "compliant";
  }

  /* ---------------- findings table ---------------- */
  var form = document.getElementById("filters");
  var tbody = document.querySelector("#findings-table tbody");
  var status = document.getElementById("table-status");
  var pageInfo = document.getElementById("page-info");
  var hasChange = !!form.elements.change;
  /* Unknowns that only wait for a declaration: folded away unless "waiting for a declaration" is ticked. */
  var waitsDecl = new Uint8Array(N);
  (D.needsDecl || []).forEach(function (i) { waitsDecl[i] = 1; });
  var nWaiting = (D.needsDecl || []).length;
  var state = { sort: "result", dir: 1, page: 0, size: 50 };
  var view = new Int32Array(N), nView = 0;
  var hay = null;

  function buildHaystack() {
    hay = new Array(N);
    for (var i = 0; i < N; i++) {
      var o = i * W, rule = RULES[R[o + F.rule]], dev = DEVS[R[o + F.device]];
      hay[i] = (rule[RF.id] + "\u0001" + rule[RF.title] + "\u0001" + dev.name + "\u0001" + dev.address + "\u0001" +
                dev.model + "\u0001" + txt(R[o + F.message]) + "\u0001" + rule[RF.law]).toLowerCase();
    }
  }

  var camSelect = form.elements.camera;
  DEVS.forEach(function (dev, k) {
    var opt = el("option", null, dev.name + (dev.address ? " (" + dev.address + ")" : ""));
    opt.value = String(k);
    camSelect.appendChild(opt);
  });

  function applyFilters() {
    var f = form.elements;
    var res = f.result.value, sev = f.severity.value, prof = f.profile.value, cam = f.camera.value;
    var rule = f.rule.value.trim().toLowerCase(), q = f.q.value.trim().toLowerCase();
    var chg = hasChange ? f.change.value : "";
    var showDecl = !f.decl || f.decl.checked;
    var resIdx = res ? D.results.indexOf(res) : -1, sevIdx = sev ? D.severities.indexOf(sev) : -1;
    var camIdx = cam ? parseInt(cam, 10) : -1, chgIdx = chg && chg !== "!" ? D.changes.indexOf(chg) : -1;
    if (q && !hay) buildHaystack();
    var ruleOk = RULES.map(function (r) {
      return (sevIdx < 0 || r[RF.severity] === sevIdx) && (!prof || r[RF.profile] === prof) &&
             (!rule || r[RF.id].toLowerCase().indexOf(rule) >= 0);
    });
    var n = 0, ord = sortedOrder();
    for (var k = 0; k < N; k++) {
      var i = ord[k], o = i * W;
      if (!ruleOk[R[o + F.rule]]) continue;
      if (resIdx >= 0 && R[o + F.result] !== resIdx) continue;
      if (camIdx >= 0 && R[o + F.device] !== camIdx) continue;
      if (chgIdx >= 0 && R[o + F.change] !== chgIdx) continue;
      if (chg === "!" && changeRank[R[o + F.change]] > 2) continue;
      if (!showDecl && waitsDecl[i]) continue;
      if (q && hay[i].indexOf(q) < 0) continue;
      view[n++] = i;
    }
    nView = n;  /* already in sort order: filtering walks the sorted order, so no sort per keystroke */
    state.page = 0;
    render();
  }

  function rankBy(items, str) {
    /* Rank of each item when sorted by str(item), natural order ("cam-2" before "cam-10"). */
    var coll = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
    var idx = items.map(function (_, k) { return k; });
    idx.sort(function (a, b) { return coll.compare(str(items[a]), str(items[b])); });
    var rank = new Int32Array(items.length);
    idx.forEach(function (k, r) { rank[k] = r; });
    return rank;
  }
  function sortKey(name) {
    var key = new Float64Array(N), rank = null;
    if (name === "camera") rank = rankBy(DEVS, function (d) { return d.name; });
    if (name === "rule") rank = rankBy(RULES, function (r) { return r[RF.id]; });
    if (name === "profile") rank = rankBy(RULES, function (r) { return r[RF.profile] + "\u0000" + r[RF.id]; });
    for (var i = 0; i < N; i++) {
      var o = i * W, rule = RULES[R[o + F.rule]], res = resultRank[R[o + F.result]];
      switch (name) {
        case "result": key[i] = res * 10 + (4 - rule[RF.severity]); break;
        case "severity": key[i] = (4 - rule[RF.severity]) * 10 + res; break;
        case "change": key[i] = changeRank[R[o + F.change]] * 10 + res; break;
        case "camera": key[i] = rank[R[o + F.device]] * 100 + res * 10 + (4 - rule[RF.severity]); break;
        default: key[i] = rank[R[o + F.rule]] * 10 + res;  /* rule, profile */
      }
    }
    return key;
  }
  var keyCache = {}, order = null;
  function sortedOrder() {
    /* Every row in the current sort order; rebuilt only when the sort changes. */
    if (order) return order;
    var dir = state.dir;
    var key = keyCache[state.sort] || (keyCache[state.sort] = sortKey(state.sort));
    order = new Int32Array(N);
    for (var i = 0; i < N; i++) order[i] = i;
    order.sort(function (a, b) { return (key[a] - key[b]) * dir || a - b; });
    return order;
  }

  /* Severity says how serious a failure is: shown only where something failed. */
  function severityCell(rule, res) {
    var td = el("td");
    if (res === "fail") td.appendChild(badge("s-", D.severities[rule[RF.severity]]));
    return td;
  }
  /* The law a rule rests on and, where something is left to do, what to do. */
  var TO_DO = { fail: 1, unknown: 1, error: 1, manual: 1 };
  function lawCell(rule, res) {
    var td = el("td", "law", rule[RF.law]);
    if (rule[RF.law_title]) td.appendChild(el("div", "cmeta", rule[RF.law_title]));
    if (TO_DO[res] && rule[RF.remediation]) td.appendChild(el("div", "remedy", rule[RF.remediation]));
    return td;
  }

  function findingCell(rule, o) {
    var td = el("td", "msg");
    td.appendChild(el("b", null, rule[RF.title]));
    td.appendChild(el("span", null, txt(R[o + F.message])));
    return td;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(nView / state.size));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * state.size, end = Math.min(nView, start + state.size);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var i = view[k], o = i * W, rule = RULES[R[o + F.rule]], dev = DEVS[R[o + F.device]];
      var res = D.results[R[o + F.result]];
      var tr = el("tr", "res-" + res);
      var td = el("td"); td.appendChild(badge("r-", res)); tr.appendChild(td);
      tr.appendChild(severityCell(rule, res));
      tr.appendChild(el("td", null, rule[RF.profile]));
      td = el("td");
      var a = el("a", "camlink", dev.name);
      a.href = "#cam-" + R[o + F.device];
      a.setAttribute("data-cam", String(R[o + F.device]));
      td.appendChild(a);
      if (dev.address) td.appendChild(el("div", "cmeta", dev.address));
      tr.appendChild(td);
      td = el("td", "rule mono", rule[RF.id]);
      td.title = rule[RF.law] + (rule[RF.law_title] ? " – " + rule[RF.law_title] : "");
      tr.appendChild(td);
      tr.appendChild(findingCell(rule, o));
      tr.appendChild(lawCell(rule, res));
      if (hasChange) {
        td = el("td");
        var c = D.changes[R[o + F.change]];
        if (c) td.appendChild(badge("c-", c));
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    tbody.textContent = "";
    tbody.appendChild(frag);
    status.textContent = (nView === N ? N.toLocaleString() + " findings"
      : nView.toLocaleString() + " of " + N.toLocaleString() + " findings match") +
      (nWaiting && form.elements.decl && !form.elements.decl.checked
        ? " (" + nWaiting.toLocaleString() + " unknown for want of a declaration folded away)" : "");
    pageInfo.textContent = nView ? "rows " + (start + 1).toLocaleString() + "–" + end.toLocaleString() +
      " · page " + (state.page + 1) + " of " + pages : "no rows";
    document.querySelectorAll("#findings-table th button").forEach(function (b) {
      var on = b.getAttribute("data-sort") === state.sort;
      b.className = on ? (state.dir > 0 ? "asc" : "desc") : "";
      b.parentNode.setAttribute("aria-sort", on ? (state.dir > 0 ? "ascending" : "descending") : "none");
    });
  }

  var timer = null;
  form.addEventListener("input", function (ev) {
    clearTimeout(timer);
    if (ev.target.type === "search") timer = setTimeout(applyFilters, 120);
    else applyFilters();
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); applyFilters(); });
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });
  document.querySelector("#findings-table thead").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-sort]");
    if (!b) return;
    var s = b.getAttribute("data-sort");
    state.dir = state.sort === s ? -state.dir : 1;
    state.sort = s;
    order = null;
    applyFilters();
  });
  document.getElementById("pager").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-page]");
    if (!b) return;
    var pages = Math.max(1, Math.ceil(nView / state.size)), p = b.getAttribute("data-page");
    state.page = p === "first" ? 0 : p === "last" ? pages - 1 : p === "next" ? Math.min(pages - 1, state.page + 1)
      : Math.max(0, state.page - 1);
    render();
  });
  document.getElementById("page-size").addEventListener("change", function (ev) {
    state.size = parseInt(ev.target.value, 10) || 100;
    state.page = 0;
    render();
  });
  var showChanges = document.getElementById("show-changes");
  if (showChanges) showChanges.addEventListener("click", function () {
    form.elements.change.value = "!";
    applyFilters();
    document.getElementById("findings").scrollIntoView();
  });

  /* ---------------- camera sections ---------------- */
  var list = document.getElementById("camera-list");
  var camStatus = document.getElementById("camera-status");
  var sections = [];

  function identity(dev, d) {
    var dl = el("dl", "ident");
    function row(k, v) { if (v === undefined || v === null || v === "") return; dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); }
    row("Device id", dev.id);
    row("Address", dev.address ? dev.address + (dev.port ? ":" + dev.port : "") : "");
    row("MAC", dev.mac);
    row("Manufacturer", dev.manufacturer);
    row("Model", dev.model);
    row("Firmware", dev.firmware);
    row("Serial", dev.serial);
    row("Declared", dev.declared ? ("class " + (dev.cls || "?") + (dev.area ? ", " + dev.area.replace(/_/g, " ") : "")) : (dev.site ? "site-level rules" : "not in the inventory"));
    row("Seen by", dev.signals.join(", "));
    if (dev.read) row("Read", dev.read.label + (dev.read.detail ? " — " + dev.read.detail : ""));
    row("State", outcome(d));
    return dl;
  }

  function factsTable(dev) {
    var table = el("table", "grid compact");
    var head = el("tr");
    ["fact", "status", "value", "source", "evidence"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var tb = el("tbody");
    dev.facts.forEach(function (f) {
      var tr = el("tr");
      tr.appendChild(el("td", "mono", f[FF.key]));
      var td = el("td"); td.appendChild(badge("f-", D.factStatuses[f[FF.status]])); tr.appendChild(td);
      tr.appendChild(f[FF.value] >= 0 ? el("td", "val mono", T[f[FF.value]]) : el("td", "val reason", f[FF.reason] || "–"));
      tr.appendChild(el("td", "mono", f[FF.source]));
      td = el("td");
      if (f[FF.excerpt] >= 0) {
        var det = el("details");
        det.appendChild(el("summary", null, (txt(f[FF.operation]) || "reply") + (f[FF.sha256] ? " · sha256 " + f[FF.sha256] + "…" : "")));
        det.appendChild(el("pre", "excerpt", T[f[FF.excerpt]]));
        td.appendChild(det);
      } else if (f[FF.sha256]) {
        td.textContent = "sha256 " + f[FF.sha256] + "…";
      }
      tr.appendChild(td);
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    return table;
  }

  /* The camera's raw replies behind a finding's evidence, one click away. */
  function rawReplies(td, dev, keysIdx) {
    if (keysIdx < 0) return;
    txt(keysIdx).split("\n").forEach(function (key) {
      var f = factByKey(dev)[key];
      if (!f || f[FF.excerpt] < 0) return;
      var det = el("details", "raw");
      det.appendChild(el("summary", null, "raw reply: " + (txt(f[FF.operation]) || key) + (f[FF.sha256] ? " · sha256 " + f[FF.sha256] + "…" : "")));
      det.appendChild(el("pre", "excerpt", T[f[FF.excerpt]]));
      td.appendChild(det);
    });
  }
  function factByKey(dev) {
    if (!dev._facts) { dev._facts = {}; dev.facts.forEach(function (f) { dev._facts[f[FF.key]] = f; }); }
    return dev._facts;
  }

  function findingsTable(d) {
    var dev = DEVS[d];
    var rows = devRows[d].slice().sort(function (a, b) {
      var ra = RULES[R[a * W + F.rule]], rb = RULES[R[b * W + F.rule]];
      return (resultRank[R[a * W + F.result]] - resultRank[R[b * W + F.result]]) ||
             (rb[RF.severity] - ra[RF.severity]) || (a - b);
    });
    var table = el("table", "grid compact");
    var head = el("tr");
    ["result", "severity", "rule", "finding and evidence", "law · what to do"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var tb = el("tbody");
    rows.forEach(function (i) {
      var o = i * W, rule = RULES[R[o + F.rule]], res = D.results[R[o + F.result]], tr = el("tr", "res-" + res);
      var td = el("td"); td.appendChild(badge("r-", res));
      var c = D.changes[R[o + F.change]];
      if (c && c !== "persisting") { td.appendChild(document.createTextNode(" ")); td.appendChild(badge("c-", c)); }
      tr.appendChild(td);
      tr.appendChild(severityCell(rule, res));
      td = el("td", "rule mono", rule[RF.id]); td.appendChild(el("div", "cmeta", rule[RF.profile])); tr.appendChild(td);
      td = findingCell(rule, o);
      if (R[o + F.evidence] >= 0) td.appendChild(el("div", "cmeta", "Evidence: " + T[R[o + F.evidence]]));
      rawReplies(td, dev, R[o + F.evidence_keys]);
      if (R[o + F.waiver] >= 0) td.appendChild(el("div", "cmeta", T[R[o + F.waiver]]));
      tr.appendChild(td);
      tr.appendChild(lawCell(rule, res));
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    return table;
  }

  function fillBody(s) {
    if (s.filled) return;
    s.filled = true;
    var dev = DEVS[s.d], body = s.body;
    body.appendChild(identity(dev, s.d));
    if (dev.errors.length) {
      var ul = el("ul", "errors");
      dev.errors.forEach(function (e) { ul.appendChild(el("li", null, e)); });
      body.appendChild(el("h3", null, "Errors"));
      body.appendChild(ul);
    }
    body.appendChild(el("h3", null, "Findings (" + devRows[s.d].length + ")"));
    body.appendChild(devRows[s.d].length ? findingsTable(s.d) : el("p", "note", "No findings."));
    if (dev.facts.length) {
      var block = el("div", "facts-block");  /* left out of the printed view */
      block.appendChild(el("h3", null, "Facts (" + dev.facts.length + ")"));
      block.appendChild(factsTable(dev));
      body.appendChild(block);
    }
  }

  DEVS.forEach(function (dev, d) {
    var det = el("details", "camera " + outcome(d));
    det.id = "cam-" + d;
    var sum = el("summary");
    sum.appendChild(el("span", "cname", dev.name));
    var meta = [dev.address, [dev.manufacturer, dev.model].filter(Boolean).join(" ")].filter(Boolean).join(" · ");
    if (meta) sum.appendChild(el("span", "cmeta", meta));
    if (dev.read && dev.read.status !== "read_fully") sum.appendChild(el("span", "badge read-gap", dev.read.label));
    var counts = devCounts[d];
    ["fail", "error", "unknown", "manual", "waived", "pass"].forEach(function (r) {
      var n = counts[RI[r]];
      if (n) sum.appendChild(badge("r-", r, r.replace("_", " ") + " " + n));
    });
    det.appendChild(sum);
    var body = el("div", "body");
    det.appendChild(body);
    var s = { d: d, det: det, body: body, filled: false,
              hay: (dev.name + " " + dev.address + " " + dev.manufacturer + " " + dev.model + " " + dev.id + " " + outcome(d)).toLowerCase() };
    det.addEventListener("toggle", function () { if (det.open) fillBody(s); });
    sections.push(s);
    list.appendChild(det);
  });
  var nFound = DEVS.filter(function (d) { return !d.site && !d.absent; }).length;
  var nAbsent = DEVS.filter(function (d) { return d.absent; }).length;
  var hasSite = DEVS.some(function (d) { return d.site; });
  camStatus.textContent = nFound + " camera" + (nFound === 1 ? "" : "s") + " found" +
    (nAbsent ? ", " + nAbsent + " declared camera" + (nAbsent === 1 ? "" : "s") + " not found" : "") +
    (hasSite ? ", and the site-wide rules" : "");

  document.getElementById("camera-search").addEventListener("input", function (ev) {
    var q = ev.target.value.trim().toLowerCase(), shown = 0;
    sections.forEach(function (s) {
      var ok = !q || s.hay.indexOf(q) >= 0;
      s.det.classList.toggle("hidden", !ok);
      if (ok) shown++;
    });
    camStatus.textContent = shown + " of " + sections.length + " shown";
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    var n = 0;
    sections.forEach(function (s) { if (!s.det.classList.contains("hidden") && n < 200) { fillBody(s); s.det.open = true; n++; } });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    sections.forEach(function (s) { s.det.open = false; });
  });
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-cam]");
    if (!a) return;
    var s = sections[parseInt(a.getAttribute("data-cam"), 10)];
    if (s) { fillBody(s); s.det.open = true; s.det.classList.remove("hidden"); }
  });
  function openFromHash() {
    var m = /^#cam-(\d+)$/.exec(location.hash);
    if (m && sections[+m[1]]) { var s = sections[+m[1]]; fillBody(s); s.det.open = true; }
  }
  window.addEventListener("hashchange", openFromHash);

  /* Print: small reports print every camera in full; large ones print what is open. */
  var sizeBeforePrint = null;
  window.addEventListener("beforeprint", function () {
    if (sections.length <= 300) sections.forEach(function (s) { fillBody(s); s.det.open = true; });
    if (nView <= 2000 && state.size < nView) {  /* print every filtered row, not just this page */
      sizeBeforePrint = state.size;
      state.size = Math.max(nView, 1);
      state.page = 0;
      render();
    }
  });
  window.addEventListener("afterprint", function () {
    if (sizeBeforePrint !== null) { state.size = sizeBeforePrint; sizeBeforePrint = null; render(); }
  });

  applyFilters();
  openFromHash();
  var ready = performance.now();
  window.camauditReport = {
    applyFilters: applyFilters, state: state,
    timings: { scriptStart: t0, ready: ready, initMs: ready - t0 },
    count: function () { return nView; },
    /* Set filter fields (name -> value) and apply them synchronously; returns elapsed milliseconds. */
    filter: function (values) {
      var s = performance.now();
      Object.keys(values).forEach(function (k) { form.elements[k].value = values[k]; });
      applyFilters();
      return performance.now() - s;
    }
  };
  document.documentElement.setAttribute("data-ready", "1");
  /* Build the search index while the reader looks at the page, so the first search is as fast as the next. */
  (window.requestIdleCallback || function (f) { return setTimeout(f, 200); })(function () { if (!hay) buildHaystack(); });
})();
