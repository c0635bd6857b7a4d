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
    var TITLE = document.title;

    var T = {
        from: { visitor: 'الزائر', bot: 'روبوت', system: 'النظام', agent: 'موظف' },
        note: 'ملاحظة داخلية',
        online: 'متاح', away: 'غير متاح', offline: 'غير متصل',
        connecting: 'جارٍ الاتصال…', connected: 'متصل', reconnecting: 'انقطع الاتصال؛ إعادة المحاولة…',
        replaced: 'فُتحت اللوحة في نافذة أخرى؛ هذه النافذة لم تعد متصلة.',
        take: 'استلام', waiting: 'ينتظر منذ', noQuestion: '(لا سؤال بعد)', noEmail: 'بلا بريد',
        routing: { auto: 'التوزيع تلقائي: تُسند إليك المحادثات وأنت متاح.', pick: 'التوزيع يدوي: استلم المحادثة من القائمة.' },
        transferred: 'حُوّلت المحادثة إلى موظف آخر.', transferFailed: 'تعذر التحويل: ',
        transferTo: 'أدخل اسم مستخدم الموظف.',
        newChat: '● محادثة جديدة', pending: 'قيد الإرسال', closed: 'أُغلقت المحادثة: ',
        band: { high: 'ثقة عالية', medium: 'ثقة متوسطة', low: 'ثقة منخفضة' },
        login: {
            unauthorized: 'اسم المستخدم أو كلمة المرور غير صحيحة.',
            rate_limited: 'محاولات كثيرة فاشلة؛ حاول بعد ',
            role: 'هذا الحساب ليس حساب موظف.',
            missing: 'أدخل اسم المستخدم وكلمة المرور.',
            network: 'تعذر الاتصال بالخادم.'
        },
        errors: {
            at_capacity: 'وصلت إلى الحد الأقصى من المحادثات.',
            not_found: 'المحادثة لم تعد متاحة.',
            too_long: 'الرسالة طويلة جدًا.', empty: 'الرسالة فارغة.',
            rate_limited: 'رسائل كثيرة بسرعة؛ انتظر لحظة.', internal: 'خطأ مؤقت في الخادم؛ أعد المحاولة.'
        }
    };

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
    function fmtWait(s) {
        s = Math.max(0, Math.floor(s));
        var m = Math.floor(s / 60), r = s % 60;
        return m + ':' + (r < 10 ? '0' : '') + r;
    }
    function fmtTime(ts) {
        if (typeof ts !== 'number') return '';
        var d = new Date(ts);
        return (d.getHours() < 10 ? '0' : '') + d.getHours() + ':' + (d.getMinutes() < 10 ? '0' : '') + d.getMinutes();
    }

    /* ---------- state ---------- */
    var me = null;                 /* {login, name, role} */
    var ws = null, wsGen = 0, backoff = 0, retryTimer = null, pingTimer = null, stopped = true;
    var routing = 'auto', status = 'offline';
    var queue = [], queueAt = 0;   /* last snapshot and when it came */
    var chats = {};                /* conversation -> {id, lang, msgs: [], closed, resolution, unread, pending: {cid: frame}} */
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
        document.title = TITLE;
        $('login-name').focus();
    }
    function isAgent(u) { return u && (u.role === 'agent' || u.role === 'admin'); }

    $('login-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        unlockAudio();
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
                loginError(T.login.rate_limited + (r.retry || '?') + ' ث.');
            } else if (r.status === 401) {
                loginError(T.login.unauthorized);
            } else {
                loginError((r.body && r.body.error && r.body.error.message) || ('HTTP ' + r.status));
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
        me = user;
        $('me').textContent = user.name || user.login;
        show($('login'), false);
        show($('console'), true);
        stopped = false;
        backoff = 0;
        connect();
    }
    function setConn(text, cls) {
        var c = $('conn');
        c.textContent = text;
        c.className = 'conn ' + (cls || '');
    }
    function connect() {
        if (stopped) return;
        clearTimeout(retryTimer);
        show($('reconnect'), false);
        setConn(T.connecting, 'connecting');
        var gen = ++wsGen, sock;
        try { sock = new WebSocket(WS_URL, 'sanad.agent.v1'); } catch (e) { scheduleRetry(); return; }
        ws = sock;
        var replaced = false;
        sock.onopen = function () {
            if (gen !== wsGen) return;
            backoff = 0;
            setConn(T.connected, 'ok');
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
            clearInterval(pingTimer);
            setPresence('offline');
            if (stopped) return;
            if (ev.code === 1008 && replaced) {
                /* another console of this agent took over: do not fight it */
                setConn(T.replaced, 'error');
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
        setConn(T.reconnecting, 'connecting');
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
        chats = {}; order = []; selected = null; queue = [];
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
                me = { login: f.agent.login, name: f.agent.name, role: f.agent.role };
                $('me').textContent = me.name || me.login;
            }
            routing = f.routing === 'pick' ? 'pick' : 'auto';
            $('routing').textContent = T.routing[routing];
            /* the server starts us online; keep the agent's choice across reconnects */
            setPresence(f.status || 'online');
            if (wantAway) send({ type: 'presence', status: 'away' });
            break;
        case 'presence':
            setPresence(f.status);
            break;
        case 'tickets':
            renderTickets(Array.isArray(f.items) ? f.items : []);
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
                if (it && typeof it.conversation === 'string') { chat(it.conversation, it.lang).closed = false; keep[it.conversation] = 1; setVisitor(it.conversation, it.visitor); }
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
            ca.closed = false; /* a conversation closed earlier can come back after a new handoff */
            ca.resolution = null;
            if (!selected || (chats[selected] && chats[selected].closed)) selected = f.conversation;
            else chats[f.conversation].unread++;
            alertNewChat();
            renderTabs();
            renderChat();
            break;
        case 'transcript': {
            if (typeof f.conversation !== 'string' || !Array.isArray(f.messages)) break;
            var c = chat(f.conversation);
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
            if (addMsg(c2, m)) {
                if (f.conversation === selected) renderChat(); else { c2.unread++; renderTabs(); }
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
            if (transferring === f.conversation) transferring = null;
            renderTabs();
            renderChat();
            break;
        }
        case 'error':
            if (transferring && !f.client_id) {
                /* the answer to our transfer: the server's own words name the login */
                transferring = null;
                showError(T.transferFailed + (typeof f.message === 'string' && f.message ? f.message : (T.errors[f.code] || String(f.code))));
                break;
            }
            showError(T.errors[f.code] || (typeof f.message === 'string' ? f.message : String(f.code)));
            /* a refused reply is not resent */
            if (f.client_id) Object.keys(chats).forEach(function (id) { delete chats[id].pending[f.client_id]; });
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
        $('queue-count').textContent = String(queue.length);
        show($('queue-empty'), queue.length === 0);
        var age = (Date.now() - queueAt) / 1000;
        queue.forEach(function (it) {
            if (!it || typeof it.conversation !== 'string') return;
            var li = el('li', 'queue-item');
            li.setAttribute('data-conversation', it.conversation);
            var head = el('div', 'qi-head');
            head.appendChild(el('span', 'lang', it.lang === 'en' ? 'EN' : it.lang === 'ar' ? 'ع' : String(it.lang || '?')));
            var w = el('span', 'wait', T.waiting + ' ' + fmtWait((it.waiting_s | 0) + age));
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
            list.appendChild(li);
        });
    }
    /* The messages visitors left while nobody could answer (text only, never HTML). */
    function renderTickets(items) {
        var list = $('tickets-list');
        clear(list);
        $('tickets-count').textContent = String(items.length);
        show($('tickets-empty'), items.length === 0);
        items.forEach(function (it) {
            if (!it || typeof it.text !== 'string') return;
            var li = el('li', 'ticket-item');
            li.setAttribute('data-ticket', String(it.id | 0));
            var head = el('div', 'qi-head');
            head.appendChild(el('span', 'lang', it.lang === 'en' ? 'EN' : it.lang === 'ar' ? 'ع' : String(it.lang || '?')));
            var when = typeof it.created === 'number' ? new Date(it.created) : null;
            head.appendChild(el('span', 'when', when ? when.toLocaleString('ar') : ''));
            li.appendChild(head);
            var em = el('p', 'email', typeof it.email === 'string' ? it.email : T.noEmail);
            em.setAttribute('dir', 'ltr');
            li.appendChild(em);
            var t = el('p', 'question', it.text);
            t.setAttribute('dir', 'auto');
            li.appendChild(t);
            list.appendChild(li);
        });
    }
    setInterval(function () {
        if (!queue.length) return;
        var age = (Date.now() - queueAt) / 1000, spans = $('queue-list').querySelectorAll('.wait');
        for (var i = 0; i < spans.length; i++)
            spans[i].textContent = T.waiting + ' ' + fmtWait((+spans[i].getAttribute('data-waiting')) + age);
    }, 1000);

    /* ---------- tabs ---------- */
    function lastVisitorText(c) {
        for (var i = c.msgs.length - 1; i >= 0; i--) if (c.msgs[i].from === 'visitor') return c.msgs[i].text;
        return '';
    }
    function select(id, focus) {
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
            b.appendChild(el('span', 'lang', c.lang === 'en' ? 'EN' : 'ع'));
            var preview = lastVisitorText(c) || id;
            var t = el('span', 'tab-text', preview.length > 40 ? preview.slice(0, 40) + '…' : preview);
            t.setAttribute('dir', 'auto');
            b.appendChild(t);
            if (c.unread) b.appendChild(el('span', 'badge', String(c.unread)));
            if (c.closed) b.appendChild(el('span', 'badge done', '✓'));
            b.addEventListener('click', function () { select(id, false); });
            b.addEventListener('keydown', function (ev) {
                var d = 0;
                /* right-to-left: the next tab is on the left */
                if (ev.key === 'ArrowLeft') d = 1;
                else if (ev.key === 'ArrowRight') d = -1;
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
        if (m.client_id) row.setAttribute('data-client-id', String(m.client_id));
        var meta = el('div', 'meta');
        var who = from === 'agent' && m.agent && typeof m.agent.name === 'string' && m.agent.name ? m.agent.name : T.from[from];
        meta.appendChild(el('span', 'who', who));
        if (m.note) meta.appendChild(el('span', 'tag internal', T.note));
        if (from === 'bot') {
            if (typeof m.kind === 'string') meta.appendChild(el('span', 'tag kind', m.kind));
            if (typeof m.kb_id === 'string' && m.kb_id) {
                var kb = el('span', 'tag kb', m.kb_id);
                kb.setAttribute('dir', 'ltr');
                row.setAttribute('data-kb-id', m.kb_id);
                meta.appendChild(kb);
            }
            if (typeof m.band === 'string' && T.band[m.band]) {
                meta.appendChild(el('span', 'tag band band-' + m.band, T.band[m.band]));
                row.setAttribute('data-band', m.band);
            }
            if (typeof m.intent === 'string' && m.intent) meta.appendChild(el('span', 'tag intent', m.intent));
        }
        if (m.pending) meta.appendChild(el('span', 'tag', T.pending));
        meta.appendChild(el('span', 'time', fmtTime(m.ts)));
        row.appendChild(meta);
        var body = el('div', 'text', typeof m.text === 'string' ? m.text : '');
        body.setAttribute('dir', 'auto');
        row.appendChild(body);
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
    function renderChat() {
        var c = selected && chats[selected];
        show($('chat'), !!c);
        if (!c) return;
        $('chat').setAttribute('aria-labelledby', 'tab-' + c.id);
        $('chat-title').textContent = c.id + (c.lang ? ' · ' + c.lang : '');
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
        var log = $('transcript');
        var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        clear(log);
        c.msgs.forEach(function (m) { log.appendChild(msgRow(m)); });
        Object.keys(c.pending).forEach(function (cid) {
            var p = c.pending[cid];
            log.appendChild(msgRow({ from: 'agent', text: p.text, client_id: cid, pending: true,
                                     note: p.type === 'note', agent: { name: me ? me.name : '' } }));
        });
        if (atBottom || log.getAttribute('data-conversation') !== c.id) log.scrollTop = log.scrollHeight;
        log.setAttribute('data-conversation', c.id);
        var closedNote = $('chat-closed');
        closedNote.textContent = !c.closed ? '' : c.resolution === 'transferred' ? T.transferred : T.closed + c.resolution;
        $('chat').classList.toggle('transferred', c.closed && c.resolution === 'transferred');
        show(closedNote, c.closed);
        $('reply-text').disabled = c.closed;
        $('send').disabled = c.closed;
        $('close-chat').disabled = c.closed;
        $('resolution').disabled = c.closed;
        $('transfer').disabled = c.closed;
        $('transfer-to').disabled = c.closed;
        $('canned').disabled = c.closed;
    }

    /* ---------- composer ---------- */
    function mode() { return $('mode-note').checked ? 'note' : 'reply'; }
    function syncMode() {
        var n = mode() === 'note';
        $('composer').classList.toggle('note-mode', n);
        $('send').textContent = n ? 'حفظ الملاحظة' : 'إرسال';
        $('reply-text').placeholder = n ? 'ملاحظة داخلية لا يراها الزائر…' : 'اكتب ردك… (Enter للإرسال، Shift+Enter لسطر جديد)';
    }
    $('mode-reply').addEventListener('change', syncMode);
    $('mode-note').addEventListener('change', syncMode);
    function submit() {
        var c = selected && chats[selected];
        var ta = $('reply-text'), text = ta.value.trim();
        if (!c || c.closed || !text) return;
        counter++;
        var cid = ('c' + Date.now().toString(36) + '-' + counter + '-' + Math.random().toString(36).slice(2, 8)).slice(0, 64);
        var f = { type: mode(), conversation: c.id, text: text, client_id: cid };
        c.pending[cid] = f;
        send(f); /* when offline it is sent after the reconnect (transcript) */
        ta.value = '';
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
        var c = selected && chats[selected], to = $('transfer-to').value.trim();
        if (!c || c.closed) return;
        if (!to) { showError(T.transferTo); return; }
        if (send({ type: 'transfer', conversation: c.id, to: to })) {
            transferring = c.id;
            $('transfer-to').value = '';
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

    /* ---------- start: skip the login page while the cookie is valid ---------- */
    syncMode();
    api('GET', '/api/me').then(function (r) {
        if (r.status === 200 && isAgent(r.body)) startConsole(r.body); else showLogin();
    }, showLogin);
}());
