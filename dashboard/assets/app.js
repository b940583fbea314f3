// bulwark dashboard: polls the status JSON every 2 s and redraws.
// Every value from the JSON is written with textContent or as an SVG
// attribute, never parsed as HTML: model names, user ids and details come
// from requests.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var TIMEOUT_MS = 5000;
  // The SVG namespace, read from the page's own <svg> rather than spelt out.
  var SVG_NS = document.getElementById("chart").namespaceURI;
  var meta = document.querySelector('meta[name="bulwark-status-path"]');
  var statusPath = (meta && meta.getAttribute("content")) || "/v1/status";
  var last = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }

  function fmtRate(v) {
    v = num(v);
    if (v === 0) return "0";
    if (v < 0.1) return v.toFixed(3);
    if (v < 10) return v.toFixed(2);
    return v.toFixed(1);
  }

  function fmtPct(r) {
    r = num(r) * 100;
    if (r === 0) return "0%";
    if (r < 0.1) return "<0.1%";
    return (r < 10 ? r.toFixed(1) : r.toFixed(0)) + "%";
  }

  function fmtUSD(v) {
    if (v === null || v === undefined) return null;
    v = num(v);
    if (v === 0) return "$0.00";
    if (v < 0.01) return "$" + v.toFixed(4);
    if (v < 100) return "$" + v.toFixed(2);
    return "$" + Math.round(v).toLocaleString("en-US");
  }

  function fmtInt(v) {
    v = num(v);
    if (v >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (v >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (v >= 1e4) return (v / 1e3).toFixed(1) + "k";
    return Math.round(v).toLocaleString("en-US");
  }

  function fmtDur(ms) {
    ms = num(ms);
    var s = Math.ceil(ms / 1000);
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + "m " + (s % 60) + "s";
    return Math.floor(m / 60) + "h " + (m % 60) + "m";
  }

  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || "");
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  // normState maps "half-open", "HalfOpen", 1 ... to closed | half_open | open.
  function normState(s) {
    if (s === 0) return "closed";
    if (s === 1) return "half_open";
    if (s === 2) return "open";
    s = String(s || "").toLowerCase().replace(/[- ]/g, "_");
    if (s === "halfopen") s = "half_open";
    return s === "closed" || s === "open" || s === "half_open" ? s : "unknown";
  }

  var stateLabel = { closed: "closed", half_open: "half-open", open: "open", unknown: "unknown" };

  // ---- connection -------------------------------------------------------

  function setConn(state, text) {
    var c = $("conn");
    c.setAttribute("data-state", state);
    $("conn-text").textContent = text;
  }

  // ---- rates ------------------------------------------------------------

  function setCard(id, value, hint, level) {
    var card = $(id);
    card.querySelector(".value").textContent = value;
    card.querySelector(".hint").textContent = hint;
    card.classList.toggle("warn", level === "warn");
    card.classList.toggle("bad", level === "bad");
  }

  function level(ratio, warnAt, badAt) {
    ratio = num(ratio);
    if (ratio > badAt) return "bad";
    if (ratio > warnAt) return "warn";
    return "";
  }

  function renderRates(rates) {
    var r1 = (rates && rates["1m"]) || {};
    var r5 = (rates && rates["5m"]) || {};
    setCard("rate-requests", fmtRate(r1.requests_per_s), "5 min: " + fmtRate(r5.requests_per_s) + " /s · " + fmtInt(r5.requests) + " req");
    setCard("rate-fallbacks", fmtPct(r1.fallback_ratio), "5 min: " + fmtPct(r5.fallback_ratio) + " · " + fmtRate(r1.fallbacks_per_s) + " /s",
      level(r1.fallback_ratio, 0.03, 0.25));
    setCard("rate-errors", fmtPct(r1.error_ratio), "5 min: " + fmtPct(r5.error_ratio) + " · " + fmtRate(r1.errors_per_s) + " /s",
      level(r1.error_ratio, 0, 0.01));
    setCard("rate-static", fmtPct(r1.static_ratio), "5 min: " + fmtPct(r5.static_ratio) + " · " + fmtRate(r1.static_per_s) + " /s",
      level(r1.static_ratio, 0, 0.01));
  }

  // ---- breakers ---------------------------------------------------------

  function renderBreakers(list) {
    var box = $("breakers");
    clear(box);
    if (!list || !list.length) {
      box.appendChild(el("p", "empty", "No model seen yet."));
      return;
    }
    list.forEach(function (b) {
      var state = normState(b.state);
      var card = el("div", "breaker");
      card.setAttribute("data-model", String(b.model || ""));
      card.setAttribute("data-state", state);
      card.appendChild(el("div", "model", b.model || "?"));
      var row = el("div", "row");
      row.appendChild(el("span", "badge state-" + state, stateLabel[state]));
      if (num(b.cooldown_left_ms) > 0) {
        var cd = el("span", "badge cooldown", "cooldown " + fmtDur(b.cooldown_left_ms));
        cd.setAttribute("data-cooldown-ms", String(num(b.cooldown_left_ms)));
        row.appendChild(cd);
      }
      card.appendChild(row);
      var info = el("div", "row");
      if (state === "open" && num(b.open_left_ms) > 0) {
        info.appendChild(el("span", "", "probes again in " + fmtDur(b.open_left_ms)));
      } else if (state === "half_open") {
        info.appendChild(el("span", "", "probing" + (b.probes ? " (" + b.probes + " out)" : "")));
      } else if (num(b.failures) > 0) {
        info.appendChild(el("span", "", b.failures + " recent failure" + (b.failures === 1 ? "" : "s")));
      } else {
        info.appendChild(el("span", "", state === "closed" ? "healthy" : ""));
      }
      card.appendChild(info);
      box.appendChild(card);
    });
  }

  // ---- chart ------------------------------------------------------------

  var SERIES = ["requests", "fallbacks", "errors", "static"];

  function niceMax(v) {
    if (v <= 1) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }

  function renderChart(series) {
    var chart = $("chart");
    // The last point is the current second, still filling: leave it out so
    // that the lines do not always dip at the right edge.
    series = (series || []).slice(0, -1);
    var W = Math.max(chart.clientWidth || 0, 300), H = 220;
    var padL = 40, padR = 8, padT = 8, padB = 22;
    chart.setAttribute("viewBox", "0 0 " + W + " " + H);
    clear(chart);
    var n = series.length;
    var maxY = 0;
    series.forEach(function (p) { maxY = Math.max(maxY, num(p.requests), num(p.fallbacks), num(p.errors), num(p.static)); });
    maxY = niceMax(maxY);
    var iw = W - padL - padR, ih = H - padT - padB;
    var x = function (i) { return padL + (n <= 1 ? iw : (i * iw) / (n - 1)); };
    var y = function (v) { return padT + ih - (num(v) / maxY) * ih; };

    for (var t = 0; t <= 4; t++) {
      var v = (maxY * t) / 4, yy = y(v);
      chart.appendChild(svg("line", { "class": "grid", x1: padL, x2: W - padR, y1: yy, y2: yy }));
      var label = svg("text", { "class": "axis", x: padL - 6, y: yy + 4, "text-anchor": "end" });
      label.textContent = v % 1 === 0 ? String(v) : v.toFixed(2);
      chart.appendChild(label);
    }
    if (n > 1) {
      // A label a minute, counted back from the current second ("now").
      var t0 = num(series[0].t), tLast = num(series[n - 1].t), tNow = tLast + 1;
      for (var k = 0; k <= 5; k++) {
        var tk = tNow - 60 * k;
        if (tk < t0) break;
        var xk = padL + Math.min(1, (tk - t0) / Math.max(tLast - t0, 1)) * iw;
        var anchor = k === 0 ? "end" : xk - padL < 20 ? "start" : "middle";
        var tl = svg("text", { "class": "axis", x: xk, y: H - 6, "text-anchor": anchor });
        tl.textContent = k === 0 ? "now" : "−" + k + "m";
        chart.appendChild(tl);
      }
    }
    if (!n) return;

    var area = "M" + x(0) + "," + y(0);
    series.forEach(function (p, i) { area += " L" + x(i).toFixed(1) + "," + y(p.requests).toFixed(1); });
    area += " L" + x(n - 1) + "," + y(0) + " Z";
    chart.appendChild(svg("path", { "class": "area-requests", d: area }));

    SERIES.forEach(function (key) {
      var d = "";
      series.forEach(function (p, i) { d += (i ? " L" : "M") + x(i).toFixed(1) + "," + y(p[key]).toFixed(1); });
      var path = svg("path", { "class": "line line-" + key, d: d });
      path.setAttribute("data-series", key);
      chart.appendChild(path);
    });
  }

  // ---- incidents --------------------------------------------------------

  function renderIncidents(list) {
    var body = $("incidents");
    clear(body);
    if (!list || !list.length) {
      var tr = el("tr", "empty");
      var td = el("td", "", "Nothing has happened. Good.");
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    list.forEach(function (inc) {
      var tr = el("tr", "incident");
      var kind = String(inc.kind || "event");
      tr.setAttribute("data-kind", kind);
      if (inc.model) tr.setAttribute("data-model", String(inc.model));
      tr.appendChild(el("td", "time", fmtTime(inc.at)));
      var kt = el("td");
      kt.appendChild(el("span", "kind kind-" + kind.replace(/[^a-z0-9_-]/gi, ""), kind.replace(/_/g, " ")));
      tr.appendChild(kt);
      tr.appendChild(el("td", "mono", inc.model || "—"));
      var dt = el("td", "", inc.detail || "");
      if (num(inc.count) > 1) dt.appendChild(el("span", "count", "×" + inc.count + " since " + fmtTime(inc.first)));
      tr.appendChild(dt);
      body.appendChild(tr);
    });
  }

  // ---- spend ------------------------------------------------------------

  function usdCell(v, unknownTokens) {
    var td = el("td", "num");
    var s = fmtUSD(v);
    if (s === null && !num(unknownTokens)) {
      td.textContent = "–"; // no price, but nothing spent either
    } else if (s === null) {
      td.appendChild(el("span", "unknown", "unknown"));
      td.title = fmtInt(unknownTokens) + " tokens with no price";
    } else {
      td.textContent = s;
      if (num(unknownTokens) > 0) td.appendChild(el("span", "count unknown", "+ " + fmtInt(unknownTokens) + " tok unpriced"));
    }
    return td;
  }

  function renderSpend(sp) {
    sp = sp || {};
    var hint = "discarded " + (fmtUSD(sp.discarded_usd) || "$0.00");
    if (num(sp.unknown_tokens) > 0) hint += " · + " + fmtInt(sp.unknown_tokens) + " unpriced tokens";
    setCard("spend-total", fmtUSD(sp.total_usd) || "$0.00", hint);

    var body = $("spend");
    clear(body);
    var models = sp.models || [];
    if (!models.length) {
      var tr0 = el("tr", "empty"), td0 = el("td", "", "No tokens spent yet.");
      td0.colSpan = 6;
      tr0.appendChild(td0);
      body.appendChild(tr0);
    }
    models.forEach(function (m) {
      var tr = el("tr", "spend-row");
      tr.setAttribute("data-model", String(m.model || ""));
      tr.appendChild(el("td", "mono", m.model));
      tr.appendChild(usdCell(m.usd, m.unknown_tokens));
      tr.appendChild(el("td", "num", fmtInt(m.input_tokens)));
      tr.appendChild(el("td", "num", fmtInt(m.output_tokens)));
      tr.appendChild(el("td", "num", fmtInt(m.cache_read_tokens) + " / " + fmtInt(m.cache_write_tokens)));
      var disc = m.discarded_usd === null || m.discarded_usd === undefined
        ? (num(m.discarded_tokens) ? fmtInt(m.discarded_tokens) + " tok" : "–")
        : fmtUSD(m.discarded_usd);
      tr.appendChild(el("td", "num", disc));
      body.appendChild(tr);
    });

    var ub = $("users");
    clear(ub);
    var users = sp.users || [];
    if (!users.length) {
      var tr1 = el("tr", "empty"), td1 = el("td", "", "No user seen yet.");
      td1.colSpan = 4;
      tr1.appendChild(td1);
      ub.appendChild(tr1);
    }
    users.forEach(function (u) {
      var tr = el("tr");
      tr.appendChild(el("td", "mono", u.user));
      tr.appendChild(el("td", "num", fmtUSD(u.usd)));
      tr.appendChild(el("td", "num", fmtInt(u.unknown_tokens)));
      tr.appendChild(el("td", "num", fmtInt(u.requests)));
      ub.appendChild(tr);
    });
  }

  // ---- store and warnings -----------------------------------------------

  function renderStore(store) {
    var chip = $("store");
    if (!store || typeof store !== "object") { chip.hidden = true; return; }
    var kind = store.kind || store.type || store.backend || "store";
    var ok = store.healthy !== undefined ? store.healthy : store.ok;
    var text = "store: " + kind;
    if (ok === true) text += " · ok";
    if (ok === false) text += " · down";
    if (store.detail || store.error) text += " (" + (store.detail || store.error) + ")";
    chip.textContent = text;
    chip.className = "chip" + (ok === true ? " ok" : ok === false ? " bad" : "");
    chip.setAttribute("data-healthy", String(ok));
    chip.hidden = false;
  }

  function renderWarnings(list) {
    var box = $("warnings");
    clear(box);
    if (!list || !list.length) { box.hidden = true; return; }
    list.forEach(function (w) {
      box.appendChild(el("div", "", typeof w === "string" ? w : (w && (w.message || w.detail)) || JSON.stringify(w)));
    });
    box.hidden = false;
  }

  // ---- loop -------------------------------------------------------------

  function render(s) {
    renderRates(s.rates);
    renderBreakers(s.breakers);
    renderChart(s.series);
    renderIncidents(s.incidents);
    renderSpend(s.spend);
    renderStore(s.store);
    renderWarnings(s.warnings);
  }

  function poll() {
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
    fetch(statusPath, { cache: "no-store", headers: { Accept: "application/json" }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (s) {
        last = s;
        render(s);
        setConn("live", "live · updated " + fmtTime(s.now || new Date().toISOString()));
      })
      .catch(function (err) {
        setConn("stale", "status unavailable (" + (err && err.name === "AbortError" ? "timeout" : (err && err.message) || err) + ")" +
          (last ? " · showing " + fmtTime(last.now) : ""));
      })
      .then(function () {
        if (timer) clearTimeout(timer);
        setTimeout(poll, POLL_MS);
      });
  }

  $("status-path").textContent = statusPath;
  window.addEventListener("resize", function () { if (last) renderChart(last.series); });
  poll();
})();
