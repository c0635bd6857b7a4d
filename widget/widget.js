/* Sanad chat widget: embed with one tag
 *   <script src="http://HOST/widget.js" data-lang="ar" async></script>
 * Plain JavaScript, no framework, no build step. Everything lives in a shadow root so the
 * host page's CSS cannot break it (and ours cannot leak out). Speaks the visitor protocol
 * of docs/protocol.md (subprotocol "sanad.v1") over ws(s)://HOST/ws, HOST being the origin
 * this script was loaded from.
 *
 * Safety rule: nothing that comes from the server (or the visitor) is ever parsed as HTML.
 * Every node is built with createElement + textContent; links are http/https only. */
(function () {
    'use strict';

    var script = document.currentScript;
    if (!script) {
        var all = document.querySelectorAll('script[src]');
        for (var i = all.length - 1; i >= 0; i--) {
            if (/\/widget\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
        }
    }
    if (!script || window.__sanadWidget) return;

    var ORIGIN = new URL(script.src, location.href).origin;
    var WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
    var LANG = (script.getAttribute('data-lang') || 'ar').toLowerCase() === 'en' ? 'en' : 'ar';
    var STORE_KEY = 'sanad.v1:' + ORIGIN;
    var MAX_KEPT = 200;        /* transcript messages kept in sessionStorage */
    var BACKOFF_BASE = 500, BACKOFF_CAP = 10000;
    var PING_EVERY = 25000, PONG_WAIT = 10000, TYPING_MAX = 20000;

    /* Counts in words by the language's plural rules (Intl.PluralRules: Arabic has six
     * forms; "٣ دقائق", "١١ دقيقة", "دقيقتان"), numbers by Intl.NumberFormat. A form without
     * "#" stands alone (Arabic says "دقيقتان", not "٢ دقيقتان"). */
    var AR_MINUTES = { zero: '# دقيقة', one: 'دقيقة واحدة', two: 'دقيقتان', few: '# دقائق',
                       many: '# دقيقة', other: '# دقيقة' };
    var EN_MINUTES = { one: '# minute', other: '# minutes' };
    function num(n) { return new Intl.NumberFormat(LANG).format(n); }
    function plural(n, forms) {
        var f = forms[new Intl.PluralRules(LANG).select(n)] || forms.other;
        return f.replace('#', num(n));
    }

    var T = {
        ar: {
            dir: 'rtl', open: 'تحدث معنا', close: 'إغلاق المحادثة', title: 'المساعد الآلي',
            bot: 'روبوت', agent: 'موظف', you: 'أنت', human: 'تحدث مع موظف', agentTitle: 'موظف خدمة العملاء',
            placeholder: 'اكتب سؤالك…', send: 'إرسال', input: 'رسالتك',
            typing: 'يكتب…', reconnecting: 'جارٍ إعادة الاتصال…', connecting: 'جارٍ الاتصال…',
            helpful: 'هل كانت هذه الإجابة مفيدة؟', yes: 'نعم', no: 'لا', thanks: 'شكرًا لتقييمك',
            rateChat: 'كيف كانت خدمتنا؟ قيّم المحادثة من 1 إلى 5', comment: 'تعليق (اختياري)',
            leaveQueue: 'العودة إلى المساعد الآلي',
            offline: { nobody_online: 'لا يوجد موظف متاح الآن.', closed_hours: 'نحن خارج ساعات العمل الآن.' },
            leaveMsg: 'اترك لنا رسالة وسنعود إليك.', msgText: 'رسالتك لفريق الدعم',
            email: 'بريدك الإلكتروني (اختياري)', consent: 'أوافق على أن تتواصلوا معي عبر هذا البريد',
            consentNeeded: 'وافق على التواصل عبر البريد أو احذف البريد.', badEmail: 'البريد الإلكتروني غير صحيح.',
            msgSend: 'إرسال الرسالة', msgLeft: function (n) { return 'وصلت رسالتك (رقم ' + n + '). سيرد عليك فريقنا.'; },
            rateSend: 'إرسال التقييم', star: function (n) { return n + ' من 5'; },
            suggestions: 'اقتراحات', queue: function (p, m) {
                return 'أنت رقم ' + num(p) + ' في قائمة الانتظار' +
                    (m > 0 ? '، الانتظار المتوقع نحو ' + plural(m, AR_MINUTES) : '');
            },
            failed: 'لم تُرسل', pending: 'قيد الإرسال', newconv: 'بدأت محادثة جديدة.',
            log: 'رسائل المحادثة', sent: 'أُرسلت',
            prechat: 'قبل أن نبدأ، عرّفنا بنفسك', pcName: 'اسمك', pcEmail: 'بريدك الإلكتروني',
            pcDept: 'القسم', pcChoose: 'اختر القسم', pcOptional: ' (اختياري)', pcStart: 'ابدأ المحادثة',
            pcSkip: 'تخطَّ', pcRequired: 'املأ الحقول المطلوبة.', pcBad: 'تعذر حفظ البيانات؛ راجع الحقول.',
            transcript: 'تنزيل نص المحادثة', transcriptFailed: 'تعذر تنزيل نص المحادثة.',
            errors: {
                too_long: 'الرسالة طويلة جدًا.', empty: 'الرسالة فارغة.', too_big: 'الرسالة كبيرة جدًا.',
                rate_limited: 'رسائل كثيرة بسرعة؛ سنعيد الإرسال بعد لحظة.',
                not_found: 'هذا الاقتراح لم يعد متاحًا.', internal: 'خطأ مؤقت في الخادم؛ سنعيد المحاولة.',
                bad_utf8: 'تعذر قراءة الرسالة.'
            }
        },
        en: {
            dir: 'ltr', open: 'Chat with us', close: 'Close chat', title: 'Automated assistant',
            bot: 'Bot', agent: 'Agent', you: 'You', human: 'Talk to a human', agentTitle: 'Customer support agent',
            placeholder: 'Type your question…', send: 'Send', input: 'Your message',
            typing: 'typing…', reconnecting: 'Reconnecting…', connecting: 'Connecting…',
            helpful: 'Was this helpful?', yes: 'Yes', no: 'No', thanks: 'Thanks for your feedback',
            rateChat: 'How did we do? Rate this chat from 1 to 5', comment: 'Comment (optional)',
            leaveQueue: 'Back to the bot',
            offline: { nobody_online: 'No agent is available right now.', closed_hours: 'We are outside business hours right now.' },
            leaveMsg: 'Leave us a message and we will get back to you.', msgText: 'Your message to our team',
            email: 'Your email (optional)', consent: 'I agree to be contacted at this email',
            consentNeeded: 'Agree to be contacted by email, or remove the email.', badEmail: 'That email address is not valid.',
            msgSend: 'Send message', msgLeft: function (n) { return 'Your message was received (number ' + n + '). Our team will reply.'; },
            rateSend: 'Send rating', star: function (n) { return n + ' of 5'; },
            suggestions: 'Suggestions', queue: function (p, m) {
                return 'You are number ' + num(p) + ' in the queue' +
                    (m > 0 ? ', estimated wait about ' + plural(m, EN_MINUTES) : '');
            },
            failed: 'not sent', pending: 'sending', newconv: 'A new conversation started.',
            log: 'Chat messages', sent: 'sent',
            prechat: 'Before we start, tell us about yourself', pcName: 'Your name', pcEmail: 'Your email',
            pcDept: 'Department', pcChoose: 'Choose a department', pcOptional: ' (optional)', pcStart: 'Start chat',
            pcSkip: 'Skip', pcRequired: 'Fill in the required fields.', pcBad: 'That could not be saved; check the fields.',
            transcript: 'Download the transcript', transcriptFailed: 'The transcript could not be downloaded.',
            errors: {
                too_long: 'The message is too long.', empty: 'The message is empty.', too_big: 'The message is too big.',
                rate_limited: 'Too many messages at once; resending in a moment.',
                not_found: 'That suggestion is no longer available.', internal: 'A temporary server error; retrying.',
                bad_utf8: 'The message could not be read.'
            }
        }
    }[LANG];

    /* the bot's name until the welcome gives the server's (bot_name_ar / bot_name_en) */
    var botName = LANG === 'ar' ? 'سند' : 'Sanad';
    var transcriptBtn = null;

    /* ---------- persistent session state (sessionStorage: this tab only) ---------- */
    var state = load();
    function load() {
        var s = null;
        try { s = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null'); } catch (e) { s = null; }
        if (!s || typeof s !== 'object') s = {};
        return {
            token: typeof s.token === 'string' ? s.token : null,
            last_seq: s.last_seq | 0,
            pending: Array.isArray(s.pending) ? s.pending : [],   /* unacked frames, with client_id */
            msgs: Array.isArray(s.msgs) ? s.msgs : [],            /* transcript frames, by seq */
            open: !!s.open,
            rated: s.rated && typeof s.rated === 'object' ? s.rated : {},
            counter: s.counter | 0,
            handoff: !!s.handoff,                                 /* handoff asked while offline */
            /* the pre-chat form: answered or skipped; what it said (prefills leave-a-message) */
            prechatDone: !!s.prechatDone,
            profile: s.profile && typeof s.profile === 'object' ? s.profile : null
        };
    }
    function save() {
        if (state.msgs.length > MAX_KEPT) state.msgs = state.msgs.slice(-MAX_KEPT);
        try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* full or disabled */ }
    }
    function newClientId() {
        state.counter++;
        var rnd = Math.random().toString(36).slice(2, 10);
        return ('w' + Date.now().toString(36) + '-' + state.counter + '-' + rnd).slice(0, 64);
    }

    /* ---------- DOM helpers: text only, never innerHTML ---------- */
    function el(tag, cls, text) {
        var n = document.createElement(tag);
        if (cls) n.className = cls;
        if (text != null) n.textContent = String(text);
        return n;
    }
    /* Appends text to parent, turning http/https URLs into links. Anything else stays text. */
    var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
    function appendLinkified(parent, text) {
        text = String(text);
        var last = 0, m;
        URL_RE.lastIndex = 0;
        while ((m = URL_RE.exec(text)) !== null) {
            var raw = m[0];
            /* trailing punctuation belongs to the sentence, not the URL */
            var trail = /[.,;:!?)\]}»”’،؛؟]+$/.exec(raw);
            if (trail) raw = raw.slice(0, raw.length - trail[0].length);
            var href = null;
            try {
                var u = new URL(raw);
                if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname) href = u.href;
            } catch (e) { href = null; }
            if (!href) continue;
            if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
            var a = el('a', null, raw);
            a.href = href;
            a.target = '_blank';
            a.rel = 'noopener noreferrer';
            a.setAttribute('dir', 'ltr');
            parent.appendChild(a);
            last = m.index + raw.length;
            URL_RE.lastIndex = last;
        }
        if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    }

    /* a speech-bubble icon, built as SVG nodes (no markup parsing) */
    function chatIcon() {
        var NS = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(NS, 'svg');
        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('width', '22');
        svg.setAttribute('height', '22');
        svg.setAttribute('aria-hidden', 'true');
        svg.setAttribute('focusable', 'false');
        svg.setAttribute('class', 'launcher-icon');
        var path = document.createElementNS(NS, 'path');
        path.setAttribute('fill', 'currentColor');
        path.setAttribute('fill-rule', 'evenodd');
        path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z');
        svg.appendChild(path);
        return svg;
    }

    /* ---------- build the UI ---------- */
    var host, root, launcher, panel, logEl, typingEl, bannerEl, queueEl, queueText, humanBtn, input, sendBtn, form;
    var byCid = {};      /* client_id -> visitor row element */
    var seen = {};       /* seq -> true (rendered) */

    function build() {
        host = document.createElement('sanad-chat');
        host.setAttribute('data-sanad', '');
        host.style.cssText = 'display:none';
        root = host.attachShadow({ mode: 'open' });

        var css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = ORIGIN + '/widget.css';
        css.onload = css.onerror = function () { host.style.cssText = ''; };
        root.appendChild(css);

        var wrap = el('div', 'sanad');
        wrap.setAttribute('dir', T.dir);
        wrap.setAttribute('lang', LANG);
        root.appendChild(wrap);

        launcher = el('button', 'launcher');
        launcher.type = 'button';
        launcher.setAttribute('aria-label', T.open);
        launcher.setAttribute('aria-expanded', 'false');
        launcher.setAttribute('aria-controls', 'sanad-panel');
        launcher.appendChild(chatIcon());
        launcher.appendChild(el('span', 'launcher-text', T.open));
        launcher.addEventListener('click', function () { setOpen(!isOpen()); });
        wrap.appendChild(launcher);

        panel = el('div', 'panel');
        panel.id = 'sanad-panel';
        panel.setAttribute('role', 'dialog');
        panel.setAttribute('aria-label', T.title);
        panel.hidden = true;
        wrap.appendChild(panel);

        var head = el('div', 'head');
        /* who has the conversation: the bot, or the person who took it (headerFor) */
        var avatar = el('span', 'avatar');
        avatar.setAttribute('aria-hidden', 'true');
        avatar.hidden = true;
        head.appendChild(avatar);
        var titles = el('div', 'titles');
        var name = el('span', 'name', botName);
        name.setAttribute('dir', 'auto');
        titles.appendChild(name);
        titles.appendChild(el('span', 'badge who', T.bot));
        titles.appendChild(el('span', 'subtitle', T.title));
        head.appendChild(titles);
        transcriptBtn = el('button', 'transcript', '⤓');
        transcriptBtn.type = 'button';
        transcriptBtn.setAttribute('aria-label', T.transcript);
        transcriptBtn.title = T.transcript;
        transcriptBtn.hidden = !state.token;
        transcriptBtn.addEventListener('click', downloadTranscript);
        head.appendChild(transcriptBtn);
        var closeBtn = el('button', 'close', '×');
        closeBtn.type = 'button';
        closeBtn.setAttribute('aria-label', T.close);
        closeBtn.addEventListener('click', function () { setOpen(false); });
        head.appendChild(closeBtn);
        panel.appendChild(head);

        bannerEl = el('div', 'banner');
        bannerEl.setAttribute('role', 'status');
        bannerEl.hidden = true;
        panel.appendChild(bannerEl);

        logEl = el('div', 'log');
        logEl.setAttribute('role', 'log');
        logEl.setAttribute('aria-live', 'polite');
        logEl.setAttribute('aria-relevant', 'additions');
        logEl.setAttribute('aria-label', T.log);
        logEl.tabIndex = 0;
        panel.appendChild(logEl);

        queueEl = el('div', 'queue');
        queueEl.hidden = true;
        queueText = el('span', 'queue-text');
        queueText.setAttribute('role', 'status');
        queueEl.appendChild(queueText);
        var leaveBtn = el('button', 'leave', T.leaveQueue);
        leaveBtn.type = 'button';
        leaveBtn.addEventListener('click', function () {
            if (sendFrame({ type: 'leave_queue' })) setQueued(false);
            input.focus();
        });
        queueEl.appendChild(leaveBtn);
        panel.appendChild(queueEl);

        typingEl = el('div', 'typing');
        typingEl.hidden = true;
        var dots = el('span', 'dots');
        dots.setAttribute('aria-hidden', 'true');
        dots.appendChild(el('i')); dots.appendChild(el('i')); dots.appendChild(el('i'));
        typingEl.appendChild(dots);
        typingEl.appendChild(el('span', 'typing-text', T.typing));
        panel.appendChild(typingEl);

        var actions = el('div', 'actions');
        humanBtn = el('button', 'human', T.human);
        humanBtn.type = 'button';
        humanBtn.addEventListener('click', requestHuman);
        actions.appendChild(humanBtn);
        panel.appendChild(actions);

        form = el('form', 'composer');
        form.setAttribute('novalidate', '');
        input = el('textarea', 'input');
        input.rows = 1;
        input.setAttribute('dir', 'auto');
        input.setAttribute('aria-label', T.input);
        input.placeholder = T.placeholder;
        input.maxLength = 1000;
        input.addEventListener('keydown', function (ev) {
            if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
                ev.preventDefault();
                submit();
            }
        });
        input.addEventListener('input', autosize);
        form.appendChild(input);
        sendBtn = el('button', 'send', T.send);
        sendBtn.type = 'submit';
        form.appendChild(sendBtn);
        form.addEventListener('submit', function (ev) { ev.preventDefault(); submit(); });
        panel.appendChild(form);

        panel.addEventListener('keydown', function (ev) {
            if (ev.key === 'Escape') { ev.preventDefault(); setOpen(false); }
        });

        document.body.appendChild(host);

        /* the transcript kept in this tab */
        for (var i = 0; i < state.msgs.length; i++) render(state.msgs[i], true);
        for (var j = 0; j < state.pending.length; j++) renderPendingVisitor(state.pending[j]);
        if (state.open) setOpen(true, true);
        else if (state.token) connect();   /* an ongoing conversation: resume it at once */
    }

    function autosize() {
        input.style.height = 'auto';
        input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
    }
    function isOpen() { return !panel.hidden; }
    function setOpen(open, noFocus) {
        panel.hidden = !open;
        launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
        host.classList.toggle('open', open);
        launcher.classList.toggle('is-open', open);
        state.open = open;
        save();
        if (open) {
            connect();
            scrollDown();
            if (!noFocus) input.focus();
        } else if (!noFocus) {
            launcher.focus();
        }
    }
    function scrollDown() { logEl.scrollTop = logEl.scrollHeight; }

    /* ---------- rendering of transcript frames ---------- */
    function fmtTime(ts) {
        if (typeof ts !== 'number') return '';
        try { return new Date(ts).toLocaleTimeString(LANG === 'ar' ? 'ar' : 'en', { hour: '2-digit', minute: '2-digit' }); }
        catch (e) { return ''; }
    }

    function render(m, fromStore) {
        if (typeof m.seq !== 'number' || seen[m.seq]) return false;
        seen[m.seq] = true;
        if (m.seq > state.last_seq) state.last_seq = m.seq;
        var from = m.from;
        var text = typeof m.text === 'string' ? m.text : '';

        if (from === 'visitor') {
            var mine = m.client_id && byCid[m.client_id];
            if (mine) { markSent(mine, m.seq); return true; }
            var row = visitorRow(text);
            markSent(row, m.seq);
            if (m.client_id) byCid[m.client_id] = row;
            logEl.appendChild(row);
            scrollDown();
            return true;
        }

        var rowEl = el('div', 'row from-' + (from === 'bot' || from === 'agent' || from === 'system' ? from : 'system'));
        rowEl.setAttribute('data-seq', String(m.seq));
        if (from === 'bot' || from === 'agent') {
            var meta = el('div', 'meta');
            if (from === 'bot') {
                meta.appendChild(el('span', 'badge', T.bot));
                if (m.kind) rowEl.setAttribute('data-kind', String(m.kind));
                if (typeof m.kb_id === 'string') rowEl.setAttribute('data-kb-id', m.kb_id);
            } else {
                var an = m.agent && typeof m.agent.name === 'string' ? m.agent.name : '';
                /* a replay after a reload names the agent who has the chat */
                if (withAgent && an && an !== agentName) { agentName = an; headerFor(); }
                var nm = el('span', 'agent-name', an);
                nm.setAttribute('dir', 'auto');
                meta.appendChild(nm);
                meta.appendChild(el('span', 'badge agent', T.agent));
            }
            var t = fmtTime(m.ts);
            if (t) meta.appendChild(el('span', 'time', t));
            rowEl.appendChild(meta);
        }
        var bubble = el('div', 'bubble');
        bubble.setAttribute('dir', 'auto');
        appendLinkified(bubble, text);
        rowEl.appendChild(bubble);

        if (from === 'bot') {
            var sugg = Array.isArray(m.suggestions) ? m.suggestions : [];
            if (sugg.length) {
                var chips = el('div', 'chips');
                chips.setAttribute('role', 'group');
                chips.setAttribute('aria-label', T.suggestions);
                /* The bot's text says "pick its number": each chip shows its number, written
                 * by Intl in the widget's language (the bot reads Latin and Arabic-Indic). */
                var nf = new Intl.NumberFormat(LANG);
                sugg.forEach(function (s) {
                    if (!s || typeof s.kb_id !== 'string' || typeof s.question !== 'string') return;
                    var k = chips.childNodes.length + 1;
                    var c = el('button', 'chip');
                    var num = el('span', 'num', nf.format(k));
                    num.setAttribute('aria-hidden', 'true');
                    c.appendChild(num);
                    c.appendChild(el('span', 'q', s.question));
                    c.setAttribute('aria-label', nf.format(k) + ': ' + s.question);
                    c.setAttribute('data-n', String(k));
                    c.type = 'button';
                    c.setAttribute('dir', 'auto');
                    c.setAttribute('data-kb-id', s.kb_id);
                    c.addEventListener('click', function () { pick(s.kb_id, s.question); });
                    chips.appendChild(c);
                });
                rowEl.appendChild(chips);
            }
            if (m.ask_feedback === true) rowEl.appendChild(feedbackBox(m.seq));
            if (m.offer_human === true && !fromStore) highlightHuman(true);
            if (m.kind === 'handoff') highlightHuman(false);
        }
        logEl.appendChild(rowEl);
        if (!fromStore && (from === 'bot' || from === 'agent')) typing(false);
        scrollDown();
        return true;
    }

    function visitorRow(text) {
        var row = el('div', 'row from-visitor');
        var bubble = el('div', 'bubble');
        bubble.setAttribute('dir', 'auto');
        appendLinkified(bubble, text);
        row.appendChild(bubble);
        var st = el('div', 'status');
        row.appendChild(st);
        return row;
    }
    function markSent(row, seq) {
        row.setAttribute('data-seq', String(seq));
        row.classList.remove('pending', 'failed');
        var st = row.querySelector('.status');
        if (st) { st.textContent = ''; st.setAttribute('aria-label', T.sent); }
    }
    function renderPendingVisitor(p) {
        if (p.type !== 'message' && p.type !== 'pick') return;
        if (byCid[p.client_id]) return;
        var row = visitorRow(p.text || '');
        row.classList.add('pending');
        row.querySelector('.status').textContent = '⏱ ' + T.pending;
        byCid[p.client_id] = row;
        logEl.appendChild(row);
        scrollDown();
    }

    function feedbackBox(seq) {
        var box = el('div', 'feedback');
        box.setAttribute('role', 'group');
        box.setAttribute('aria-label', T.helpful);
        box.appendChild(el('span', 'q', T.helpful));
        var yes = el('button', 'fb yes', '👍 ' + T.yes);
        var no = el('button', 'fb no', '👎 ' + T.no);
        yes.type = no.type = 'button';
        function done(helpful) {
            yes.disabled = no.disabled = true;
            (helpful ? yes : no).classList.add('chosen');
            (helpful ? yes : no).setAttribute('aria-pressed', 'true');
            box.appendChild(el('span', 'thanks', T.thanks));
        }
        if (state.rated[seq] !== undefined) done(state.rated[seq]);
        yes.addEventListener('click', function () { if (rate(seq, true)) done(true); input.focus(); });
        no.addEventListener('click', function () { if (rate(seq, false)) done(false); input.focus(); });
        box.appendChild(yes);
        box.appendChild(no);
        return box;
    }

    /* After an agent closes the chat: a 1-5 rating with an optional comment (CSAT). */
    var csatEl = null;
    function csatBox() {
        if (csatEl) return;
        var box = csatEl = el('form', 'csat');
        box.setAttribute('aria-label', T.rateChat);
        box.appendChild(el('div', 'q', T.rateChat));
        var stars = el('div', 'stars'), chosen = 0, btns = [];
        stars.setAttribute('role', 'group');
        for (var i = 1; i <= 5; i++) (function (n) {
            var b = el('button', 'star', '★');
            b.type = 'button';
            b.setAttribute('aria-label', T.star(n));
            b.setAttribute('aria-pressed', 'false');
            b.dataset.rating = String(n);
            b.addEventListener('click', function () {
                chosen = n;
                btns.forEach(function (x, k) {
                    x.classList.toggle('on', k < n);
                    x.setAttribute('aria-pressed', k === n - 1 ? 'true' : 'false');
                });
                send.disabled = false;
            });
            btns.push(b);
            stars.appendChild(b);
        })(i);
        box.appendChild(stars);
        var comment = el('input', 'comment');
        comment.type = 'text';
        comment.maxLength = 1000;
        comment.setAttribute('dir', 'auto');
        comment.setAttribute('placeholder', T.comment);
        comment.setAttribute('aria-label', T.comment);
        box.appendChild(comment);
        var send = el('button', 'fb send', T.rateSend);
        send.type = 'submit';
        send.disabled = true;
        box.appendChild(send);
        var tx = el('button', 'fb transcript-link', T.transcript);
        tx.type = 'button';
        tx.addEventListener('click', downloadTranscript);
        box.appendChild(tx);
        box.addEventListener('submit', function (ev) {
            ev.preventDefault();
            if (!chosen) return;
            var f = { type: 'csat', rating: chosen };
            if (comment.value.trim()) f.comment = comment.value.trim();
            if (sendFrame(f)) send.disabled = true;
        });
        logEl.appendChild(box);
        scrollDown();
    }
    function csatDone() {
        if (!csatEl) return;
        Array.prototype.forEach.call(csatEl.querySelectorAll('button, input'), function (x) { x.disabled = true; });
        csatEl.appendChild(el('span', 'thanks', T.thanks));
    }

    /* Nobody can answer the handoff now: a form to leave a message (a ticket). */
    var offlineEl = null, offlineSend = null;
    function offlineBox(reason) {
        if (offlineEl) return;
        var box = offlineEl = el('form', 'offline');
        box.noValidate = true; /* checked below, with our own words */
        box.setAttribute('aria-label', T.leaveMsg);
        box.appendChild(el('div', 'q', (T.offline[reason] || T.offline.nobody_online) + ' ' + T.leaveMsg));
        var text = el('textarea', 'msg-text');
        text.maxLength = 1000;
        text.rows = 3;
        text.required = true;
        text.setAttribute('dir', 'auto');
        text.setAttribute('placeholder', T.msgText);
        text.setAttribute('aria-label', T.msgText);
        box.appendChild(text);
        var email = el('input', 'msg-email');
        email.type = 'email';
        email.maxLength = 254;
        email.setAttribute('dir', 'ltr');
        email.setAttribute('autocomplete', 'email');
        email.setAttribute('placeholder', T.email);
        email.setAttribute('aria-label', T.email);
        box.appendChild(email);
        var label = el('label', 'msg-consent');
        var consent = el('input');
        consent.type = 'checkbox';
        label.appendChild(consent);
        label.appendChild(el('span', null, ' ' + T.consent));
        box.appendChild(label);
        var note = el('div', 'msg-note');
        note.setAttribute('role', 'alert');
        box.appendChild(note);
        var send = offlineSend = el('button', 'fb send', T.msgSend);
        send.type = 'submit';
        box.appendChild(send);
        function sync() { consent.required = !!email.value.trim(); }
        email.addEventListener('input', sync);
        if (state.profile && state.profile.email) { /* what the pre-chat form said, with consent */
            email.value = state.profile.email;
            consent.checked = !!state.profile.consent;
            sync();
        }
        box.addEventListener('submit', function (ev) {
            ev.preventDefault();
            var t = text.value.trim(), m = email.value.trim();
            note.textContent = '';
            if (!t) { text.focus(); return; }
            var f = { type: 'leave_message', text: t };
            if (m) {
                if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/.test(m)) { note.textContent = T.badEmail; email.focus(); return; }
                if (!consent.checked) { note.textContent = T.consentNeeded; consent.focus(); return; }
                f.email = m;
                f.consent = true;
            }
            if (sendFrame(f)) send.disabled = true;
        });
        logEl.appendChild(box);
        scrollDown();
    }
    function offlineDone(ticket) {
        if (!offlineEl) return;
        offlineSend = null;
        Array.prototype.forEach.call(offlineEl.querySelectorAll('button, input, textarea'), function (x) { x.disabled = true; });
        offlineEl.appendChild(el('div', 'thanks', T.msgLeft(ticket | 0)));
        scrollDown();
    }

    /* The pre-chat form (welcome.prechat, docs/protocol.md): before the first message of a
     * new conversation; labelled fields, an email only with its consent box ticked, a
     * department from the server's list; "skip" unless a field is required. The composer
     * waits for it. */
    var prechatEl = null, prechatNote = null, prechatSend = null, prechatSent = null;
    function prechatBox(p) {
        if (prechatEl || !p || !Array.isArray(p.fields) || !p.fields.length) return;
        var box = prechatEl = el('form', 'prechat');
        box.noValidate = true;
        box.setAttribute('aria-label', T.prechat);
        box.appendChild(el('div', 'q', T.prechat));
        var inputs = {}, required = {}, anyRequired = false, uid = 'sanad-pc-';
        function field(name, label, ctl) {
            var l = el('label', 'pc-label', label + (required[name] ? ' *' : T.pcOptional));
            l.htmlFor = ctl.id = uid + name;
            box.appendChild(l);
            box.appendChild(ctl);
            inputs[name] = ctl;
            if (required[name]) ctl.required = true;
        }
        p.fields.forEach(function (f) { if (f && f.required === true) { required[f.name] = true; anyRequired = true; } });
        var consent = null;
        p.fields.forEach(function (f) {
            if (!f) return;
            if (f.name === 'name') {
                var n = el('input', 'pc-name');
                n.type = 'text'; n.maxLength = 100; n.autocomplete = 'name'; n.setAttribute('dir', 'auto');
                field('name', T.pcName, n);
            } else if (f.name === 'email') {
                var e = el('input', 'pc-email');
                e.type = 'email'; e.maxLength = 254; e.autocomplete = 'email'; e.setAttribute('dir', 'ltr');
                field('email', T.pcEmail, e);
                var cl = el('label', 'pc-consent');
                consent = el('input', 'pc-consent-box');
                consent.type = 'checkbox';
                cl.appendChild(consent);
                cl.appendChild(el('span', null, ' ' + T.consent));
                box.appendChild(cl);
            } else if (f.name === 'department' && Array.isArray(p.departments)) {
                var sel = el('select', 'pc-dept');
                var none = el('option', null, T.pcChoose);
                none.value = '';
                sel.appendChild(none);
                p.departments.forEach(function (d) {
                    if (!d || typeof d.id !== 'string') return;
                    var o = el('option', null, typeof d.label === 'string' ? d.label : d.id);
                    o.value = d.id;
                    sel.appendChild(o);
                });
                field('department', T.pcDept, sel);
            }
        });
        var note = prechatNote = el('div', 'msg-note');
        note.setAttribute('role', 'alert');
        box.appendChild(note);
        var row = el('div', 'pc-actions');
        var send = prechatSend = el('button', 'fb send', T.pcStart);
        send.type = 'submit';
        row.appendChild(send);
        if (!anyRequired) {
            var skip = el('button', 'fb pc-skip', T.pcSkip);
            skip.type = 'button';
            skip.addEventListener('click', function () { prechatClose(null); });
            row.appendChild(skip);
        }
        box.appendChild(row);
        box.addEventListener('submit', function (ev) {
            ev.preventDefault();
            note.textContent = '';
            var f = { type: 'profile' }, bad = null;
            Object.keys(inputs).forEach(function (k) {
                var v = inputs[k].value.trim();
                if (!v && required[k] && !bad) bad = inputs[k];
                if (v) f[k] = v;
            });
            if (bad) { note.textContent = T.pcRequired; bad.focus(); return; }
            if (f.email) {
                if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/.test(f.email)) { note.textContent = T.badEmail; inputs.email.focus(); return; }
                if (!consent.checked) { note.textContent = T.consentNeeded; consent.focus(); return; }
                f.consent = true;
            }
            if (sendFrame(f)) { send.disabled = true; prechatSent = f; }
        });
        input.disabled = sendBtn.disabled = true;
        logEl.appendChild(box);
        scrollDown();
        var first = box.querySelector('input, select');
        if (first && isOpen()) first.focus();
    }
    /* The form answered (f: what was stored) or skipped (null): the composer is free. */
    function prechatClose(f) {
        state.prechatDone = true;
        if (f) state.profile = { name: f.name || '', email: f.email || '', consent: !!f.consent };
        save();
        if (prechatEl && prechatEl.parentNode) prechatEl.parentNode.removeChild(prechatEl);
        prechatEl = prechatSend = prechatSent = null;
        input.disabled = sendBtn.disabled = false;
        if (isOpen()) input.focus();
    }

    /* The transcript as a text file: fetched with the session token in a header (never in
     * the URL) and saved from a Blob; the server's file name. */
    function downloadTranscript() {
        if (!state.token || !window.fetch) return;
        fetch(ORIGIN + '/api/transcript', { headers: { 'X-Sanad-Token': state.token }, credentials: 'omit' })
            .then(function (r) {
                if (!r.ok) throw new Error(String(r.status));
                var cd = r.headers.get('Content-Disposition') || '';
                var m = /filename="([A-Za-z0-9_.-]+)"/.exec(cd);
                return r.blob().then(function (b) { return { blob: b, name: m ? m[1] : 'transcript.txt' }; });
            })
            .then(function (x) {
                var url = URL.createObjectURL(x.blob), a = document.createElement('a');
                a.href = url;
                a.download = x.name;
                a.style.display = 'none';
                root.appendChild(a);
                a.click();
                root.removeChild(a);
                setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
            })
            .catch(function () { notice(T.transcriptFailed, 'error'); });
    }

    function highlightHuman(on) { humanBtn.classList.toggle('highlight', on); }

    /* With an agent the bot stays quiet: no typing indicator for a reply that may not come,
     * and no "talk to a human" button (one is here already). */
    var withAgent = false;
    var agentName = '';
    /* Queued: the queue line shows and "talk to a human" does not (it was asked for). */
    var queued = false;
    function setQueued(on) {
        queued = on;
        queueEl.hidden = !on;
        humanBtn.hidden = on || withAgent;
    }
    function agentMode(on, who) {
        withAgent = on;
        humanBtn.hidden = on || queued;
        if (on) typing(false);
        if (on && who) agentName = who;
        if (!on) agentName = '';
        headerFor();
    }
    /* The header says who answers now: the bot (its name, "bot") or the agent (name,
     * initials, "agent"), so that nobody takes a person for the bot or the bot for a person. */
    function initials(n) {
        var w = String(n).trim().split(/\s+/).filter(function (x) { return x; });
        return w.slice(0, 2).map(function (x) { return Array.from(x)[0]; }).join('');
    }
    function headerFor() {
        var human = withAgent;
        var shown = human ? (agentName || T.agent) : botName;
        root.querySelector('.head .name').textContent = shown;
        var b = root.querySelector('.head .who');
        b.textContent = human ? T.agent : T.bot;
        b.className = 'badge who' + (human ? ' agent' : '');
        root.querySelector('.head .subtitle').textContent = human ? T.agentTitle : T.title;
        var av = root.querySelector('.head .avatar');
        av.hidden = !human;
        av.textContent = human ? initials(shown) : '';
        root.querySelector('.panel').setAttribute('aria-label', human ? T.agentTitle + ': ' + shown : T.title);
    }
    function expectReply() { if (!withAgent) typing(true); }

    function typing(on) {
        clearTimeout(typing.timer);
        typingEl.hidden = !on;
        if (on) {
            typing.timer = setTimeout(function () { typingEl.hidden = true; }, TYPING_MAX);
            scrollDown();
        }
    }

    function notice(text, cls) {
        var n = el('div', 'notice ' + (cls || ''), text);
        n.setAttribute('dir', 'auto');
        logEl.appendChild(n);
        scrollDown();
        return n;
    }

    function banner(text) {
        bannerEl.hidden = !text;
        bannerEl.textContent = text || '';
    }

    /* ---------- visitor actions ---------- */
    function submit() {
        var text = input.value.replace(/^\s+|\s+$/g, '');
        if (!text) { input.focus(); return; }
        input.value = '';
        autosize();
        var p = { type: 'message', text: text, client_id: newClientId() };
        enqueue(p);
        input.focus();
    }
    function pick(kbId, question) {
        enqueue({ type: 'pick', kb_id: kbId, client_id: newClientId(), text: question });
        input.focus();
    }
    /* The protocol does not promise an ack for handoff (its client_id is optional), so it is
     * not kept with the unacked messages: it is sent live, or once after the next welcome. */
    function requestHuman() {
        highlightHuman(false);
        if (sendFrame({ type: 'handoff', client_id: newClientId() })) {
            expectReply();
        } else {
            state.handoff = true;
            save();
            banner(T.reconnecting);
        }
        input.focus();
    }
    /* Feedback has no client_id (nothing to deduplicate it by), so it is only sent live. */
    function rate(seq, helpful) {
        if (!sendFrame({ type: 'feedback', seq: seq, helpful: helpful })) return false;
        state.rated[seq] = helpful;
        save();
        return true;
    }
    /* Frames with a client_id stay in sessionStorage until acked; they are (re)sent on every
     * (re)connection. The server stores a client_id once, so a resend never duplicates. */
    function enqueue(p) {
        state.pending.push(p);
        save();
        renderPendingVisitor(p);
        if (ready) { sendPending(p); expectReply(); }
    }
    function wireFrame(p) {
        if (p.type === 'pick') return { type: 'pick', kb_id: p.kb_id, client_id: p.client_id };
        return { type: 'message', text: p.text, client_id: p.client_id };
    }
    function sendPending(p) { sendFrame(wireFrame(p)); }
    function dropPending(cid) {
        for (var i = 0; i < state.pending.length; i++) {
            if (state.pending[i].client_id === cid) { state.pending.splice(i, 1); save(); return true; }
        }
        return false;
    }

    /* ---------- connection ---------- */
    var ws = null, ready = false, attempt = 0, retryTimer = null, pingTimer = null, pongTimer = null;

    function connect() {
        if (ws || retryTimer) return;
        var sock;
        try { sock = new WebSocket(WS_URL, 'sanad.v1'); }
        catch (e) { scheduleReconnect(); return; }
        ws = sock;
        ready = false;
        if (attempt === 0 && !state.msgs.length) banner(T.connecting);
        sock.onopen = function () {
            var hello = { type: 'hello', lang: LANG, last_seq: state.last_seq };
            if (state.token) hello.token = state.token;
            sock.send(JSON.stringify(hello));
        };
        sock.onmessage = function (ev) {
            if (sock !== ws) return;
            var f;
            try { f = JSON.parse(ev.data); } catch (e) { return; }
            if (f && typeof f === 'object') onFrame(f);
        };
        sock.onclose = function () {
            if (sock !== ws) return;
            ws = null;
            ready = false;
            stopPing();
            typing(false);
            scheduleReconnect();
        };
        sock.onerror = function () { /* onclose follows */ };
    }
    function scheduleReconnect() {
        if (retryTimer) return;
        banner(T.reconnecting);
        var cap = Math.min(BACKOFF_CAP, BACKOFF_BASE * Math.pow(2, attempt));
        var delay = cap / 2 + Math.random() * cap / 2;   /* exponential backoff, jitter */
        attempt++;
        retryTimer = setTimeout(function () { retryTimer = null; connect(); }, delay);
    }
    function sendFrame(f) {
        if (ws && ready && ws.readyState === 1) { ws.send(JSON.stringify(f)); return true; }
        return false;
    }
    function startPing() {
        stopPing();
        pingTimer = setInterval(function () {
            if (!sendFrame({ type: 'ping' })) return;
            clearTimeout(pongTimer);
            pongTimer = setTimeout(function () { if (ws) ws.close(); }, PONG_WAIT);
        }, PING_EVERY);
    }
    function stopPing() { clearInterval(pingTimer); clearTimeout(pongTimer); }
    window.addEventListener('online', function () {
        if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; connect(); }
    });

    function onFrame(f) {
        switch (f.type) {
        case 'welcome':
            if (f.resumed !== true && (state.msgs.length || state.last_seq)) {
                /* the old conversation is gone (expired token): start over, keep unsent ones */
                state.msgs = []; state.last_seq = 0; state.rated = {}; seen = {};
                var keep = {};
                state.pending.forEach(function (p) { keep[p.client_id] = byCid[p.client_id]; });
                byCid = keep;
                while (logEl.firstChild) logEl.removeChild(logEl.firstChild);
                notice(T.newconv, 'system');
                state.pending.forEach(function (p) { if (byCid[p.client_id]) logEl.appendChild(byCid[p.client_id]); });
            }
            if (typeof f.token === 'string') state.token = f.token;
            if (f.resumed !== true) { state.prechatDone = false; state.profile = null; }
            if (f.bot && typeof f.bot.name === 'string') botName = f.bot.name;
            transcriptBtn.hidden = !state.token;
            if (f.limits && typeof f.limits.max_text === 'number') input.maxLength = f.limits.max_text;
            if (f.state === 'queued') highlightHuman(false);
            else setQueued(false); /* a queue frame follows a resumed queued conversation */
            agentMode(f.state === 'agent');
            save();
            ready = true;
            attempt = 0;
            banner('');
            startPing();
            /* drop anything that is not a message/pick (older versions kept handoffs here) */
            state.pending = state.pending.filter(function (p) { return p.type === 'message' || p.type === 'pick'; });
            if (state.pending.length) {
                state.pending.forEach(sendPending);
                expectReply();
            }
            if (state.handoff) {
                state.handoff = false;
                sendFrame({ type: 'handoff', client_id: newClientId() });
                expectReply();
            }
            /* the form once per conversation, before its first visitor message */
            var said = state.msgs.some(function (m) { return m.from === 'visitor'; }) || state.pending.length;
            if (f.prechat && f.prechat.done !== true && !state.prechatDone && !said) prechatBox(f.prechat);
            else if (f.prechat && f.prechat.done === true) state.prechatDone = true;
            save();
            break;
        case 'profile_ok':
            prechatClose(prechatSent || {});
            break;
        case 'message':
            if (typeof f.seq !== 'number') return;
            if (f.from === 'visitor' && f.client_id) dropPending(f.client_id);
            if (render(f, false)) {
                state.msgs.push(f);
                save();
            }
            if (prechatEl) { /* the form stays last, under the welcome it follows */
                var had = root.activeElement;
                logEl.appendChild(prechatEl);
                if (had && prechatEl.contains(had)) had.focus(); /* moving it lost the focus */
                scrollDown();
            }
            break;
        case 'ack':
            if (typeof f.client_id !== 'string' || typeof f.seq !== 'number') return;
            dropPending(f.client_id);
            var row = byCid[f.client_id];
            if (row) {
                markSent(row, f.seq);
                if (!seen[f.seq]) {
                    seen[f.seq] = true;
                    var v = { type: 'message', seq: f.seq, from: 'visitor', client_id: f.client_id,
                              text: row.querySelector('.bubble').textContent };
                    state.msgs.push(v);
                }
            }
            if (f.seq > state.last_seq) state.last_seq = f.seq;
            save();
            break;
        case 'queue':
            setQueued(true);
            queueText.textContent = T.queue(f.position | 0, f.eta_minutes | 0);
            scrollDown();
            break;
        case 'agent_joined':
        case 'closed':
            /* the server also stores a system message saying so (it is in the transcript and
             * in replays): only the queue line goes here, or the notice would show twice */
            setQueued(false);
            agentMode(f.type === 'agent_joined',
                      f.agent && typeof f.agent.name === 'string' ? f.agent.name : '');
            if (f.type === 'closed') csatBox();
            break;
        case 'csat_ok':
            csatDone();
            break;
        case 'offline':
            offlineBox(typeof f.reason === 'string' ? f.reason : 'nobody_online');
            break;
        case 'message_left':
            offlineDone(f.ticket);
            break;
        case 'typing':
            typing(f.on === true);
            break;
        case 'pong':
            clearTimeout(pongTimer);
            break;
        case 'error':
            onError(f);
            break;
        default:
            break;   /* unknown types are ignored: the protocol can grow */
        }
    }

    function onError(f) {
        var code = typeof f.code === 'string' ? f.code : 'error';
        if (code === 'bad_token') return;   /* a fresh welcome follows */
        if (prechatSent && code === 'bad_field') { /* the form was refused: say so there */
            prechatNote.textContent = T.pcBad;
            prechatSend.disabled = false;
            prechatSent = null;
            return;
        }
        typing(false);
        if (offlineSend) offlineSend.disabled = false; /* a refused leave_message may be fixed and resent */
        var cid = typeof f.client_id === 'string' ? f.client_id : null;
        if (code === 'internal' || code === 'rate_limited') {
            /* nothing was stored: resend what is unacked a bit later (the server may not say
             * which frame it refused; resending an acked client_id is harmless) */
            clearTimeout(onError.retry);
            onError.retry = setTimeout(function () {
                if (state.pending.length && ready) { state.pending.forEach(sendPending); expectReply(); }
            }, code === 'rate_limited' ? 1500 : 3000);
        } else if (cid) {
            /* refused for good (too long, not found…): nothing was stored, do not resend */
            dropPending(cid);
            var row = byCid[cid];
            if (row) {
                row.classList.remove('pending');
                row.classList.add('failed');
                row.querySelector('.status').textContent = '⚠ ' + T.failed;
            }
        }
        notice(T.errors[code] || (typeof f.message === 'string' && f.message ? f.message : code), 'error');
    }

    /* The hook for the page the widget is on (the help center, docs/help-center.md): a click
     * on any element with data-sanad-ask="text" opens the chat with text in the input, ready
     * to send or edit (never sent by itself); window.__sanadWidget.ask(text) does the same.
     * Without this script such an element is a plain link. */
    function ask(text) {
        setOpen(true);
        input.value = String(text == null ? '' : text).slice(0, input.maxLength);
        autosize();
        input.focus();
    }
    function onAskClick(ev) {
        var t = ev.target && ev.target.closest ? ev.target.closest('[data-sanad-ask]') : null;
        if (!t) return;
        ev.preventDefault();
        ask(t.getAttribute('data-sanad-ask'));
    }

    function start() {
        if (window.__sanadWidget) return;
        window.__sanadWidget = { version: 1, ask: function (text) { ask(text); } };
        build();
        document.addEventListener('click', onAskClick);
    }
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
})();
