/* Sanad agent console: served at /console/ by `sanad serve` (widget_dir/console/).
 * Plain JavaScript, no framework, no build step. Logs in over POST /api/login (the server
 * sets the HttpOnly sanad_session cookie), then speaks the agent protocol of
 * docs/protocol.md ("Agent protocol", subprotocol "sanad.agent.v1") over ws(s)://HOST/agent.
 *
 * Safety rule: nothing that comes from the server (visitors' text, names, questions) is ever
 * parsed as HTML. Every node is built with createElement + textContent. */
(function () {
    'use strict';

    var WS_URL = location.origin.replace(/^http/, 'ws') + '/agent';
    var BACKOFF_BASE = 500, BACKOFF_CAP = 15000, PING_EVERY = 25000;
    var TITLE = '';

    /* ---------- language: every text is data (i18n.js), the page follows the choice ---------- */
    var I = window.SanadConsoleI18n;
    var LANG_KEY = 'sanad.console.lang', NOTIFY_KEY = 'sanad.console.notify';
    function store(k, v) { try { if (v === undefined) return localStorage.getItem(k); localStorage.setItem(k, v); } catch (e) { /* private mode */ } return null; }
    /* the agent's choice, else the browser's language (Arabic for ar-*, else English) */
    function initialLang() {
        var saved = store(LANG_KEY);
        if (saved === 'ar' || saved === 'en') return saved;
        var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'ar'];
        for (var i = 0; i < prefs.length; i++) {
            var p = String(prefs[i]).toLowerCase();
            if (p.slice(0, 2) === 'ar') return 'ar';
            if (p.slice(0, 2) === 'en') return 'en';
        }
        return 'en';
    }
    var lang = initialLang(), T = I.texts[lang];
    function tx(path) {
        var v = T;
        path.split('.').forEach(function (k) { v = v == null ? v : v[k]; });
        return v == null ? '' : v;
    }
    function fmt(t, vars) { return I.fmt(lang, t, vars); }
    /* a name inside a sentence of the other direction: isolated (FSI … PDI), so that an Arabic
     * name in an English label (or the reverse) does not reorder the words around it */
    function iso(name) { return '\u2068' + String(name) + '\u2069'; }
    function applyLang() {
        T = I.texts[lang];
        var root = document.documentElement;
        root.lang = lang;
        root.dir = I.dir[lang];
        TITLE = T.title;
        if (!flashTimer) document.title = TITLE;
        [['data-i18n', null], ['data-i18n-placeholder', 'placeholder'], ['data-i18n-aria-label', 'aria-label'],
         ['data-i18n-title', 'title']].forEach(function (a) {
            var nodes = document.querySelectorAll('[' + a[0] + ']');
            for (var i = 0; i < nodes.length; i++) {
                var v = tx(nodes[i].getAttribute(a[0]));
                if (a[1]) nodes[i].setAttribute(a[1], v); else nodes[i].textContent = v;
            }
        });
        /* the switch names the other language in that language */
        var other = lang === 'ar' ? 'en' : 'ar';
        ['lang', 'login-lang'].forEach(function (id) {
            var b = $(id);
            b.textContent = I.texts[other].langName;
            b.setAttribute('lang', other);
            b.setAttribute('data-lang', other);
        });
    }
    function setLang(l) {
        if (l !== 'ar' && l !== 'en') return;
        lang = l;
        store(LANG_KEY, l);
        applyLang();
        rerender();
    }

    /* Typing and "seen" (issue 14): texts of the console's language (i18n.js). */
    function tt(key) { return T[key]; }
    /* The agent's typing, told to the visitor: a start at most every TYPING_EVERY while typing
     * goes on, the end after TYPING_IDLE without a key, at the send, the blur, a switch of
     * chat or of mode (notes are not typing to the visitor). The visitor's indicator ends by
     * itself after VISITOR_TYPING_MAX in case its end was lost. */
    var TYPING_EVERY = 3000, TYPING_IDLE = 4000, VISITOR_TYPING_MAX = 10000;

    /* ---------- DOM helpers: text only ---------- */
    function $(id) { return document.getElementById(id); }
    function el(tag, cls, text) {
        var n = document.createElement(tag);
        if (cls) n.className = cls;
        if (text != null) n.textContent = String(text);
        return n;
    }
    function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
    function show(n, on) { n.hidden = !on; }
    function fmtWait(s) { return fmt(T.waiting, { t: I.duration(lang, s) }); }
    function fmtTime(ts) { return I.time(lang, ts); }
    function langBadge(l) {
        var b = el('span', 'lang', T.langBadge[l] || String(l || '?'));
        if (T.langNames[l]) b.title = T.langNames[l];
        return b;
    }

    /* ---------- state ---------- */
    var me = null;                 /* {login, name, role} */
    var ws = null, wsGen = 0, backoff = 0, retryTimer = null, pingTimer = null, stopped = true;
    var routing = 'auto', status = 'offline', connKey = null, tickets = [], agents = [], capacity = 0;
    var queue = [], queueAt = 0;   /* last snapshot and when it came */
    var chats = {};                /* conversation -> {id, lang, msgs: [], closed, resolution, unread, pending: {cid: frame},
                                    * transfer: {from: {login, name}, note} when it was handed to us} */
    var order = [];                /* conversation ids, tab order */
    var selected = null;
    var counter = 0;

    /* ---------- login ---------- */
    function api(method, path, body) {
        var opt = { method: method, credentials: 'same-origin', headers: {} };
        if (body !== undefined) {
            opt.headers['Content-Type'] = 'application/json';
            opt.body = JSON.stringify(body);
        }
        return fetch(path, opt).then(function (r) {
            return r.text().then(function (t) {
                var j = null;
                try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
                return { status: r.status, body: j, retry: r.headers.get('Retry-After') };
            });
        });
    }
    function loginError(text) {
        var e = $('login-error');
        e.textContent = text || '';
        show(e, !!text);
    }
    function showLogin() {
        stopSocket();
        me = null;
        show($('console'), false);
        show($('login'), true);
        stopFlash();
        document.title = TITLE;
        $('login-name').focus();
    }
    function isAgent(u) { return u && (u.role === 'agent' || u.role === 'admin'); }

    $('login-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        unlockAudio();
        askNotify(); /* a user gesture: the one time the browser is asked */
        var login = $('login-name').value.trim(), pw = $('login-password').value;
        if (!login || !pw) { loginError(T.login.missing); return; }
        var btn = $('login-submit');
        btn.disabled = true;
        loginError('');
        api('POST', '/api/login', { login: login, password: pw }).then(function (r) {
            btn.disabled = false;
            if (r.status === 200 && r.body) {
                $('login-password').value = '';
                if (!isAgent(r.body)) { loginError(T.login.role); return; }
                startConsole(r.body);
            } else if (r.status === 429) {
                loginError(fmt(T.login.rate_limited, { t: I.duration(lang, +r.retry || 1) }));
            } else if (r.status === 401) {
                loginError(T.login.unauthorized);
            } else {
                loginError(fmt(T.login.other, { code: r.status }));
            }
        }, function () {
            btn.disabled = false;
            loginError(T.login.network);
        });
    });

    $('logout').addEventListener('click', function () {
        api('POST', '/api/logout', {}).then(showLogin, showLogin);
    });

    /* ---------- sound and title flash on a new chat ---------- */
    var audio = null, flashTimer = null, alerts = 0;
    function unlockAudio() {
        var AC = window.AudioContext || window.webkitAudioContext;
        if (!audio && AC) { try { audio = new AC(); } catch (e) { audio = null; } }
        if (audio && audio.state === 'suspended') audio.resume();
    }
    function beep() {
        if (!audio) return;
        try {
            var o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime;
            o.type = 'sine';
            o.frequency.value = 880;
            g.gain.setValueAtTime(0.0001, t);
            g.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
            g.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
            o.connect(g);
            g.connect(audio.destination);
            o.start(t);
            o.stop(t + 0.4);
        } catch (e) { /* no sound: the title still flashes */ }
    }
    function alertNewChat() {
        alerts++;
        document.body.setAttribute('data-alerts', String(alerts));
        beep();
        if (flashTimer) return;
        var on = false;
        function tick() {
            on = !on;
            document.title = on ? T.newChat + ' — ' + TITLE : TITLE;
        }
        tick();
        flashTimer = setInterval(tick, 1000);
    }
    function stopFlash() {
        if (!flashTimer) return;
        clearInterval(flashTimer);
        flashTimer = null;
        document.title = TITLE;
    }
    /* the agent has noticed: any interaction with the page stops the flashing */
    ['keydown', 'mousedown', 'focus'].forEach(function (t) {
        window.addEventListener(t, function () { stopFlash(); unlockAudio(); }, true);
    });

    /* ---------- the socket ---------- */
    function startConsole(user) {
        setMe(user);
        show($('login'), false);
        show($('console'), true);
        stopped = false;
        backoff = 0;
        connect();
    }
    function setConn(key, cls) {
        var c = $('conn');
        connKey = key;
        c.textContent = key ? T[key] : '';
        c.className = 'conn ' + (cls || '');
    }
    function connect() {
        if (stopped) return;
        clearTimeout(retryTimer);
        show($('reconnect'), false);
        setConn('connecting', 'connecting');
        var gen = ++wsGen, sock;
        try { sock = new WebSocket(WS_URL, 'sanad.agent.v1'); } catch (e) { scheduleRetry(); return; }
        ws = sock;
        var replaced = false;
        sock.onopen = function () {
            if (gen !== wsGen) return;
            backoff = 0;
            setConn('connected', 'ok');
            clearInterval(pingTimer);
            pingTimer = setInterval(function () { send({ type: 'ping' }); }, PING_EVERY);
        };
        sock.onmessage = function (ev) {
            if (gen !== wsGen) return;
            var f;
            try { f = JSON.parse(ev.data); } catch (e) { return; }
            if (!f || typeof f !== 'object') return;
            if (f.type === 'error' && typeof f.message === 'string' && /replaced/.test(f.message)) replaced = true;
            handle(f);
        };
        sock.onclose = function (ev) {
            if (gen !== wsGen) return;
            ws = null;
            typingConv = null;
            Object.keys(chats).forEach(function (id) { visitorTyping(chats[id], false); });
            clearInterval(pingTimer);
            setPresence('offline');
            if (stopped) return;
            if (ev.code === 1008 && replaced) {
                /* another console of this agent took over: do not fight it */
                setConn('replaced', 'error');
                show($('reconnect'), true);
                return;
            }
            /* 401 at the handshake looks like a plain failure: ask who we are */
            api('GET', '/api/me').then(function (r) {
                if (r.status === 401) showLogin(); else scheduleRetry();
            }, scheduleRetry);
        };
    }
    function scheduleRetry() {
        if (stopped) return;
        setConn('reconnecting', 'connecting');
        var d = Math.min(BACKOFF_CAP, BACKOFF_BASE * Math.pow(2, backoff));
        backoff++;
        retryTimer = setTimeout(connect, d / 2 + Math.random() * d / 2);
    }
    function stopSocket() {
        stopped = true;
        clearTimeout(retryTimer);
        clearInterval(pingTimer);
        wsGen++;
        if (ws) { try { ws.close(1000); } catch (e) { /* closed */ } }
        ws = null;
        chats = {}; order = []; selected = null; queue = []; agents = [];
        renderQueue(); renderTabs(); renderChat();
    }
    $('reconnect').addEventListener('click', function () { backoff = 0; connect(); });
    function send(f) {
        if (!ws || ws.readyState !== 1) return false;
        ws.send(JSON.stringify(f));
        return true;
    }

    /* ---------- frames ---------- */
    function chat(id, lang) {
        var c = chats[id];
        if (!c) {
            c = chats[id] = { id: id, lang: lang || '', msgs: [], closed: false, resolution: null, unread: 0, pending: {} };
            order.push(id);
        }
        if (lang) c.lang = lang;
        return c;
    }
    /* What the visitor said in the pre-chat form ({name, email, department,
     * department_labels}), shown in the chat header; the server sends it with `assigned`
     * and each `chats` item. */
    function setVisitor(id, v) {
        if (v && typeof v === 'object' && chats[id]) chats[id].visitor = v;
    }
    /* The chat's case reference (issue 15, docs/cases.md), sent with `assigned` and each
     * `chats` item: what the visitor quotes, shown in the chat header. */
    function setCaseRef(id, ref) {
        if (typeof ref === 'string' && /^S-[0-9A-Z]{6}$/.test(ref) && chats[id]) chats[id].caseRef = ref;
    }
    function visitorLine(c) {
        var v = c.visitor, parts = [];
        if (!v) return '';
        var lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
        if (typeof v.name === 'string' && v.name) parts.push(v.name);
        if (typeof v.email === 'string' && v.email) parts.push(v.email);
        if (typeof v.department === 'string' && v.department) {
            var l = v.department_labels && typeof v.department_labels[lang] === 'string' ? v.department_labels[lang] : v.department;
            parts.push(l);
        }
        return parts.join(' · ');
    }
    function addMsg(c, m) {
        for (var i = 0; i < c.msgs.length; i++) if (c.msgs[i].seq === m.seq) return false;
        c.msgs.push(m);
        c.msgs.sort(function (a, b) { return a.seq - b.seq; });
        return true;
    }
    function handle(f) {
        switch (f.type) {
        case 'welcome':
            if (f.agent && typeof f.agent === 'object') {
                setMe({ login: f.agent.login, name: f.agent.name, role: f.agent.role });
            }
            if (typeof f.capacity === 'number') capacity = f.capacity;
            routing = f.routing === 'pick' ? 'pick' : 'auto';
            $('routing').textContent = T.routing[routing];
            /* the server starts us online; keep the agent's choice across reconnects */
            setPresence(f.status || 'online');
            if (wantAway) send({ type: 'presence', status: 'away' });
            break;
        case 'presence':
            setPresence(f.status);
            break;
        case 'sla_breach':
            slaAlert(f);
            break;
        case 'tickets':
            tickets = Array.isArray(f.items) ? f.items : [];
            tickets.forEach(function (it) { if (it && it.mail) setMail(it.case_ref, it.mail.state, it.mail.error); });
            renderTickets();
            break;
        case 'case_replied': /* our case_reply was stored (and queued by email, or why not) */
            delete mailSending[f.client_id];
            if (f.email !== 'duplicate') setMail(f.case_ref, f.email, null);
            renderTickets();
            renderChat();
            break;
        case 'case_mail': /* a reply by email changed state (any agent's) */
            setMail(f.case_ref, f.state, f.error);
            renderTickets();
            renderChat();
            break;
        case 'agents':
            agents = Array.isArray(f.items) ? f.items.filter(function (a) { return a && typeof a.login === 'string'; }) : [];
            setDepartments(f.departments);
            renderAgents();
            break;
        case 'canned':
            setCanned(Array.isArray(f.items) ? f.items : []);
            break;
        case 'queue':
            queue = Array.isArray(f.items) ? f.items : [];
            queueAt = Date.now();
            renderQueue();
            break;
        case 'chats': {
            var items = Array.isArray(f.items) ? f.items : [], keep = {};
            items.forEach(function (it) {
                if (it && typeof it.conversation === 'string') { chat(it.conversation, it.lang).closed = false; keep[it.conversation] = 1; setVisitor(it.conversation, it.visitor); setCaseRef(it.conversation, it.case_ref); chats[it.conversation].routing = routingOf(it, Date.now()); setCaseTier(it.conversation, it.department, it.tier); }
            });
            /* a chat closed here stays visible while it is selected */
            order = order.filter(function (id) {
                if (keep[id] || (id === selected && chats[id].closed)) return true;
                delete chats[id];
                return false;
            });
            if (selected && !chats[selected]) selected = null;
            if (!selected && order.length) selected = order[0];
            renderTabs();
            renderChat();
            break;
        }
        case 'assigned':
            if (typeof f.conversation !== 'string') break;
            var ca = chat(f.conversation, f.lang);
            setVisitor(f.conversation, f.visitor);
            setCaseRef(f.conversation, f.case_ref);
            ca.closed = false; /* a conversation closed earlier can come back after a new handoff */
            ca.resolution = null;
            ca.transfer = f.by === 'transfer' && f.from && typeof f.from === 'object'
                ? { from: { login: String(f.from.login || ''), name: String(f.from.name || f.from.login || '') },
                    note: typeof f.note === 'string' ? f.note : null }
                : null;
            if (!selected || (chats[selected] && chats[selected].closed)) selected = f.conversation;
            else chats[f.conversation].unread++;
            alertNewChat();
            notify(ca.transfer ? fmt(T.notifyTransferred, { name: iso(ca.transfer.from.name) }) : T.notifyNewChat,
                   ca.transfer && ca.transfer.note ? ca.transfer.note : '', f.conversation);
            renderTabs();
            renderChat();
            break;
        case 'transcript': {
            if (typeof f.conversation !== 'string' || !Array.isArray(f.messages)) break;
            var c = chat(f.conversation);
            c.seen = typeof f.seen_seq === 'number' ? f.seen_seq : (c.seen || 0);
            c.msgs = f.messages.filter(function (m) { return m && typeof m.seq === 'number'; });
            c.msgs.sort(function (a, b) { return a.seq - b.seq; });
            /* replies not acknowledged before a reconnect: resend with the same client_id */
            Object.keys(c.pending).forEach(function (cid) { send(c.pending[cid]); });
            if (f.conversation === selected) renderChat(); else renderTabs();
            break;
        }
        case 'message': {
            if (typeof f.conversation !== 'string' || typeof f.seq !== 'number') break;
            var c2 = chat(f.conversation), m = {};
            Object.keys(f).forEach(function (k) { if (k !== 'type' && k !== 'conversation') m[k] = f[k]; });
            if (m.from === 'visitor') visitorTyping(c2, false); /* the message ends it */
            if (addMsg(c2, m)) {
                if (f.conversation === selected) renderChat(); else { c2.unread++; renderTabs(); }
                if (m.from === 'visitor') notify(T.notifyNewMessage, typeof m.text === 'string' ? m.text : '', f.conversation);
            }
            break;
        }
        case 'ack': {
            var c3 = chats[f.conversation];
            if (!c3 || typeof f.seq !== 'number') break;
            var p = f.client_id && c3.pending[f.client_id];
            if (p) {
                delete c3.pending[f.client_id];
                var mm = { seq: f.seq, from: 'agent', text: p.text, ts: Date.now(), client_id: f.client_id,
                           agent: { name: me ? me.name : '' } };
                if (p.type === 'note') mm.note = true;
                if (c3.pendingAtt && c3.pendingAtt[f.client_id]) {
                    mm.attachment = c3.pendingAtt[f.client_id];
                    delete c3.pendingAtt[f.client_id];
                }
                addMsg(c3, mm);
            }
            if (f.conversation === selected) renderChat();
            break;
        }
        case 'closed': {
            var c4 = chats[f.conversation];
            if (!c4) break;
            c4.closed = true;
            c4.resolution = typeof f.resolution === 'string' ? f.resolution : '';
            c4.pending = {};
            visitorTyping(c4, false);
            if (typingConv === f.conversation) typingConv = null;
            if (transferring && transferring.conv === f.conversation) transferring = null;
            if (escalating && escalating.conv === f.conversation) escalating = null;
            renderTabs();
            renderChat();
            break;
        }
        case 'typing':
            if (chats[f.conversation]) visitorTyping(chats[f.conversation], f.on === true);
            break;
        case 'seen': {
            var c5 = chats[f.conversation];
            if (!c5 || typeof f.seq !== 'number' || f.seq <= (c5.seen || 0)) break;
            c5.seen = f.seq;
            if (f.conversation === selected) renderChat();
            break;
        }
        case 'error':
            if (escalating && !f.client_id) { /* the answer to our escalation */
                escalating = null;
                showError(T.escalateFailed + (T.escalateErrors[f.code] || T.errors[f.code] || T.errors.internal));
                break;
            }
            if (transferring && !f.client_id) {
                /* the answer to our transfer, in the console's language, naming the login */
                var tt = transferring;
                transferring = null;
                showError(fmt(T.transferFailed, { login: tt.to }) + (T.transferErrors[f.code] || T.errors.internal));
                break;
            }
            showError(T.errors[f.code] || T.errors.internal);
            /* a refused reply is not resent */
            if (f.client_id) Object.keys(chats).forEach(function (id) { delete chats[id].pending[f.client_id]; });
            if (f.client_id && mailSending[f.client_id]) { delete mailSending[f.client_id]; renderTickets(); }
            renderChat();
            break;
        default:
            break; /* pong and frames this console does not know */
        }
    }
    function showError(text) {
        var e = $('console-error'); /* outside the chat panel: also seen with no chat open */
        e.textContent = text;
        show(e, true);
        clearTimeout(showError.t);
        showError.t = setTimeout(function () { show(e, false); }, 8000);
    }

    /* ---------- presence ---------- */
    var wantAway = false;
    function setPresence(s) {
        status = s === 'online' || s === 'away' ? s : 'offline';
        var b = $('presence');
        b.setAttribute('aria-checked', status === 'online' ? 'true' : 'false');
        b.className = 'presence ' + status;
        $('presence-label').textContent = T[status];
    }
    $('presence').addEventListener('click', function () {
        var next = status === 'online' ? 'away' : 'online';
        wantAway = next === 'away';
        send({ type: 'presence', status: next });
    });

    /* ---------- queue ---------- */
    function renderQueue() {
        var list = $('queue-list');
        clear(list);
        $('queue-count').textContent = I.num(lang, queue.length);
        $('queue-count').setAttribute('aria-label', I.plural(lang, 'waiting', queue.length));
        show($('queue-empty'), queue.length === 0);
        var age = (Date.now() - queueAt) / 1000;
        queue.forEach(function (it) {
            if (!it || typeof it.conversation !== 'string') return;
            var li = el('li', 'queue-item');
            li.setAttribute('data-conversation', it.conversation);
            var head = el('div', 'qi-head');
            head.appendChild(langBadge(it.lang));
            var w = el('span', 'wait', fmtWait((it.waiting_s | 0) + age));
            w.setAttribute('data-waiting', String(it.waiting_s | 0));
            head.appendChild(w);
            var take = el('button', 'take', T.take);
            take.type = 'button';
            take.setAttribute('aria-label', T.take + ': ' + (typeof it.last_question === 'string' ? it.last_question : T.noQuestion));
            take.addEventListener('click', function () { send({ type: 'take', conversation: it.conversation }); });
            head.appendChild(take);
            li.appendChild(head);
            var q = el('p', 'question', typeof it.last_question === 'string' ? it.last_question : T.noQuestion);
            q.setAttribute('dir', 'auto');
            li.appendChild(q);
            var rt = routingOf(it, queueAt);
            if (rt) {
                li.appendChild(routingLine(rt));
                if (rt.breached.length) li.classList.add('breached');
            }
            list.appendChild(li);
        });
    }
    /* The messages visitors left while nobody could answer (text only, never HTML). */
    function renderTickets() {
        var items = tickets, list = $('tickets-list');
        clear(list);
        $('tickets-count').textContent = I.num(lang, items.length);
        $('tickets-count').setAttribute('aria-label', I.plural(lang, 'tickets', items.length));
        show($('tickets-empty'), items.length === 0);
        items.forEach(function (it) {
            if (!it || typeof it.text !== 'string') return;
            var li = el('li', 'ticket-item');
            li.setAttribute('data-ticket', String(it.id | 0));
            var head = el('div', 'qi-head');
            head.appendChild(langBadge(it.lang));
            head.appendChild(el('span', 'when', typeof it.created === 'number' ? I.dateTime(lang, it.created) : ''));
            li.appendChild(head);
            var em = el('p', 'email', typeof it.email === 'string' ? it.email : T.noEmail);
            em.setAttribute('dir', 'ltr');
            li.appendChild(em);
            var t = el('p', 'question', it.text);
            t.setAttribute('dir', 'auto');
            li.appendChild(t);
            if (validRef(it.case_ref)) {
                li.setAttribute('data-case', it.case_ref);
                li.appendChild(caseLine(it.case_ref));
                li.appendChild(mailBox({ ticket: it.id | 0 }, 'ticket:' + (it.id | 0), it.case_ref));
            }
            list.appendChild(li);
        });
    }

    /* ---------- replies by email (issue 15): case_reply, case_replied, case_mail ---------- */
    /* the state of each case's newest reply by email, by reference: {state, error} */
    var mailByRef = {}, mailSending = {}, mailDrafts = {}, mailOpen = {};
    function validRef(ref) { return typeof ref === 'string' && /^S-[0-9A-Z]{6}$/.test(ref); }
    function setMail(ref, state, error) {
        if (validRef(ref) && typeof state === 'string' && T.mailState[state])
            mailByRef[ref] = { state: state, error: typeof error === 'string' ? error : '' };
    }
    function caseLine(ref) {
        var p = el('p', 'case-line');
        p.appendChild(document.createTextNode(T.caseRef + ' '));
        var code = el('bdi', 'ref id', ref);
        code.setAttribute('dir', 'ltr');
        p.appendChild(code);
        return p;
    }
    function sendingFor(key) {
        return Object.keys(mailSending).some(function (cid) { return mailSending[cid] === key; });
    }
    /* A "Reply by email" box for target ({ticket} or {case}); key keeps its draft and its
     * open state across re-renders; the state line shows the newest reply's email. */
    function mailBox(target, key, ref) {
        var box = el('details', 'mail-reply');
        box.setAttribute('data-key', key);
        box.open = !!mailOpen[key];
        box.addEventListener('toggle', function () { mailOpen[key] = box.open; });
        box.appendChild(el('summary', null, T.mailReply));
        var ta = el('textarea', 'mail-text');
        ta.setAttribute('dir', 'auto');
        ta.setAttribute('maxlength', '1000');
        ta.setAttribute('rows', '3');
        ta.setAttribute('aria-label', T.mailReply);
        ta.placeholder = T.mailPlaceholder;
        ta.value = mailDrafts[key] || '';
        ta.addEventListener('input', function () { mailDrafts[key] = ta.value; });
        box.appendChild(ta);
        var b = el('button', 'mail-send', T.mailSend);
        b.type = 'button';
        var busy = sendingFor(key);
        b.disabled = busy;
        b.addEventListener('click', function () {
            var text = ta.value.trim();
            if (!text) return;
            var cid = 'm' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
            var f = { type: 'case_reply', text: text, client_id: cid };
            if (target.ticket) f.ticket = target.ticket; else f['case'] = target['case'];
            if (!send(f)) return;
            mailSending[cid] = key;
            mailDrafts[key] = '';
            renderTickets();
            renderChat();
        });
        box.appendChild(b);
        var st = mailByRef[ref], line = el('p', 'mail-state');
        line.setAttribute('role', 'status');
        if (busy) line.textContent = T.mailState.sending;
        else if (st) {
            line.textContent = fmt(T.mailState[st.state], { error: iso(st.error || '') }); /* the server's words: isolated */
            line.classList.add('mail-' + st.state);
        }
        box.appendChild(line);
        if (st && !busy) box.setAttribute('data-mail', st.state);
        return box;
    }
    setInterval(function () {
        if (!queue.length) return;
        var age = (Date.now() - queueAt) / 1000, spans = $('queue-list').querySelectorAll('.wait');
        for (var i = 0; i < spans.length; i++)
            spans[i].textContent = fmtWait((+spans[i].getAttribute('data-waiting')) + age);
    }, 1000);

    /* ---------- routing: department, priority, SLA time left (issue 15) ---------- */
    var PRIOS = ['low', 'normal', 'high', 'urgent'], TARGETS = ['first', 'resolve'];
    /* What a queue or chats item says of its case's routing (docs/protocol.md), checked field
     * by field; at: when the frame came (the SLA countdown starts there). null: nothing. */
    function routingOf(it, at) {
        if (!it || typeof it.priority !== 'string' || PRIOS.indexOf(it.priority) < 0) return null;
        var r = { priority: it.priority, department: null, label: null, fallback: it.fallback === true,
                  left: {}, breached: [], at: at };
        if (typeof it.department === 'string' && it.department) {
            r.department = it.department;
            var ls = it.department_labels;
            r.labels = ls && typeof ls === 'object' ? ls : null;
        }
        var sla = it.sla && typeof it.sla === 'object' ? it.sla : null;
        TARGETS.forEach(function (t) {
            var v = sla ? sla[t + '_left_s'] : null;
            if (typeof v === 'number' && isFinite(v)) r.left[t] = Math.trunc(v);
            if (sla && Array.isArray(sla.breached) && sla.breached.indexOf(t) >= 0) r.breached.push(t);
        });
        return r;
    }
    function deptName(r) {
        var l = r.labels && typeof r.labels[lang] === 'string' ? r.labels[lang] : r.department;
        return l;
    }
    /* The text of a running target with left seconds (negative: late), and whether it is late. */
    function slaText(target, left) {
        return left >= 0 ? fmt(T.slaLeft[target], { t: I.duration(lang, left) })
                         : fmt(T.slaLate[target], { t: I.duration(lang, -left) });
    }
    /* Sets an SLA span from its data: the seconds left when the frame came, minus the time
     * since. */
    function slaUpdate(span) {
        var target = span.getAttribute('data-sla-target');
        var left = (+span.getAttribute('data-sla-left')) - Math.floor((Date.now() - (+span.getAttribute('data-sla-at'))) / 1000);
        span.textContent = slaText(target, left);
        span.classList.toggle('breached', left < 0 || span.getAttribute('data-sla-missed') === '1');
    }
    /* The badges of a routed item: priority, department (fallback), the targets' countdowns. */
    function routingLine(r) {
        var d = el('div', 'routing');
        d.appendChild(el('span', 'prio prio-' + r.priority, T.prio[r.priority]));
        if (r.department) {
            var dep = el('span', 'dept' + (r.fallback ? ' fallback' : ''));
            dep.appendChild(document.createTextNode(fmt(T.deptLabel, { d: '' })));
            dep.appendChild(el('bdi', '', deptName(r)));
            if (r.fallback) dep.title = T.fallbackNote;
            d.appendChild(dep);
        }
        TARGETS.forEach(function (t) {
            var missed = r.breached.indexOf(t) >= 0;
            if (typeof r.left[t] !== 'number') {
                if (missed) d.appendChild(el('span', 'sla breached', T.slaMissed[t]));
                return;
            }
            var s = el('span', 'sla');
            s.setAttribute('data-sla-target', t);
            /* missed in the last second: the server's whole seconds still say 0 */
            s.setAttribute('data-sla-left', String(missed && r.left[t] >= 0 ? -1 : r.left[t]));
            s.setAttribute('data-sla-at', String(r.at));
            s.setAttribute('data-sla-missed', missed ? '1' : '0');
            slaUpdate(s);
            d.appendChild(s);
        });
        return d;
    }
    setInterval(function () {
        var spans = document.querySelectorAll('.routing .sla[data-sla-left]');
        for (var i = 0; i < spans.length; i++) slaUpdate(spans[i]);
    }, 1000);
    /* An `sla_breach` frame: a visible alert (no sound, no notification), until dismissed; at
     * most five are kept, the newest first. */
    function slaAlert(f) {
        if (typeof f.conversation !== 'string' || TARGETS.indexOf(f.target) < 0) return;
        var box = $('sla-alerts');
        var a = el('p', 'sla-alert');
        a.setAttribute('data-conversation', f.conversation);
        a.setAttribute('data-target', f.target);
        var ref = typeof f.case_ref === 'string' ? f.case_ref : '';
        var p = PRIOS.indexOf(f.priority) >= 0 ? T.prio[f.priority] : '';
        a.appendChild(el('span', '', fmt(T.slaAlert, { ref: '\u2068' + ref + '\u2069', what: T.slaMissed[f.target], p: p })));
        var x = el('button', 'small', '×');
        x.type = 'button';
        x.setAttribute('aria-label', T.slaDismiss);
        x.addEventListener('click', function () { if (a.parentNode) a.parentNode.removeChild(a); });
        a.appendChild(x);
        box.insertBefore(a, box.firstChild);
        while (box.children.length > 5) box.removeChild(box.lastChild);
    }

    /* ---------- tabs ---------- */
    function lastVisitorText(c) {
        for (var i = c.msgs.length - 1; i >= 0; i--) if (c.msgs[i].from === 'visitor') return c.msgs[i].text;
        return '';
    }
    function select(id, focus) {
        if (id !== selected) typingStop();
        selected = id;
        if (chats[id]) chats[id].unread = 0;
        /* drop a closed chat once the agent moves on */
        order = order.filter(function (x) {
            if (x !== id && chats[x].closed) { delete chats[x]; return false; }
            return true;
        });
        renderTabs();
        renderChat();
        if (focus) { var t = $('tabs').querySelector('[aria-selected="true"]'); if (t) t.focus(); }
    }
    function renderTabs() {
        var tabs = $('tabs');
        clear(tabs);
        show($('no-chat'), order.length === 0);
        order.forEach(function (id, i) {
            var c = chats[id];
            var b = el('button', 'tab' + (c.closed ? ' closed' : '') + (c.unread ? ' unread' : ''));
            b.type = 'button';
            b.id = 'tab-' + id;
            b.setAttribute('role', 'tab');
            b.setAttribute('data-conversation', id);
            b.setAttribute('aria-selected', id === selected ? 'true' : 'false');
            b.setAttribute('aria-controls', 'chat');
            b.tabIndex = id === selected ? 0 : -1;
            b.appendChild(langBadge(c.lang === 'en' ? 'en' : 'ar'));
            var preview = lastVisitorText(c) || id;
            var t = el('span', 'tab-text', preview.length > 40 ? preview.slice(0, 40) + '…' : preview);
            t.setAttribute('dir', 'auto');
            b.appendChild(t);
            if (c.unread) {
                var ub = el('span', 'badge', I.num(lang, c.unread));
                ub.setAttribute('aria-label', I.plural(lang, 'unread', c.unread));
                b.appendChild(ub);
            }
            if (c.closed) b.appendChild(el('span', 'badge done', '✓'));
            if (c.routing && !c.closed) {
                b.appendChild(routingLine(c.routing));
                if (c.routing.breached.length) b.classList.add('breached');
            }
            b.addEventListener('click', function () { select(id, false); });
            b.addEventListener('keydown', function (ev) {
                var d = 0;
                /* right-to-left: the next tab is on the left */
                var rtl = I.dir[lang] === 'rtl';
                if (ev.key === 'ArrowLeft') d = rtl ? 1 : -1;
                else if (ev.key === 'ArrowRight') d = rtl ? -1 : 1;
                else if (ev.key === 'Home') d = -i;
                else if (ev.key === 'End') d = order.length - 1 - i;
                else return;
                ev.preventDefault();
                var j = (i + d + order.length) % order.length;
                select(order[j], true);
            });
            tabs.appendChild(b);
        });
    }

    /* ---------- transcript ---------- */
    function msgRow(m) {
        var from = m.from === 'visitor' || m.from === 'bot' || m.from === 'agent' || m.from === 'system' ? m.from : 'system';
        var row = el('div', 'msg from-' + from + (m.note ? ' note' : '') + (m.pending ? ' pending' : ''));
        if (typeof m.seq === 'number') row.setAttribute('data-seq', String(m.seq));
        if (typeof m.ts === 'number') row.setAttribute('data-ts', String(m.ts));
        if (m.client_id) row.setAttribute('data-client-id', String(m.client_id));
        var meta = el('div', 'meta');
        var who = from === 'agent' && m.agent && typeof m.agent.name === 'string' && m.agent.name ? m.agent.name : T.from[from];
        var whoEl = el('span', 'who', who);
        if (who !== T.from[from]) whoEl.setAttribute('dir', 'auto'); /* a name: the agent's own */
        meta.appendChild(whoEl);
        if (m.note) meta.appendChild(el('span', 'tag internal', T.note));
        if (m.note && m.transfer && typeof m.transfer === 'object') {
            /* a transfer's reason, kept as a note: who handed the chat to whom */
            row.classList.add('transfer-note');
            meta.appendChild(el('span', 'tag transfer', T.transferNoteTag));
            var ft = m.transfer.from || {}, tt = m.transfer.to || {};
            var ftt = el('span', 'tag fromto', fmt(T.transferNoteFromTo, { from: iso(ft.name || ft.login || ''), to: iso(tt.name || tt.login || '') }));
            meta.appendChild(ftt);
        }
        if (from === 'bot') {
            if (typeof m.kind === 'string') {
                var kt = el('span', 'tag kind', T.kind[m.kind] || m.kind);
                kt.setAttribute('data-kind', m.kind);
                meta.appendChild(kt);
            }
            if (typeof m.kb_id === 'string' && m.kb_id) {
                var kb = el('span', 'tag kb id', m.kb_id);
                kb.setAttribute('dir', 'ltr');
                row.setAttribute('data-kb-id', m.kb_id);
                meta.appendChild(kb);
            }
            if (typeof m.band === 'string' && T.band[m.band]) {
                meta.appendChild(el('span', 'tag band band-' + m.band, T.band[m.band]));
                row.setAttribute('data-band', m.band);
            }
            if (typeof m.intent === 'string' && m.intent) {
                var it2 = el('span', 'tag intent id', m.intent); /* an id, not a word of the interface */
                it2.setAttribute('dir', 'ltr');
                meta.appendChild(it2);
            }
        }
        if (m.pending) meta.appendChild(el('span', 'tag', T.pending));
        meta.appendChild(el('span', 'time', fmtTime(m.ts)));
        row.appendChild(meta);
        var body = el('div', 'text', typeof m.text === 'string' ? m.text : '');
        body.setAttribute('dir', 'auto');
        row.appendChild(body);
        if (validAttachment(m.attachment)) row.appendChild(attachmentView(m.attachment));
        if (Array.isArray(m.suggestions) && m.suggestions.length) {
            var ul = el('ul', 'sugg');
            m.suggestions.forEach(function (s) {
                if (!s) return;
                var li = el('li', null, (s.kb_id ? s.kb_id + ': ' : '') + (s.question || ''));
                li.setAttribute('dir', 'auto');
                ul.appendChild(li);
            });
            row.appendChild(ul);
        }
        return row;
    }
    /* ---------- attachments (docs/api.md "Attachments") ---------- */
    /* only our own attachment URLs are ever linked or loaded */
    function validAttachment(a) {
        return a && typeof a === 'object' && typeof a.url === 'string' &&
            /^\/api\/attachments\/[0-9a-f]{32}$/.test(a.url) && typeof a.type === 'string';
    }
    function attachmentView(a) {
        var name = typeof a.name === 'string' ? a.name : '';
        var link = el('a', a.type.indexOf('image/') === 0 ? 'att att-image' : 'att att-file');
        link.href = a.url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.setAttribute('data-attachment', a.id || '');
        if (a.type.indexOf('image/') === 0) {
            var img = el('img');
            img.src = a.url;
            img.alt = name;
            img.loading = 'lazy';
            link.appendChild(img);
            link.setAttribute('aria-label', T.attach.open + (name ? ': ' + name : ''));
        } else {
            link.setAttribute('download', name);
            link.appendChild(el('span', 'att-icon', 'PDF'));
            var nm = el('span', 'att-name', name || T.attach.pdf);
            nm.setAttribute('dir', 'auto');
            link.appendChild(nm);
            link.appendChild(el('span', 'att-size',
                new Intl.NumberFormat('ar', { maximumFractionDigits: 0 }).format(Math.max(1, Math.round((a.size | 0) / 1024))) + ' ك.ب'));
        }
        return link;
    }
    /* Uploads f to the selected chat (the agent's cookie, ?conversation=), then sends it as a
     * reply or a note with whatever is typed. */
    function attachFile(f) {
        var c = selected && chats[selected];
        if (!c || c.closed) return;
        $('attach').disabled = true;
        showError(T.attach.uploading);
        fetch('/api/attachments?conversation=' + encodeURIComponent(c.id) + '&name=' + encodeURIComponent(f.name || ''), {
            method: 'POST', credentials: 'same-origin', body: f,
            headers: { 'Content-Type': f.type || 'application/octet-stream' }
        }).then(function (r) {
            return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, j: j }; });
        }).then(function (res) {
            if (res.status !== 201 || !validAttachment(res.j)) throw res;
            show($('console-error'), false);
            sendWrite(c, $('reply-text').value.trim(), res.j);
        }).catch(function (res) {
            showError(T.attach[res && res.status] || T.attach.other);
        }).then(function () { $('attach').disabled = false; });
    }
    $('attach').addEventListener('click', function () { $('attach-file').click(); });
    $('attach-file').addEventListener('change', function () {
        var f = this.files && this.files[0];
        this.value = '';
        if (f) attachFile(f);
    });

    function renderChat() {
        var c = selected && chats[selected];
        show($('chat'), !!c);
        if (!c) return;
        $('chat').setAttribute('aria-labelledby', 'tab-' + c.id);
        var title = $('chat-title');
        clear(title);
        var cid = el('span', 'id', c.id); /* an id, not a word of the interface */
        cid.setAttribute('dir', 'ltr');
        title.appendChild(cid);
        if (c.lang) title.appendChild(document.createTextNode(' · ' + (T.langNames[c.lang] || c.lang)));
        var info = $('transfer-info');
        clear(info);
        if (c.transfer && !c.closed) {
            info.appendChild(el('strong', null, fmt(T.transferredFrom, { name: iso(c.transfer.from.name) })));
            var why = el('span', 'why', c.transfer.note !== null ? T.transferReason : T.transferNoReason);
            if (c.transfer.note !== null) {
                var nt = el('q', 'reason', c.transfer.note);
                nt.setAttribute('dir', 'auto');
                why.appendChild(nt);
            }
            info.appendChild(document.createTextNode(' '));
            info.appendChild(why);
        }
        show(info, !!(c.transfer && !c.closed));
        var vl = $('chat-visitor');
        if (!vl) { /* the visitor's profile line, under the title */
            vl = document.createElement('span');
            vl.id = 'chat-visitor';
            vl.className = 'chat-visitor';
            vl.setAttribute('dir', 'auto');
            $('chat-title').insertAdjacentElement('afterend', vl);
        }
        vl.textContent = visitorLine(c);
        show(vl, !!vl.textContent);
        var cr = $('chat-case');
        if (!cr) { /* the case reference, beside the title (Latin letters and digits: ltr) */
            cr = document.createElement('span');
            cr.id = 'chat-case';
            cr.className = 'chat-case';
            $('chat-title').insertAdjacentElement('afterend', cr);
        }
        clear(cr);
        if (c.caseRef) {
            cr.appendChild(document.createTextNode(T.caseRef + ' '));
            var code = el('bdi', 'ref id', c.caseRef); /* an id: data, not a label */
            code.setAttribute('dir', 'ltr');
            cr.appendChild(code);
        }
        show(cr, !!c.caseRef);
        renderChatPast(c);
        var log = $('transcript');
        var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        clear(log);
        c.msgs.forEach(function (m) {
            var row = msgRow(m);
            if (m.from === 'agent' && !m.note && m.seq <= (c.seen || 0)) markSeen(row);
            log.appendChild(row);
        });
        showVisitorTyping();
        Object.keys(c.pending).forEach(function (cid) {
            var p = c.pending[cid];
            log.appendChild(msgRow({ from: 'agent', text: p.text, client_id: cid, pending: true,
                                     note: p.type === 'note', agent: { name: me ? me.name : '' },
                                     attachment: c.pendingAtt && c.pendingAtt[cid] }));
        });
        if (atBottom || log.getAttribute('data-conversation') !== c.id) log.scrollTop = log.scrollHeight;
        log.setAttribute('data-conversation', c.id);
        var closedNote = $('chat-closed');
        closedNote.textContent = !c.closed ? '' : c.resolution === 'transferred' ? T.transferred
            : c.resolution === 'escalated' ? T.escalatedNote
            : T.closed + (T.resolution[c.resolution] || c.resolution);
        $('chat').classList.toggle('transferred', c.closed && c.resolution === 'transferred');
        show(closedNote, c.closed);
        var cm = $('chat-mail');
        if (!cm) { /* a reply by email to the chat's case: for a visitor who has gone */
            cm = el('div', 'chat-mail');
            cm.id = 'chat-mail';
            closedNote.insertAdjacentElement('afterend', cm);
        }
        clear(cm);
        if (c.caseRef) cm.appendChild(mailBox({ 'case': c.caseRef }, 'case:' + c.caseRef, c.caseRef));
        show(cm, !!c.caseRef);
        $('reply-text').disabled = c.closed;
        $('send').disabled = c.closed;
        $('close-chat').disabled = c.closed;
        $('resolution').disabled = c.closed;
        renderAgents();
        $('canned').disabled = c.closed;
        $('attach').disabled = c.closed;
    }

    /* ---------- typing both ways and "seen" receipts (issue 14) ---------- */
    /* A reply the visitor has seen: ✓✓, and the words for screen readers. */
    function markSeen(row) {
        var mark = el('span', 'seen');
        mark.title = tt('seen');
        var ticks = el('span', null, '✓✓');
        ticks.setAttribute('aria-hidden', 'true');
        mark.appendChild(ticks);
        mark.appendChild(el('span', 'sr-only', tt('seen')));
        row.classList.add('is-seen');
        row.querySelector('.meta').appendChild(mark);
    }
    var visitorTypingEl = el('p', 'visitor-typing');
    visitorTypingEl.id = 'visitor-typing';
    visitorTypingEl.setAttribute('role', 'status');
    visitorTypingEl.setAttribute('aria-live', 'polite');
    visitorTypingEl.hidden = true;
    $('chat').insertBefore(visitorTypingEl, $('chat-closed'));
    function showVisitorTyping() {
        var c = selected && chats[selected], on = !!(c && c.typing && !c.closed);
        visitorTypingEl.textContent = on ? tt('visitorTyping') : '';
        visitorTypingEl.hidden = !on;
    }
    function visitorTyping(c, on) {
        clearTimeout(c.typingTimer);
        c.typing = on;
        if (on) c.typingTimer = setTimeout(function () { visitorTyping(c, false); }, VISITOR_TYPING_MAX);
        if (c.id === selected) showVisitorTyping();
    }
    var typingConv = null, typingAt = 0, typingIdle = null;
    function typingInput() {
        var c = selected && chats[selected];
        if (!c || c.closed || mode() !== 'reply' || !$('reply-text').value.trim()) { typingStop(); return; }
        if (typingConv && typingConv !== c.id) typingStop();
        clearTimeout(typingIdle);
        var now = Date.now();
        if (typingConv !== c.id || now - typingAt >= TYPING_EVERY) {
            if (send({ type: 'typing', conversation: c.id, on: true })) { typingConv = c.id; typingAt = now; }
        }
        typingIdle = setTimeout(typingStop, TYPING_IDLE);
    }
    function typingStop() {
        clearTimeout(typingIdle);
        if (!typingConv) return;
        var c = chats[typingConv];
        if (c && !c.closed) send({ type: 'typing', conversation: typingConv, on: false });
        typingConv = null;
    }
    $('reply-text').addEventListener('input', typingInput);
    $('reply-text').addEventListener('blur', function () { typingStop(); });

    /* ---------- composer ---------- */
    function mode() { return $('mode-note').checked ? 'note' : 'reply'; }
    function syncMode() {
        var n = mode() === 'note';
        if (n) typingStop();
        $('composer').classList.toggle('note-mode', n);
        $('send').textContent = n ? T.saveNote : T.send;
        $('reply-text').placeholder = n ? T.notePh : T.replyPh;
    }
    $('mode-reply').addEventListener('change', syncMode);
    $('mode-note').addEventListener('change', syncMode);
    function submit() {
        var c = selected && chats[selected];
        var text = $('reply-text').value.trim();
        if (!c || c.closed || !text) return;
        typingStop();
        sendWrite(c, text, null);
    }
    /* A reply or note (with an uploaded attachment, or null), kept pending until acked. */
    function sendWrite(c, text, att) {
        counter++;
        var cid = ('c' + Date.now().toString(36) + '-' + counter + '-' + Math.random().toString(36).slice(2, 8)).slice(0, 64);
        var f = { type: mode(), conversation: c.id, text: text, client_id: cid };
        if (att) {
            f.attachment = att.id;
            (c.pendingAtt = c.pendingAtt || {})[cid] = att;
        }
        c.pending[cid] = f;
        send(f); /* when offline it is sent after the reconnect (transcript) */
        $('reply-text').value = '';
        renderChat();
    }
    $('composer').addEventListener('submit', function (ev) { ev.preventDefault(); submit(); });
    $('reply-text').addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submit(); }
    });
    $('close-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var c = selected && chats[selected];
        if (!c || c.closed) return;
        send({ type: 'close', conversation: c.id, resolution: $('resolution').value });
    });

    /* ---------- transfer ---------- */
    var transferring = null; /* conversation of the transfer awaiting its answer */
    $('transfer-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var c = selected && chats[selected], to = $('transfer-to').value, note = $('transfer-note').value.trim();
        if (!c || c.closed) return;
        if (!to) { showError(T.transferPick); return; }
        var dept = to.indexOf('dept:') === 0 ? to.slice(5) : null; /* a department's queue (issue 15) */
        var f = dept ? { type: 'transfer', conversation: c.id, department: dept } : { type: 'transfer', conversation: c.id, to: to };
        if (note) f.note = note;
        if (send(f)) {
            transferring = { conv: c.id, to: dept ? deptLabel(deptById(dept) || { id: dept }) : to };
            $('transfer-note').value = '';
        }
    });

    /* ---------- canned responses: /shortcut + Tab, or the select ---------- */
    var canned = {}; /* shortcut -> {ar: text, en: text} */
    function setCanned(items) {
        canned = {};
        items.forEach(function (it) {
            if (!it || typeof it.shortcut !== 'string' || typeof it.text !== 'string') return;
            if (it.lang !== 'ar' && it.lang !== 'en') return;
            (canned[it.shortcut] = canned[it.shortcut] || {})[it.lang] = it.text;
        });
        var sel = $('canned');
        while (sel.options.length > 1) sel.remove(1);
        Object.keys(canned).sort().forEach(function (k) {
            var o = document.createElement('option');
            o.value = k;
            o.textContent = '/' + k; /* text only */
            o.className = 'id'; /* a shortcut is an id, not a word of the interface */
            sel.appendChild(o);
        });
    }
    function cannedText(shortcut) {
        var e = Object.prototype.hasOwnProperty.call(canned, shortcut) ? canned[shortcut] : null;
        if (!e) return null;
        var c = selected && chats[selected];
        var lang = c && c.lang === 'en' ? 'en' : 'ar';
        return e[lang] || e[lang === 'ar' ? 'en' : 'ar'] || null;
    }
    function insertText(ta, start, end, text) {
        ta.value = ta.value.slice(0, start) + text + ta.value.slice(end);
        var at = start + text.length;
        ta.setSelectionRange(at, at);
    }
    $('reply-text').addEventListener('keydown', function (ev) {
        if (ev.key !== 'Tab' || ev.shiftKey || ev.isComposing) return;
        var ta = ev.target, end = ta.selectionStart;
        if (end !== ta.selectionEnd) return;
        var m = /(^|\s)\/([a-z0-9_-]{1,32})$/.exec(ta.value.slice(0, end));
        if (!m) return;
        var text = cannedText(m[2]);
        if (text === null) return;
        ev.preventDefault();
        insertText(ta, end - m[2].length - 1, end, text);
    });
    $('canned').addEventListener('change', function (ev) {
        var text = cannedText(ev.target.value), ta = $('reply-text');
        ev.target.value = '';
        if (text === null || ta.disabled) return;
        insertText(ta, ta.selectionStart, ta.selectionEnd, text);
        ta.focus();
    });

    /* ---------- the transfer picker: the other online agents with their load ---------- */
    function renderAgents() {
        var sel = $('transfer-to'), keep = sel.value, c = selected && chats[selected];
        clear(sel);
        var others = agents.filter(function (a) { return (!me || a.login !== me.login) && a.status === 'online'; });
        var free = 0;
        others.forEach(function (a) {
            var cap = typeof a.capacity === 'number' ? a.capacity : capacity, n = a.chats | 0;
            var isFull = n >= cap;
            var load = fmt(T.loadOf, { chats: n, capacity: cap }) + (isFull ? ' · ' + T.full : '');
            var o = el('option', null, fmt(T.agentLoad, { name: iso(a.name || a.login), load: load }));
            o.value = a.login;
            o.disabled = isFull;
            o.setAttribute('data-chats', String(n));
            o.setAttribute('data-capacity', String(cap));
            if (!isFull) free++;
            sel.appendChild(o);
        });
        var depts = transferDeptOptions(sel);
        free += depts;
        if (!others.length && !depts) {
            var none = el('option', null, T.transferNone);
            none.value = '';
            none.disabled = true;
            sel.appendChild(none);
        }
        /* the choice made before the list changed stays when it is still possible */
        var opts = sel.options, pick = '';
        for (var i = 0; i < opts.length; i++) {
            if (opts[i].disabled) continue;
            if (opts[i].value === keep) { pick = keep; break; }
            if (!pick) pick = opts[i].value;
        }
        sel.value = pick;
        var off = !c || c.closed || !free;
        sel.disabled = !c || c.closed || (!others.length && !depts);
        $('transfer').disabled = off;
        $('transfer-note').disabled = off;
        renderEscalate();
    }

    /* ---------- escalation and transfer to a department (issue 15) ---------- */
    var departments = []; /* the agents frame's: {id, labels {ar, en}, online, escalation} */
    var escalating = null; /* conversation of the escalation awaiting its answer */
    function setDepartments(list) {
        departments = Array.isArray(list) ? list.filter(function (d) { return d && typeof d.id === 'string'; }) : [];
    }
    function deptById(id) {
        for (var i = 0; i < departments.length; i++) if (departments[i].id === id) return departments[i];
        return null;
    }
    /* a department id as its label when the agents frame named it, else the id */
    function deptText(id) {
        var d = typeof id === 'string' ? deptById(id) : null;
        return d ? deptLabel(d) : (typeof id === 'string' ? id : '');
    }
    function deptLabel(d) {
        return d.labels && typeof d.labels[lang] === 'string' ? d.labels[lang] : d.id;
    }
    function deptOption(d, value) {
        var o = el('option', null, fmt(T.deptOnline, { name: deptLabel(d), online: I.plural(lang, 'online', d.online | 0) }));
        o.value = value;
        o.setAttribute('data-online', String(d.online | 0));
        return o;
    }
    function setCaseTier(id, dept, tier) {
        if (!chats[id]) return;
        chats[id].department = typeof dept === 'string' ? dept : null;
        chats[id].tier = typeof tier === 'number' && tier >= 1 ? Math.floor(tier) : 1;
    }
    /* The transfer picker's second group: every department, with how many of its agents are
     * online (a transfer there puts the chat back in the queue for it). Returns how many. */
    function transferDeptOptions(sel) {
        if (!departments.length) return 0;
        var g = document.createElement('optgroup');
        g.label = T.deptGroup;
        departments.forEach(function (d) { g.appendChild(deptOption(d, 'dept:' + d.id)); });
        sel.appendChild(g);
        return departments.length;
    }
    /* The escalate form: the departments but the chat's own, pre-set to the escalation map's
     * second line of the chat's department (else the server's default); the note is required. */
    function renderEscalate() {
        var form = $('escalate-form'), sel = $('escalate-to'), c = selected && chats[selected];
        show(form, departments.length > 0);
        /* the agent's own choice for this chat stays; else the map's, as the chat's case has it */
        var keep = c && sel.getAttribute('data-chosen') === c.id ? sel.value : null;
        clear(sel);
        var def = el('option', null, T.escalateDefault);
        def.value = '';
        sel.appendChild(def);
        departments.forEach(function (d) {
            if (!c || c.department !== d.id) sel.appendChild(deptOption(d, d.id));
        });
        var cur = c && deptById(c.department);
        var want = keep !== null ? keep : cur && cur.escalation ? cur.escalation : '';
        sel.value = want;
        if (sel.value !== want) sel.value = '';
        var off = !c || c.closed || (c.tier || 1) >= 3;
        sel.disabled = off;
        $('escalate-note').disabled = off;
        $('escalate').disabled = off;
        var t = $('chat-tier');
        if (!t && $('chat-case')) {
            t = document.createElement('span');
            t.id = 'chat-tier';
            t.className = 'chat-tier';
            $('chat-case').insertAdjacentElement('afterend', t);
        }
        if (t) {
            t.textContent = c && (c.tier || 1) > 1 ? fmt(T.tierOf, { tier: c.tier }) : '';
            show(t, !!t.textContent);
        }
    }
    $('escalate-to').addEventListener('change', function (ev) {
        var c = selected && chats[selected];
        ev.target.setAttribute('data-chosen', c ? c.id : '');
    });
    $('escalate-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var c = selected && chats[selected], note = $('escalate-note').value.trim(), to = $('escalate-to').value;
        if (!c || c.closed) return;
        if (!note) { showError(T.escalateNeedsNote); $('escalate-note').focus(); return; }
        var f = { type: 'escalate', conversation: c.id, note: note };
        if (to) f.department = to;
        if (send(f)) {
            escalating = { conv: c.id };
            $('escalate-note').value = '';
        }
    });

    /* ---------- who I am: display name and avatar (initials on a colour of the login) ---------- */
    function initials(name) {
        var words = String(name || '').trim().split(/\s+/).filter(Boolean);
        var first = words.length ? Array.from(words[0])[0] : '?';
        var second = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
        return (first + second).toUpperCase();
    }
    function hue(login) {
        var h = 0;
        for (var i = 0; i < login.length; i++) h = (h * 31 + login.charCodeAt(i)) % 360;
        return h;
    }
    function setMe(u) {
        me = u;
        var name = u.name || u.login;
        $('me').textContent = name;
        var av = $('avatar');
        av.textContent = initials(name);
        av.style.backgroundColor = 'hsl(' + hue(String(u.login || '')) + ', 55%, 38%)';
        av.setAttribute('data-login', String(u.login || ''));
        renderAgents();
    }
    var nameKey = null;
    function nameStatus(key, bad) {
        var st = $('name-status'), text = key ? T[key] : '';
        nameKey = key ? [key, bad] : null;
        st.textContent = text;
        st.className = 'name-status' + (bad ? ' error' : '');
        show(st, !!text);
        clearTimeout(nameStatus.t);
        if (text && !bad) nameStatus.t = setTimeout(function () { nameStatus(''); }, 5000);
    }
    function openName(on) {
        show($('name-form'), on);
        show($('edit-name'), !on);
        if (on) {
            $('name-input').value = me ? me.name || '' : '';
            $('name-input').focus();
        } else {
            $('edit-name').focus();
        }
    }
    $('edit-name').addEventListener('click', function () { nameStatus(''); openName(true); });
    $('name-cancel').addEventListener('click', function () { openName(false); });
    $('name-form').addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape') { ev.preventDefault(); ev.stopPropagation(); openName(false); }
    });
    $('name-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var name = $('name-input').value.trim(), btn = $('name-save');
        /* the server decides (1..64 characters, no control characters); this only saves a trip */
        if (!name || Array.from(name).length > 64) { nameStatus('nameInvalid', true); return; }
        btn.disabled = true;
        api('PATCH', '/api/me', { name: name }).then(function (r) {
            btn.disabled = false;
            if (r.status === 200 && r.body) {
                setMe({ login: r.body.login, name: r.body.name, role: r.body.role });
                openName(false);
                nameStatus('nameSaved', false);
            } else if (r.status === 401) {
                showLogin();
            } else {
                nameStatus(r.status === 400 ? 'nameInvalid' : 'nameFailed', true);
            }
        }, function () { btn.disabled = false; nameStatus('nameFailed', true); });
    });

    /* ---------- desktop notifications: asked once, on a gesture; only while the tab is not seen ---------- */
    function N() { return typeof window.Notification === 'function' ? window.Notification : null; }
    function renderNotify() {
        var n = N(), b = $('notify'), st = $('notify-state');
        var perm = n ? n.permission : 'unsupported';
        show(b, perm === 'default');
        st.textContent = perm === 'granted' ? T.notifyGranted : perm === 'denied' ? T.notifyDenied
            : perm === 'unsupported' ? T.notifyUnsupported : '';
        st.setAttribute('data-permission', perm);
        show(st, perm !== 'default');
    }
    function askNotify(force) {
        var n = N();
        if (!n || n.permission !== 'default') return;
        if (!force && store(NOTIFY_KEY) === 'asked') return; /* asked once: the button remains */
        store(NOTIFY_KEY, 'asked');
        try {
            var p = n.requestPermission(renderNotify);
            if (p && typeof p.then === 'function') p.then(renderNotify, renderNotify);
        } catch (e) { renderNotify(); }
    }
    $('notify').addEventListener('click', function () { askNotify(true); });
    /* a choice made in the browser's own settings (or by WebDriver) shows at once */
    try {
        if (navigator.permissions && navigator.permissions.query)
            navigator.permissions.query({ name: 'notifications' }).then(function (st) {
                st.onchange = renderNotify;
            }, function () { /* not queryable: the next render shows it */ });
    } catch (e) { /* idem */ }
    document.addEventListener('visibilitychange', renderNotify);
    var notes = {}; /* conversation -> its open notification (one each: a new one replaces it) */
    function notify(title, body, conv) {
        var n = N();
        if (!n || n.permission !== 'granted') return;
        if (!document.hidden && document.hasFocus()) return; /* the agent sees the page: the beep is enough */
        try {
            if (notes[conv]) notes[conv].close();
            var note = new n(title, { body: String(body || '').slice(0, 200), tag: 'sanad-' + conv, lang: lang,
                                       dir: I.dir[lang] });
            notes[conv] = note;
            note.onclick = function () {
                window.focus();
                if (chats[conv]) select(conv, false);
                note.close();
            };
            note.onclose = function () { if (notes[conv] === note) delete notes[conv]; };
        } catch (e) { /* a browser that only notifies from a service worker: the beep stays */ }
    }

    /* ---------- keyboard shortcuts and their help panel ---------- */
    var helpReturn = null;
    function openHelp() {
        if (!$('help').hidden) return;
        helpReturn = document.activeElement;
        show($('help'), true);
        $('help-close').focus();
    }
    function closeHelp() {
        if ($('help').hidden) return;
        show($('help'), false);
        var r = helpReturn && document.contains(helpReturn) ? helpReturn : $('help-open');
        helpReturn = null;
        r.focus();
    }
    $('help-open').addEventListener('click', openHelp);
    $('help-close').addEventListener('click', closeHelp);
    $('help').addEventListener('click', function (ev) { if (ev.target === $('help')) closeHelp(); });
    function typing(t) {
        return t && (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable ||
                     (t.tagName === 'INPUT' && !/^(radio|checkbox|button|submit)$/.test(t.type)));
    }
    function step(d) {
        if (!order.length) return;
        var i = order.indexOf(selected);
        select(order[(i + d + order.length) % order.length], true);
    }
    function takeOldest() {
        /* the queue is FIFO: its first item has waited longest */
        for (var i = 0; i < queue.length; i++)
            if (queue[i] && typeof queue[i].conversation === 'string') { send({ type: 'take', conversation: queue[i].conversation }); return; }
    }
    document.addEventListener('keydown', function (ev) {
        if ($('console').hidden) return;
        if (!$('help').hidden) {
            if (ev.key === 'Escape') { ev.preventDefault(); closeHelp(); }
            else if (ev.key === 'Tab') { ev.preventDefault(); $('help-close').focus(); } /* the focus stays in the panel */
            return;
        }
        if (ev.isComposing) return;
        if (ev.key === '?' && !ev.ctrlKey && !ev.altKey && !ev.metaKey && !typing(ev.target)) {
            ev.preventDefault();
            openHelp();
        } else if (ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
            ev.preventDefault();
            step(ev.key === 'ArrowDown' ? 1 : -1);
        } else if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyN') {
            /* reply <-> internal note, then straight into the box */
            ev.preventDefault();
            var toNote = mode() !== 'note';
            $(toNote ? 'mode-note' : 'mode-reply').checked = true;
            syncMode();
            if (!$('reply-text').disabled && !$('chat').hidden) $('reply-text').focus();
        } else if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyT') {
            ev.preventDefault();
            takeOldest();
        }
    });
    $('reply-text').addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !ev.isComposing) { ev.preventDefault(); submit(); }
    });

    /* ---------- cases (issue 15): search, the case view with its timeline, past conversations ----------
     * GET /api/cases (the search, newest first, paged by "next") and GET /api/cases/{ref} (one case:
     * its timeline, its transcript, the visitor's other cases). What the server sent is kept, so a
     * switch of language renders it again in words of the other language. */
    var cs = { open: false, items: [], next: null, query: '', view: null, loading: false, errKey: null, gen: 0, vgen: 0 };
    function caseDate(ts) { return typeof ts === 'number' ? I.dateTime(lang, ts) : T.csNone; }
    function refEl(ref) {
        var r = el('bdi', 'ref id', ref); /* an id: Latin letters and digits, left to right */
        r.setAttribute('dir', 'ltr');
        return r;
    }
    function statusTag(s) {
        var t = el('span', 'tag case-status status-' + s, (T.caseStatus && T.caseStatus[s]) || s);
        t.setAttribute('data-status', s);
        return t;
    }
    /* who did it, in words: the system, the visitor, or the agent's login */
    function actorWords(a) {
        if (typeof a !== 'string') return '';
        if (a.slice(0, 6) === 'agent:') return a.slice(6);
        return T.actor[a] || a;
    }
    /* what happened, in words of the console's language; an event kind this console does not
     * know yet (a newer server) is named by its kind */
    function eventWords(ev) {
        var d = ev.detail && typeof ev.detail === 'object' ? ev.detail : {}, E = T.ev, k = ev.kind, s;
        switch (k) {
        case 'handoff': s = fmt(E.handoff, { reason: T.handoffReason[d.reason] || d.reason || T.csNone }); break;
        case 'assigned': s = fmt(E.assigned, { name: iso(d.name || d.agent || ''), by: T.assignedBy[d.by] || d.by || '' }); break;
        case 'transferred':
            s = typeof d.to_department === 'string'
                ? fmt(E.transferred_dept, { to: iso(deptText(d.to_department)) })
                : fmt(E.transferred, { from: iso(d.from || ''), to: iso(d.to || '') });
            if (typeof d.note === 'string' && d.note) s += ' — ' + fmt(E.note_text, { note: iso(d.note) });
            break;
        case 'escalated':
            s = fmt(E.escalated_to, { to: iso(deptText(d.to)), tier: I.num(lang, typeof d.tier === 'number' ? d.tier : 2) });
            if (typeof d.note === 'string' && d.note) s += ' — ' + fmt(E.note_text, { note: iso(d.note) });
            break;
        case 'sla_breached': s = d.target === 'resolve' ? E.sla_resolve : E.sla_first; break;
        case 'email_failed':
            s = E.email_failed;
            if (typeof d.error === 'string' && d.error) s += ' — ' + iso(d.error);
            break;
        case 'left': s = ev.actor === 'system' ? E.left_system : E.left; break;
        case 'solved': case 'closed':
            s = fmt(E[k], { resolution: T.resolution[d.resolution] || d.resolution || T.csNone }); break;
        case 'csat':
            s = fmt(E.csat, { rating: typeof d.rating === 'number' ? d.rating : 0, max: 5 });
            if (typeof d.comment === 'string' && d.comment) s += ' — ' + fmt(E.comment, { comment: iso(d.comment) });
            break;
        default: s = typeof E[k] === 'string' && k !== 'other' && k !== 'note_text' && k !== 'comment' ? E[k] : fmt(E.other, { kind: k });
        }
        return s;
    }
    function casesError(key) {
        cs.errKey = key;
        $('cases-error').textContent = key ? T[key] : '';
        show($('cases-error'), !!key);
    }
    /* the search form as a query string ("" for no condition); null (and the error shown) when
     * the dates are the wrong way round */
    function casesQuery() {
        var p = [], add = function (k, v) { if (v) p.push(k + '=' + encodeURIComponent(v)); };
        add('ref', $('cs-ref').value.trim());
        add('q', $('cs-q').value.trim());
        add('department', $('cs-dept').value.trim());
        add('assignee', $('cs-assignee').value.trim());
        var st = [], boxes = document.querySelectorAll('#cs-status input[name="status"]');
        for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) st.push(boxes[i].value);
        add('status', st.join(','));
        /* a date field is a local day: from its first millisecond to its last */
        var day = function (v, end) {
            var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v || '');
            return m ? new Date(+m[1], +m[2] - 1, +m[3] + (end ? 1 : 0)).getTime() - (end ? 1 : 0) : 0;
        };
        var from = day($('cs-from').value, false), to = day($('cs-to').value, true);
        if (from && to && from > to) { casesError('csDates'); return null; }
        if (from) add('from', String(from));
        if (to) add('to', String(to));
        return p.join('&');
    }
    function casesLoad(more) {
        var q = more ? cs.query : casesQuery();
        if (q === null) return;
        casesError(null);
        var gen = ++cs.gen;
        cs.loading = true;
        if (!more) { cs.query = q; cs.items = []; cs.next = null; }
        renderCaseList();
        var args = q + (more && cs.next !== null ? (q ? '&' : '') + 'before=' + cs.next : '');
        var path = '/api/cases' + (args ? '?' + args : ''); /* no bare "?": an empty query is no argument */
        api('GET', path).then(function (r) {
            if (gen !== cs.gen) return; /* a newer search was started */
            cs.loading = false;
            if (r.status === 401) { showLogin(); return; }
            if (r.status === 200 && r.body && Array.isArray(r.body.items)) {
                cs.items = cs.items.concat(r.body.items);
                cs.next = typeof r.body.next === 'number' ? r.body.next : null;
            } else casesError(r.status === 400 ? 'csBad' : 'csFailed');
            renderCaseList();
        }, function () {
            if (gen !== cs.gen) return;
            cs.loading = false;
            casesError('csFailed');
            renderCaseList();
        });
    }
    function caseItem(it, cls) {
        var li = el('li', cls);
        var b = el('button', 'case-item');
        b.type = 'button';
        b.setAttribute('data-ref', it.ref);
        var head = el('span', 'ci-head');
        head.appendChild(refEl(it.ref));
        head.appendChild(statusTag(it.status));
        head.appendChild(el('span', 'ci-date', caseDate(it.created)));
        b.appendChild(head);
        if ('assignee' in it) {
            var who = el('span', 'ci-who', it.assignee || T.csUnassigned);
            if (it.assignee) who.setAttribute('dir', 'ltr');
            b.appendChild(who);
        }
        var sum = el('span', 'ci-summary', it.summary || T.csNoSummary);
        sum.setAttribute('dir', 'auto');
        b.appendChild(sum);
        b.addEventListener('click', function () { openCase(it.ref); });
        li.appendChild(b);
        return li;
    }
    function renderCaseList() {
        var list = $('cases-list');
        clear(list);
        cs.items.forEach(function (it) {
            var li = caseItem(it, 'case-row');
            if (cs.view && cs.view.ref === it.ref) li.classList.add('current');
            list.appendChild(li);
        });
        /* a text search looks at a window of cases per request: an empty page may have a next */
        $('cases-status').textContent = cs.loading ? T.csLoading : cs.items.length || cs.errKey ? ''
            : cs.next !== null ? T.csKeepLooking : T.csEmpty;
        show($('cases-more'), !cs.loading && cs.next !== null);
    }
    function openCase(ref) {
        showCases(true);
        var gen = ++cs.vgen;
        api('GET', '/api/cases/' + encodeURIComponent(ref)).then(function (r) {
            if (gen !== cs.vgen) return; /* another case was opened since */
            if (r.status === 401) { showLogin(); return; }
            if (r.status === 200 && r.body && r.body.ref) {
                casesError(null);
                cs.view = r.body;
            } else casesError(r.status === 404 ? 'csNotFound' : r.status === 400 ? 'csBad' : 'csFailed');
            renderCaseView();
            renderCaseList();
            if (cs.view && r.status === 200) $('cv-title').focus();
        }, function () { if (gen === cs.vgen) casesError('csFailed'); });
    }
    function renderCaseView() {
        var v = cs.view;
        show($('case-view'), !!v);
        if (!v) return;
        var t = $('cv-title');
        clear(t);
        t.tabIndex = -1;
        t.appendChild(document.createTextNode(T.caseRef + ' '));
        t.appendChild(refEl(v.ref));
        t.appendChild(document.createTextNode(' '));
        t.appendChild(statusTag(v.status));
        $('case-view').setAttribute('data-ref', v.ref);
        $('cv-summary').textContent = v.summary || '';
        var facts = $('cv-facts');
        clear(facts);
        [['status', (T.caseStatus[v.status] || v.status)], ['priority', T.priority[v.priority] || v.priority],
         ['department', v.department || T.csNone], ['assignee', v.assignee || T.csUnassigned],
         ['created', caseDate(v.created)], ['updated', caseDate(v.updated)],
         ['first_response_at', caseDate(v.first_response_at)], ['solved_at', caseDate(v.solved_at)]].forEach(function (f) {
            var d = el('div', 'fact fact-' + f[0]);
            d.appendChild(el('dt', null, T.cvFacts[f[0]]));
            d.appendChild(el('dd', null, f[1]));
            facts.appendChild(d);
        });
        var lm = v.left_message && typeof v.left_message.text === 'string' ? v.left_message : null;
        show($('cv-left'), !!lm); /* a left message is not in the transcript: shown whole here */
        $('cv-left-text').textContent = lm ? lm.text : '';
        $('cv-left-meta').textContent = lm ? fmt(T.cvLeftMeta, { date: caseDate(lm.created), email: lm.email ? iso(lm.email) : T.noEmail }) : '';
        var tl = $('cv-timeline');
        clear(tl);
        (v.events || []).forEach(function (ev) {
            var li = el('li', 'ev');
            li.setAttribute('data-kind', ev.kind);
            var when = el('time', 'ev-when', caseDate(ev.ts));
            if (typeof ev.ts === 'number') when.setAttribute('datetime', new Date(ev.ts).toISOString());
            li.appendChild(when);
            var who = el('span', 'ev-who', actorWords(ev.actor));
            who.setAttribute('dir', 'auto');
            li.appendChild(who);
            li.appendChild(el('span', 'ev-what', eventWords(ev)));
            tl.appendChild(li);
        });
        renderPastList($('cv-past'), $('cv-no-past'), v.past || []);
        var log = $('cv-transcript');
        clear(log);
        (v.transcript || []).forEach(function (m) { log.appendChild(msgRow(m)); });
    }
    function renderPastList(list, none, past) {
        clear(list);
        past.forEach(function (p) { list.appendChild(caseItem(p, 'past-row')); });
        show(none, !past.length);
    }
    function showCases(on) {
        cs.open = on;
        show($('cases'), on);
        document.querySelector('.chats').hidden = on;
        var b = $('cases-open');
        b.textContent = on ? T.casesClose : T.casesOpen;
        b.setAttribute('aria-expanded', on ? 'true' : 'false');
        if (on && !cs.items.length && !cs.loading && cs.gen === 0) casesLoad(false);
    }
    function renderCases() {
        showCases(cs.open);
        if (cs.errKey) casesError(cs.errKey);
        renderCaseList();
        renderCaseView();
        renderChatPast(selected && chats[selected]);
    }
    /* Beside an open chat: the visitor's other cases, from its case's view (fetched once per
     * case reference; a chat has its case from the handoff on). */
    function renderChatPast(c) {
        var box = $('chat-past');
        if (!c || !c.caseRef) { show(box, false); return; }
        if (c.pastFor !== c.caseRef) {
            c.pastFor = c.caseRef;
            c.past = null;
            var ref = c.caseRef;
            api('GET', '/api/cases/' + encodeURIComponent(ref)).then(function (r) {
                if (c.pastFor !== ref) return;
                c.past = r.status === 200 && r.body && Array.isArray(r.body.past) ? r.body.past : [];
                if (selected === c.id) renderChatPast(c);
            }, function () { c.pastFor = null; });
        }
        show(box, !!c.past);
        if (c.past) renderPastList($('chat-past-list'), $('chat-past-none'), c.past);
    }
    $('cases-open').addEventListener('click', function () { showCases(!cs.open); });
    $('cases-form').addEventListener('submit', function (ev) { ev.preventDefault(); cs.view = null; renderCaseView(); casesLoad(false); });
    $('cases-more').addEventListener('click', function () { casesLoad(true); });
    $('cv-close').addEventListener('click', function () { cs.view = null; renderCaseView(); renderCaseList(); });

    /* ---------- language switch ---------- */
    function rerender() {
        setPresence(status);
        if (connKey) setConn(connKey, $('conn').className.replace(/^conn\s*/, ''));
        $('routing').textContent = T.routing[routing];
        syncMode();
        renderNotify();
        renderQueue();
        renderTickets();
        renderTabs();
        renderChat();
        renderAgents();
        if (nameKey) nameStatus(nameKey[0], nameKey[1]);
        renderCases();
        if (!$('login-error').hidden) loginError(''); /* its text was in the other language */
    }
    ['lang', 'login-lang'].forEach(function (id) {
        $(id).addEventListener('click', function () {
            setLang(this.getAttribute('data-lang'));
            this.focus();
        });
    });

    /* ---------- start: skip the login page while the cookie is valid ---------- */
    applyLang();
    renderNotify();
    renderAgents();
    syncMode();
    api('GET', '/api/me').then(function (r) {
        if (r.status === 200 && isAgent(r.body)) startConsole(r.body); else showLogin();
    }, showLogin);
}());
