/* Sanad dashboard: served at /dashboard/ by `sanad serve` (widget_dir/dashboard/). For admins.
 * Plain JavaScript, no framework, no build step, no CDN, no inline script (the page's CSP
 * allows 'self' only). Logs in over POST /api/login (the server sets the HttpOnly
 * sanad_session cookie), checks the role with GET /api/me, then reads GET /api/stats
 * (docs/api.md, docs/analytics.md) and draws its figures as SVG with the small functions
 * below (docs/dashboard.md says what each chart shows).
 *
 * What is drawn is a table: CHARTS (one row per chart: its kind, its series and how each
 * value is read from a period and formatted) and KPIS (the summary cards with the direction
 * that counts as better). The drawing functions take a chart's row and the API's answer;
 * the pure parts (delta, csvText, niceMax, slotX) are reachable as window.SanadDashboard so
 * the browser test can try them on hostile values.
 *
 * Direction: in Arabic the page is right to left and so is the time axis of every chart: the
 * oldest period is on the right and the value axis is on the right, the way an Arabic reader
 * reads the table beside it (its first column on the right) and the way spreadsheets mirror a
 * chart on a right-to-left sheet. Each chart says so in its description.
 *
 * Safety rule: nothing that comes from the server (gap questions, agents' names, error
 * messages) is ever parsed as HTML; every node is made with createElement(NS) + textContent. */
(function () {
    'use strict';

    var I = window.SanadDashboardI18n;
    var NS = 'http://www.w3.org/2000/svg';
    var LANG_KEY = 'sanad.dashboard.lang';

    /* ---------- small helpers ---------- */
    function $(id) { return document.getElementById(id); }
    function el(tag, cls, text) {
        var n = document.createElement(tag);
        if (cls) n.className = cls;
        if (text != null) n.textContent = String(text);
        return n;
    }
    function svg(tag, attrs, parent) {
        var n = document.createElementNS(NS, tag);
        Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
        if (parent) parent.appendChild(n);
        return n;
    }
    function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
    function store(k, v) {
        try { if (v === undefined) return localStorage.getItem(k); localStorage.setItem(k, v); } catch (e) { /* private mode */ }
        return null;
    }
    function isNum(v) { return typeof v === 'number' && isFinite(v); }
    /* a number at path a.b.c of o, or null */
    function at(o, path) {
        var v = o;
        path.split('.').forEach(function (k) { v = v != null && typeof v === 'object' ? v[k] : undefined; });
        return isNum(v) ? v : null;
    }
    function str(v) { return typeof v === 'string' ? v : ''; }

    /* ---------- language ---------- */
    function initialLang() {
        var saved = store(LANG_KEY);
        if (saved === 'ar' || saved === 'en') return saved;
        var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'ar'];
        for (var i = 0; i < prefs.length; i++) {
            var p = String(prefs[i]).toLowerCase().slice(0, 2);
            if (p === 'ar' || p === 'en') return p;
        }
        return 'ar';
    }
    var lang = initialLang(), T = I.texts[lang];
    function tx(path) {
        var v = T;
        path.split('.').forEach(function (k) { v = v == null ? v : v[k]; });
        return v == null ? '' : v;
    }
    function fmt(t, vars) { return I.fmt(lang, t, vars); }
    function rtl() { return I.dir[lang] === 'rtl'; }

    /* A value in the format of its column: count, rate (0..1), ms (a duration), avg (a mean). */
    function show(v, kind, unit) {
        if (!isNum(v)) return T.nothing;
        if (kind === 'rate') return I.pct(lang, v);
        if (kind === 'ms') return I.duration(lang, v, unit);
        if (kind === 'avg') return I.num(lang, v, 2);
        return I.num(lang, v);
    }

    /* ---------- dates in the chosen zone ---------- */
    var TZ = (function () {
        try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
    }());
    function parts(ms, hour) {
        var o = { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: TZ };
        if (hour) { o.hour = '2-digit'; o.minute = '2-digit'; o.hourCycle = 'h23'; }
        var p = {};
        new Intl.DateTimeFormat('en-CA', o).formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
        return p;
    }
    /* YYYY-MM-DD (and THH:MM when hour) of ms in TZ: the CSV's period columns */
    function isoLocal(ms, hour) {
        var p = parts(ms, hour);
        return p.year + '-' + p.month + '-' + p.day + (hour ? 'T' + p.hour + ':' + p.minute : '');
    }
    function today() { return isoLocal(Date.now(), false); }
    function addDays(ymd, n) {
        var d = new Date(ymd + 'T00:00:00Z');
        d.setUTCDate(d.getUTCDate() + n);
        return d.toISOString().slice(0, 10);
    }
    var YMD = /^\d{4}-\d{2}-\d{2}$/;
    function ymdLabel(ymd) {
        return I.date(lang, Date.parse(ymd + 'T12:00:00Z'), 'UTC', { dateStyle: 'medium' });
    }
    var PERIOD_FMT = {
        hour: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
        day: { month: 'short', day: 'numeric' },
        week: { month: 'short', day: 'numeric' },
        month: { month: 'long', year: 'numeric' }
    };
    function periodLabel(ms, group) { return I.date(lang, ms, TZ, PERIOD_FMT[group] || PERIOD_FMT.day); }

    /* ---------- the API ---------- */
    function api(method, path, body) {
        var opt = { method: method, credentials: 'same-origin', headers: {} };
        if (body !== undefined) {
            opt.headers['Content-Type'] = 'application/json';
            opt.body = JSON.stringify(body);
        }
        return fetch(path, opt).then(function (r) {
            return r.text().then(function (txt) {
                var j = null;
                try { j = txt ? JSON.parse(txt) : null; } catch (e) { j = null; }
                return { status: r.status, body: j, retry: r.headers.get('Retry-After') };
            });
        }, function () { return { status: 0, body: null, network: true }; });
    }
    /* the server's message: {"error":{"code","message"}} (docs/api.md) or {"error","message"} */
    function errMsg(r) {
        var b = r.body || {}, e = b.error;
        if (e && typeof e === 'object') return str(e.message) || str(e.code) || 'HTTP ' + r.status;
        return str(b.message) || str(e) || 'HTTP ' + r.status;
    }

    /* ---------- the tables of what is drawn ---------- */
    /* col(key, kind, path): a column of a period chart, read at path of each period */
    function col(key, kind, path) { return { key: key, kind: kind, get: function (p) { return at(p, path); } }; }
    var CHARTS = [
        { id: 'volume', kind: 'bar', fmt: 'count',
          series: [col('conversations', 'count', 'conversations'), col('contained', 'count', 'contained'),
                   col('handoffs', 'count', 'handoffs')] },
        { id: 'rates', kind: 'line', fmt: 'rate',
          series: [col('containment_rate', 'rate', 'containment_rate'), col('handoff_rate', 'rate', 'handoff_rate'),
                   col('helpful_rate', 'rate', 'helpful_rate'), col('repeat_rate', 'rate', 'repeat_contacts.rate')],
          extra: [col('repeat_visitor', 'count', 'repeat_contacts.by_visitor'), col('repeat_email', 'count', 'repeat_contacts.by_email')] },
        { id: 'times', kind: 'line', fmt: 'ms',
          series: [col('first_response', 'ms', 'first_response_ms.median'), col('resolution', 'ms', 'resolution_ms.median'),
                   col('queue_wait', 'ms', 'queue_wait_ms.median')],
          extra: [col('first_response_p90', 'ms', 'first_response_ms.p90'), col('first_response_n', 'count', 'first_response_ms.n'),
                  col('resolution_p90', 'ms', 'resolution_ms.p90'), col('resolution_n', 'count', 'resolution_ms.n'),
                  col('queue_wait_p90', 'ms', 'queue_wait_ms.p90'), col('queue_wait_n', 'count', 'queue_wait_ms.n'),
                  col('abandoned', 'count', 'queue_wait_ms.abandoned')] },
        { id: 'csat', kind: 'stack', fmt: 'count',
          series: [1, 2, 3, 4, 5].map(function (n) {
              var c = col('score' + n, 'count', 'csat.dist.' + n);
              c.label = function () { return fmt(T.score, { n: n }); };
              return c;
          }),
          extra: [col('csat_avg', 'avg', 'csat.avg'), col('csat_n', 'count', 'csat.n'), col('csat_response', 'rate', 'csat.response_rate')] },
        { id: 'busiest', kind: 'heat' },
        { id: 'gaps', kind: 'rows', from: 'top_gaps',
          columns: [{ key: 'query', kind: 'text', get: function (r) { return str(r.query); } },
                    { key: 'count', kind: 'count', get: function (r) { return at(r, 'count'); } }] },
        { id: 'agents', kind: 'rows', from: 'agents',
          columns: [{ key: 'login', kind: 'text', get: function (r) { return str(r.login); } },
                    { key: 'name', kind: 'text', get: function (r) { return str(r.name); } },
                    { key: 'chats', kind: 'count', get: function (r) { return at(r, 'chats'); } },
                    { key: 'handling', kind: 'ms', get: function (r) { return at(r, 'handling_ms.median'); } },
                    { key: 'handling_p90', kind: 'ms', get: function (r) { return at(r, 'handling_ms.p90'); } },
                    { key: 'agent_csat', kind: 'avg', get: function (r) { return at(r, 'csat.avg'); } },
                    { key: 'agent_csat_n', kind: 'count', get: function (r) { return at(r, 'csat.n'); } }] }
    ];
    /* better: +1 when a rise is good news, -1 when a fall is, 0 when neither */
    var KPIS = [
        { key: 'conversations', kind: 'count', better: 0, path: 'conversations' },
        { key: 'containment_rate', kind: 'rate', better: 1, path: 'containment_rate' },
        { key: 'handoff_rate', kind: 'rate', better: -1, path: 'handoff_rate' },
        { key: 'helpful_rate', kind: 'rate', better: 1, path: 'helpful_rate' },
        { key: 'first_response', kind: 'ms', better: -1, path: 'first_response_ms.median' },
        { key: 'resolution', kind: 'ms', better: -1, path: 'resolution_ms.median' },
        { key: 'queue_wait', kind: 'ms', better: -1, path: 'queue_wait_ms.median' },
        { key: 'abandoned', kind: 'count', better: -1, path: 'queue_wait_ms.abandoned' },
        { key: 'csat', kind: 'avg', better: 1, path: 'csat.avg' },
        { key: 'csat_response', kind: 'rate', better: 1, path: 'csat.response_rate' },
        { key: 'repeat_rate', kind: 'rate', better: -1, path: 'repeat_contacts.rate' }
    ];

    /* ---------- pure parts ---------- */
    /* The change from prev to cur of a value of kind (rates in percentage points, the rest
     * relative) and whether it is good news: {dir: up|down|same|none, mode: pct|pts|zero|flat|none,
     * d: the size (a ratio for pct, points for pts), judge: better|worse|""}. */
    function delta(cur, prev, kind, better) {
        if (!isNum(cur) || !isNum(prev)) return { dir: 'none', mode: 'none', d: 0, judge: '' };
        if (cur === prev) return { dir: 'same', mode: 'flat', d: 0, judge: '' };
        var dir = cur > prev ? 'up' : 'down';
        var judge = !better ? '' : (dir === 'up') === (better > 0) ? 'better' : 'worse';
        if (kind === 'rate') return { dir: dir, mode: 'pts', d: Math.abs(cur - prev) * 100, judge: judge };
        if (prev === 0) return { dir: dir, mode: 'zero', d: 0, judge: judge };
        return { dir: dir, mode: 'pct', d: Math.abs(cur - prev) / Math.abs(prev), judge: judge };
    }
    /* RFC 4180: fields with a comma, quote, CR or LF quoted, quotes doubled, CRLF between
     * records. Numbers as they are (no grouping, no locale digits), null as an empty field.
     * A text cell that a spreadsheet would take for a formula (= + - @ tab CR first: a
     * visitor's gap question can be anything) gets a leading apostrophe. */
    function csvField(v) {
        if (v === null || v === undefined) return '';
        if (typeof v === 'number') return isFinite(v) ? String(v) : '';
        var s = String(v);
        if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    function csvText(rows) {
        return rows.map(function (r) { return r.map(csvField).join(','); }).join('\r\n') + '\r\n';
    }
    /* The top of a value axis: a round number at or above max (1, 2, 2.5, 5 times a power of
     * ten); for counts (ints) one that four integer steps divide. */
    function niceMax(max, ints) {
        if (!isNum(max) || max <= 0) return ints ? 4 : 1;
        var p = Math.pow(10, Math.floor(Math.log10(max))), steps = [1, 2, 2.5, 4, 5, 10];
        for (var i = 0; i < steps.length; i++) {
            var m = steps[i] * p;
            if (m >= max && (!ints || (m % 4 === 0 || m <= 4))) return ints ? Math.max(4, Math.ceil(m)) : m;
        }
        return ints ? Math.ceil(max / 4) * 4 : 10 * p;
    }
    var W = 720, H = 260, TOP = 14, BOTTOM = 40, AXIS = 70, FAR = 12;
    /* the centre of slot i of n on the time axis: left to right, or right to left when rtl */
    function slotX(i, n, isRtl) {
        var step = (W - AXIS - FAR) / Math.max(n, 1), x = AXIS + (i + 0.5) * step;
        return isRtl ? W - x : x;
    }
    function yOf(v, max) { return TOP + (H - TOP - BOTTOM) * (1 - v / max); }

    /* ---------- drawing ---------- */
    /* The value axis (ticks at 0, ¼ … max with grid lines) and the time axis's labels (every
     * k-th so that they do not overlap). */
    function axes(g, periods, max, kind, unit, group) {
        var isRtl = rtl(), ax = isRtl ? W - AXIS : AXIS;
        svg('line', { x1: ax, y1: TOP, x2: ax, y2: H - BOTTOM, 'class': 'axis' }, g);
        svg('line', { x1: isRtl ? FAR : AXIS, y1: H - BOTTOM, x2: isRtl ? W - AXIS : W - FAR, y2: H - BOTTOM, 'class': 'axis' }, g);
        for (var i = 0; i <= 4; i++) {
            var v = max * i / 4, y = yOf(v, max);
            if (i) svg('line', { x1: isRtl ? FAR : AXIS, y1: y, x2: isRtl ? W - AXIS : W - FAR, y2: y, 'class': 'grid' }, g);
            var t = svg('text', { x: isRtl ? ax + 6 : ax - 6, y: y + 4, 'text-anchor': isRtl ? 'start' : 'end', 'class': 'tick' }, g);
            t.textContent = show(v, kind, unit);
        }
        var n = periods.length;
        axisLabels(periods, group).forEach(function (a) {
            var t = svg('text', { x: slotX(a.j, n, isRtl), y: H - BOTTOM + 18, 'text-anchor': 'middle', 'class': 'tick' }, g);
            t.textContent = a.text;
        });
    }
    /* At most 8 labels under the time axis, so that they never overlap: every k-th period; by
     * hour the time alone over one day, the day at each midnight over more (the table and the
     * tooltips carry the full date and time). */
    function axisLabels(periods, group) {
        var n = periods.length, out = [], at0 = [];
        if (group === 'hour' && n > 24) {
            periods.forEach(function (p, j) { if (parts(p.start, true).hour === '00') at0.push(j); });
            var k = Math.max(1, Math.ceil(at0.length / 8));
            at0.forEach(function (j, i) {
                if (!(i % k)) out.push({ j: j, text: I.date(lang, periods[j].start, TZ, PERIOD_FMT.day) });
            });
            return out;
        }
        var every = Math.max(1, Math.ceil(n / 8));
        periods.forEach(function (p, j) {
            if (j % every) return;
            out.push({ j: j, text: group === 'hour' ? I.date(lang, p.start, TZ, { hour: 'numeric', minute: '2-digit' })
                                                    : periodLabel(p.start, group) });
        });
        return out;
    }
    function tip(node, text) { svg('title', {}, node).textContent = text; }
    function seriesLabel(c) { return c.label ? c.label() : tx('series.' + c.key); }

    /* the largest value of the chart's series over the periods, and for times the unit */
    function scale(chart, periods) {
        var max = 0;
        periods.forEach(function (p) {
            if (chart.kind === 'stack') {
                var sum = 0;
                chart.series.forEach(function (c) { sum += c.get(p) || 0; });
                max = Math.max(max, sum);
            } else {
                chart.series.forEach(function (c) { var v = c.get(p); if (isNum(v)) max = Math.max(max, v); });
            }
        });
        if (chart.fmt === 'rate') return { max: 1 };
        if (chart.fmt === 'ms') {
            var unit = I.durationUnit(max), u = I.unitMs[unit];
            return { max: niceMax(max / u, false) * u, unit: unit };
        }
        return { max: niceMax(max, true) };
    }

    function drawPeriods(chart, svgEl, data) {
        var periods = data.periods, n = periods.length, isRtl = rtl(), sc = scale(chart, periods);
        var g = svg('g', {}, svgEl), step = (W - AXIS - FAR) / Math.max(n, 1);
        axes(g, periods, sc.max, chart.fmt, sc.unit, data.group);
        periods.forEach(function (p, i) {
            var cx = slotX(i, n, isRtl), label = periodLabel(p.start, data.group);
            if (chart.kind === 'bar') {
                var gw = step * 0.8, bw = gw / chart.series.length;
                chart.series.forEach(function (c, j) {
                    var v = c.get(p);
                    if (!isNum(v)) return;
                    var x = isRtl ? cx + gw / 2 - (j + 1) * bw : cx - gw / 2 + j * bw, y = yOf(v, sc.max);
                    var r = svg('rect', { x: x, y: y, width: Math.max(bw - 1, 1), height: H - BOTTOM - y,
                                          'class': 'bar s' + j, 'data-series': c.key, 'data-i': i, 'data-v': v }, g);
                    tip(r, seriesLabel(c) + ' — ' + label + ': ' + show(v, c.kind, sc.unit));
                });
            } else if (chart.kind === 'stack') {
                var base = H - BOTTOM, w = step * 0.6;
                chart.series.forEach(function (c, j) {
                    var v = c.get(p);
                    if (!isNum(v) || v <= 0) return;
                    var h = (H - TOP - BOTTOM) * v / sc.max;
                    base -= h;
                    var r = svg('rect', { x: cx - w / 2, y: base, width: w, height: h,
                                          'class': 'stack score' + (j + 1), 'data-series': c.key, 'data-i': i, 'data-v': v }, g);
                    tip(r, seriesLabel(c) + ' — ' + label + ': ' + show(v, 'count'));
                });
            }
        });
        if (chart.kind === 'line') {
            chart.series.forEach(function (c, j) {
                var d = '', pen = 'M';
                periods.forEach(function (p, i) {
                    var v = c.get(p);
                    if (!isNum(v)) { pen = 'M'; return; }
                    var x = slotX(i, n, isRtl), y = yOf(v, sc.max);
                    d += pen + x.toFixed(1) + ' ' + y.toFixed(1) + ' ';
                    pen = 'L';
                    var dot = svg('circle', { cx: x, cy: y, r: 3.5, 'class': 'dot s' + j, 'data-series': c.key, 'data-i': i, 'data-v': v }, g);
                    tip(dot, seriesLabel(c) + ' — ' + periodLabel(p.start, data.group) + ': ' + show(v, c.kind, sc.unit));
                });
                if (d) svg('path', { d: d.trim(), 'class': 'line s' + j, 'data-series': c.key }, g);
            });
        }
    }

    function heatMatrix(data) {
        var m = [], max = 0;
        for (var d = 0; d < 7; d++) { m.push([]); for (var h = 0; h < 24; h++) m[d].push(0); }
        (Array.isArray(data.busiest) ? data.busiest : []).forEach(function (b) {
            var d = at(b, 'weekday'), h = at(b, 'hour'), v = at(b, 'conversations');
            if (d === null || h === null || v === null || d < 0 || d > 6 || h < 0 || h > 23) return;
            m[d][h] += v;
            max = Math.max(max, m[d][h]);
        });
        return { m: m, max: max };
    }
    function hourLabel(h) { return I.num(lang, h); }
    function drawHeat(svgEl, data) {
        var hm = heatMatrix(data), isRtl = rtl(), label = 96, cw = (W - label - FAR) / 24, ch = 26, top = 22;
        svgEl.setAttribute('viewBox', '0 0 ' + W + ' ' + (top + 7 * ch + 8));
        var g = svg('g', {}, svgEl);
        for (var h = 0; h < 24; h++) {
            var x = label + h * cw;
            if (isRtl) x = W - x - cw;
            if (h % 3 === 0) svg('text', { x: x + cw / 2, y: 14, 'text-anchor': 'middle', 'class': 'tick' }, g).textContent = hourLabel(h);
        }
        for (var d = 0; d < 7; d++) {
            var y = top + d * ch, name = I.weekday(lang, d);
            svg('text', { x: isRtl ? W - 6 : 6, y: y + ch / 2 + 5, 'text-anchor': isRtl ? 'end' : 'start', 'class': 'tick' }, g).textContent = name;
            for (h = 0; h < 24; h++) {
                var v = hm.m[d][h], lvl = !v ? 0 : Math.min(5, Math.ceil(5 * v / hm.max));
                x = label + h * cw;
                if (isRtl) x = W - x - cw;
                var r = svg('rect', { x: x + 1, y: y + 1, width: cw - 2, height: ch - 2, 'class': 'cell h' + lvl,
                                      'data-day': d, 'data-hour': h, 'data-v': v }, g);
                tip(r, fmt(T.cell, { day: name, hour: hourLabel(h), n: v }));
            }
        }
    }

    /* ---------- tables (shown and exported) ---------- */
    /* {head: [labels], rows: [[{text, raw}]]} of a chart: what its table shows and its CSV holds */
    function tableOf(chart, data) {
        var head = [], rows = [];
        if (chart.kind === 'heat') {
            var hm = heatMatrix(data);
            head.push(T.series.weekday);
            for (var h = 0; h < 24; h++) head.push(hourLabel(h));
            for (var d = 0; d < 7; d++) {
                var r = [{ text: I.weekday(lang, d), raw: d }];
                hm.m[d].forEach(function (v) { r.push({ text: show(v, 'count'), raw: v }); });
                rows.push(r);
            }
            /* the CSV's hours and weekdays as numbers (0 Sunday), the header's first cell in words */
            return { head: head, rows: rows, csvHead: [T.series.weekday].concat(hm.m[0].map(function (x, i) { return i; })) };
        }
        if (chart.kind === 'rows') {
            var list = Array.isArray(data[chart.from]) ? data[chart.from] : [];
            chart.columns.forEach(function (c) { head.push(tx('series.' + c.key)); });
            list.forEach(function (item) {
                rows.push(chart.columns.map(function (c) {
                    var v = c.get(item || {});
                    return { text: c.kind === 'text' ? v : show(v, c.kind), raw: v, isText: c.kind === 'text' };
                }));
            });
            return { head: head, rows: rows };
        }
        var cols = chart.series.concat(chart.extra || []), hour = data.group === 'hour';
        head.push(T.period_col);
        cols.forEach(function (c) { head.push(seriesLabel(c)); });
        data.periods.forEach(function (p) {
            var r = [{ text: periodLabel(p.start, data.group), raw: isoLocal(p.start, hour), end: isoLocal(p.end, hour) }];
            cols.forEach(function (c) { var v = c.get(p); r.push({ text: show(v, c.kind), raw: v }); });
            rows.push(r);
        });
        return { head: head, rows: rows, periods: true };
    }
    function csvOf(chart, data) {
        var t = tableOf(chart, data), out = [];
        if (t.periods) {
            out.push([t.head[0], T.period_end_col].concat(t.head.slice(1)));
            t.rows.forEach(function (r) {
                out.push([r[0].raw, r[0].end].concat(r.slice(1).map(function (c) { return c.raw; })));
            });
        } else {
            out.push(t.csvHead || t.head);
            t.rows.forEach(function (r) { out.push(r.map(function (c) { return c.raw; })); });
        }
        return csvText(out);
    }
    function download(name, text) {
        var blob = new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' });
        var url = URL.createObjectURL(blob), a = el('a');
        a.href = url;
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
    }
    function renderTable(chart, data) {
        var t = tableOf(chart, data), table = el('table', 'data');
        table.id = 'table-' + chart.id;
        var cap = el('caption', null, tx('charts.' + chart.id + '.title'));
        table.appendChild(cap);
        var tr = el('tr');
        t.head.forEach(function (h) { var th = el('th', null, h); th.scope = 'col'; tr.appendChild(th); });
        var thead = el('thead');
        thead.appendChild(tr);
        table.appendChild(thead);
        var body = el('tbody');
        t.rows.forEach(function (r) {
            var row = el('tr');
            r.forEach(function (c, i) {
                var cell = el(i === 0 && !c.isText ? 'th' : 'td', c.isText ? 'text' : null, c.text);
                if (i === 0 && !c.isText) cell.scope = 'row';
                if (c.isText) cell.dir = 'auto';
                cell.setAttribute('data-raw', c.raw === null || c.raw === undefined ? '' : String(c.raw));
                row.appendChild(cell);
            });
            body.appendChild(row);
        });
        table.appendChild(body);
        return { table: table, empty: !t.rows.length };
    }

    /* whether any period (or cell) of the chart has a value other than 0: an empty chart says so */
    function hasData(chart, data) {
        if (chart.kind === 'heat') return heatMatrix(data).max > 0;
        return data.periods.some(function (p) {
            return chart.series.concat(chart.extra || []).some(function (c) { return !!c.get(p); });
        });
    }

    /* a wide table scrolls inside its chart rather than widening the page (a phone) */
    function scroller(table) {
        var d = el('div', 'scroll');
        d.appendChild(table);
        return d;
    }

    /* ---------- one chart: figure, title, description, svg, legend, table, CSV ---------- */
    function renderChart(chart, data) {
        var fig = el('figure', 'chart');
        fig.id = 'chart-' + chart.id;
        fig.setAttribute('data-kind', chart.kind);
        var tid = 'ct-' + chart.id, did = 'cd-' + chart.id;
        var head = el('div', 'chart-head'), h = el('h2', null, tx('charts.' + chart.id + '.title'));
        h.id = tid;
        head.appendChild(h);
        var btn = el('button', 'small csv', T.csv);
        btn.type = 'button';
        btn.setAttribute('data-csv', chart.id);
        btn.setAttribute('aria-describedby', tid);
        btn.addEventListener('click', function () {
            download('sanad-' + chart.id + '-' + last.query.from + '-' + last.query.to + '.csv', csvOf(chart, data));
        });
        head.appendChild(btn);
        fig.appendChild(head);
        fig.setAttribute('aria-labelledby', tid);
        var desc = tx('charts.' + chart.id + '.desc') + (chart.series ? ' ' + T.axisNote : '');
        var p = el('p', 'desc', desc);
        p.id = did;
        fig.appendChild(p);
        var tb = renderTable(chart, data);
        if (chart.kind !== 'rows' && !hasData(chart, data)) fig.appendChild(el('p', 'hint nodata', T.noData));
        if (chart.kind !== 'rows') {
            var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': tid + ' ' + did,
                                 direction: 'ltr', 'class': 'plot', focusable: 'false' });
            svg('title', {}, s).textContent = tx('charts.' + chart.id + '.title');
            svg('desc', {}, s).textContent = desc;
            if (chart.kind === 'heat') drawHeat(s, data); else drawPeriods(chart, s, data);
            fig.appendChild(s);
            if (chart.series) {
                var ul = el('ul', 'legend');
                chart.series.forEach(function (c, j) {
                    var li = el('li'), sw = el('span', 'swatch ' + (chart.kind === 'stack' ? 'score' + (j + 1) : 's' + j));
                    sw.setAttribute('aria-hidden', 'true');
                    li.appendChild(sw);
                    li.appendChild(document.createTextNode(seriesLabel(c)));
                    ul.appendChild(li);
                });
                fig.appendChild(ul);
            }
            var det = el('details', 'table-wrap'), sum = el('summary', null, T.tableShow);
            det.appendChild(sum);
            det.appendChild(scroller(tb.table));
            fig.appendChild(det);
        } else if (tb.empty) {
            fig.appendChild(el('p', 'hint', T.noData));
            fig.appendChild(scroller(tb.table));
        } else {
            fig.appendChild(scroller(tb.table));
        }
        return fig;
    }

    /* ---------- summary cards with the comparison ---------- */
    var ARROW = { up: '▲', down: '▼', same: '=', none: '' };
    function deltaText(k, dl, prev) {
        var D = T.delta, prevText = show(prev, k.kind);
        var vars = { dir: D[dl.dir] || '', prev: prevText, judge: dl.judge ? D[dl.judge] : '' };
        if (dl.mode === 'none') return { short: T.nothing, long: D.nothing };
        if (dl.mode === 'flat') return { short: ARROW.same, long: fmt(D.flat, vars) };
        var shortD = dl.mode === 'pct' ? I.pct(lang, dl.d) : dl.mode === 'pts' ? I.num(lang, dl.d, 1) : '';
        vars.d = shortD;
        if (dl.mode === 'zero') shortD = D.fromZeroShort;
        var long = fmt(dl.mode === 'pct' ? D.pct : dl.mode === 'pts' ? D.pts : D.fromZero, vars);
        if (!dl.judge) long = long.replace(/[،,]\s*$/, '');
        return { short: ARROW[dl.dir] + (shortD ? ' ' + shortD : ''), long: long };
    }
    function renderKpis(data) {
        var box = $('kpis');
        clear(box);
        KPIS.forEach(function (k) {
            var cur = at(data.total, k.path), prev = at(data.previous, k.path);
            var dl = delta(cur, prev, k.kind, k.better), txt = deltaText(k, dl, prev);
            var card = el('div', 'kpi');
            card.setAttribute('data-kpi', k.key);
            card.setAttribute('data-value', cur === null ? '' : String(cur));
            card.appendChild(el('h3', null, T.kpi[k.key]));
            card.appendChild(el('p', 'value', show(cur, k.kind)));
            var d = el('p', 'delta ' + dl.dir + (dl.judge ? ' ' + dl.judge : ''));
            d.setAttribute('data-dir', dl.dir);
            d.setAttribute('data-judge', dl.judge);
            var vis = el('span', null, txt.short);
            vis.setAttribute('aria-hidden', 'true');
            d.appendChild(vis);
            d.appendChild(el('span', 'sr-only', txt.long));
            d.title = txt.long;
            card.appendChild(d);
            card.appendChild(el('p', 'prev', fmt(T.previous, { v: show(prev, k.kind) })));
            box.appendChild(card);
        });
    }

    /* ---------- the page's state ---------- */
    var me = null, last = null, seq = 0;

    /* what the figures shown are: the period, the grouping, the previous period, the zone */
    function statusLine() {
        var d = last.data, q = last.query, pv = d.previous || {};
        return fmt(T.showing, {
            from: ymdLabel(q.from), to: ymdLabel(q.to), group: T.groups[d.group] || d.group,
            pfrom: isNum(pv.start) ? I.date(lang, pv.start, TZ, { dateStyle: 'medium' }) : T.nothing,
            pto: isNum(pv.end) ? I.date(lang, pv.end - 1, TZ, { dateStyle: 'medium' }) : T.nothing,
            tz: d.tz || q.tz });
    }
    function render() {
        if (!last) return;
        var d = last.data;
        $('status').textContent = statusLine();
        renderKpis(d);
        var box = $('charts');
        clear(box);
        CHARTS.forEach(function (c) { box.appendChild(renderChart(c, d)); });
        document.body.setAttribute('data-loaded', String(seq));
    }
    function showError(text) {
        $('error').textContent = text || '';
        $('error').hidden = !text;
    }

    function query() {
        return { from: $('p-from').value, to: $('p-to').value, group: $('p-group').value, tz: TZ,
                 lang: $('p-lang').value, channel: $('p-channel').value, agent: $('p-agent').value.trim() };
    }
    function load() {
        var q = query();
        if (!YMD.test(q.from) || !YMD.test(q.to)) { showError(T.badDate); return; }
        if (q.from > q.to) { showError(T.badRange); return; }
        var my = ++seq, params = [], hash = [];
        ['from', 'to', 'group', 'tz', 'lang', 'channel', 'agent'].forEach(function (k) {
            if (!q[k]) return;
            params.push(k + '=' + encodeURIComponent(q[k]));
            if (k !== 'tz') hash.push(k + '=' + encodeURIComponent(q[k]));
        });
        /* the view in the address (no history entry): a reload or a bookmark shows it again */
        try { history.replaceState(null, '', '#' + hash.join('&')); } catch (e) { /* file: or sandboxed */ }
        showError('');
        $('status').textContent = T.loading;
        document.body.setAttribute('data-loading', String(my));
        api('GET', '/api/stats?' + params.join('&')).then(function (r) {
            if (my !== seq) return; /* a later request is on its way: this answer is stale */
            document.body.removeAttribute('data-loading');
            if (r.status === 200 && r.body && Array.isArray(r.body.periods)) {
                /* a period without its bounds could not be placed nor named: left out */
                r.body.periods = r.body.periods.filter(function (p) { return p && isNum(p.start) && isNum(p.end); });
                last = { data: r.body, query: q };
                render();
            } else if (r.status === 401) {
                showLogin(T.loginErrors.expired);
            } else if (r.status === 403) {
                showRefused();
            } else {
                $('status').textContent = last ? statusLine() : ''; /* the figures shown stay */
                showError(r.network ? T.network : r.status === 404 ? T.noApi : fmt(T.serverError, { msg: errMsg(r) }));
                document.body.setAttribute('data-failed', String(r.status));
            }
        });
    }
    function preset(p) {
        var t = today();
        $('p-to').value = t;
        $('p-from').value = p === 'month' ? t.slice(0, 8) + '01' : addDays(t, -(Number(p) - 1));
        load();
    }

    /* ---------- language ---------- */
    function applyLang() {
        T = I.texts[lang];
        var root = document.documentElement;
        root.lang = lang;
        root.dir = I.dir[lang];
        document.title = T.title;
        [['data-i18n', null], ['data-i18n-aria-label', 'aria-label']].forEach(function (a) {
            var nodes = document.querySelectorAll('[' + a[0] + ']');
            for (var i = 0; i < nodes.length; i++) {
                var v = tx(nodes[i].getAttribute(a[0]));
                if (a[1]) nodes[i].setAttribute(a[1], v); else nodes[i].textContent = v;
            }
        });
        var other = lang === 'ar' ? 'en' : 'ar';
        ['lang', 'login-lang'].forEach(function (id) {
            var b = $(id);
            b.textContent = I.texts[other].langName;
            b.setAttribute('lang', other);
            b.setAttribute('data-lang', other);
        });
        if (me) {
            $('me').textContent = (me.name || me.login) + ' · ' + (T.roles[me.role] || me.role);
            if (!$('refused').hidden) showRefused();
        }
        render();
    }
    function switchLang() {
        lang = lang === 'ar' ? 'en' : 'ar';
        store(LANG_KEY, lang);
        applyLang();
    }

    /* ---------- login, refusal, start ---------- */
    function only(id) { ['login', 'refused', 'app'].forEach(function (x) { $(x).hidden = x !== id; }); }
    function loginError(text) {
        $('login-error').textContent = text || '';
        $('login-error').hidden = !text;
    }
    function showLogin(why) {
        me = null;
        last = null;
        only('login');
        loginError(why || '');
        $('login-name').focus();
    }
    function showRefused() {
        only('refused');
        $('refused-text').textContent = fmt(T.refusedText, { who: '\u2068' + (me ? me.login : '') + '\u2069',
                                                             role: me ? T.roles[me.role] || me.role : '' });
    }
    /* The view named in the address (#from=…&to=…&group=…&lang=…&channel=…&agent=…) into the
     * picker; true when it names a period. Taken whole or not at all: a value the picker
     * cannot hold (a bad date, an unknown group, a hostile agent) leaves the picker as it is,
     * and the default period is shown. */
    var HASH_OK = { from: YMD, to: YMD, group: /^(hour|day|week|month)$/, lang: /^(ar|en)$/,
                    channel: /^widget$/, agent: /^[A-Za-z0-9._-]{1,64}$/ };
    var HASH_INPUT = { from: 'p-from', to: 'p-to', group: 'p-group', lang: 'p-lang', channel: 'p-channel', agent: 'p-agent' };
    function fromHash() {
        var got = {}, ok = true;
        String(location.hash || '').replace(/^#/, '').split('&').forEach(function (kv) {
            if (!kv) return;
            var i = kv.indexOf('='), k = i < 0 ? kv : kv.slice(0, i), v;
            try { v = decodeURIComponent(i < 0 ? '' : kv.slice(i + 1)); } catch (e) { ok = false; return; }
            if (!HASH_OK[k] || !HASH_OK[k].test(v) || k in got) ok = false; else got[k] = v;
        });
        if (!ok || !got.from || !got.to || got.from > got.to) return false;
        Object.keys(HASH_INPUT).forEach(function (k) { $(HASH_INPUT[k]).value = got[k] || (k === 'group' ? 'day' : ''); });
        return true;
    }
    function start(user) {
        me = user;
        if (!me || me.role !== 'admin') { showRefused(); return; }
        only('app');
        applyLang();
        if (fromHash() || $('p-from').value) load(); else preset(7);
    }

    $('login-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var login = $('login-name').value.trim(), pw = $('login-password').value, L = T.loginErrors;
        if (!login || !pw) { loginError(L.missing); return; }
        $('login-submit').disabled = true;
        loginError('');
        api('POST', '/api/login', { login: login, password: pw }).then(function (r) {
            $('login-submit').disabled = false;
            if (r.status === 200 && r.body) {
                $('login-password').value = '';
                start(r.body);
            } else if (r.status === 429) {
                loginError(fmt(L.rate_limited, { s: r.retry || '?' }));
            } else if (r.status === 401) {
                loginError(L.unauthorized);
            } else {
                loginError(r.network ? T.network : errMsg(r));
            }
        });
    });
    function logout() { api('POST', '/api/logout', {}).then(function () { showLogin(''); }); }
    $('logout').addEventListener('click', logout);
    $('refused-logout').addEventListener('click', logout);
    $('lang').addEventListener('click', switchLang);
    $('login-lang').addEventListener('click', switchLang);
    $('period').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    $('p-group').addEventListener('change', load);
    /* a view typed or pasted into the address, or back and forward between bookmarks */
    window.addEventListener('hashchange', function () { if (me && me.role === 'admin' && fromHash()) load(); });
    var presets = document.querySelectorAll('[data-preset]');
    for (var i = 0; i < presets.length; i++) {
        presets[i].addEventListener('click', function (ev) { preset(ev.currentTarget.getAttribute('data-preset')); });
    }

    window.SanadDashboard = { delta: delta, csvText: csvText, niceMax: niceMax, slotX: slotX, tz: TZ };

    applyLang();
    api('GET', '/api/me').then(function (r) {
        if (r.status === 200 && r.body) start(r.body);
        else showLogin(r.network ? T.network : '');
    });
}());
