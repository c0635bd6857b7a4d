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
    var MAX_KEPT = 200;        /* transcript messages kept in localStorage */
    var BACKOFF_BASE = 500, BACKOFF_CAP = 10000;
    var PING_EVERY = 25000, PONG_WAIT = 10000, TYPING_MAX = 20000;
    /* The visitor's own typing, told to the agent (docs/protocol.md "Typing and seen"): a
     * start at most every TYPING_EVERY while typing goes on, the end after TYPING_IDLE
     * without a key, at the send and at the blur. The agent's indicator ends by itself
     * after AGENT_TYPING_MAX in case its end was lost. */
    var TYPING_EVERY = 3000, TYPING_IDLE = 4000, AGENT_TYPING_MAX = 10000;

    /* Counts in words by the language's plural rules (Intl.PluralRules: Arabic has six
     * forms; "٣ دقائق", "١١ دقيقة", "دقيقتان"), numbers by Intl.NumberFormat. A form without
     * "#" stands alone (Arabic says "دقيقتان", not "٢ دقيقتان"). */
    var AR_MINUTES = { zero: '# دقيقة', one: 'دقيقة واحدة', two: 'دقيقتان', few: '# دقائق',
                       many: '# دقيقة', other: '# دقيقة' };
    var EN_MINUTES = { one: '# minute', other: '# minutes' };
    var AR_UNREAD = { zero: 'لا رسائل جديدة', one: 'رسالة جديدة واحدة', two: 'رسالتان جديدتان',
                      few: '# رسائل جديدة', many: '# رسالة جديدة', other: '# رسالة جديدة' };
    var EN_UNREAD = { one: '# new message', other: '# new messages' };
    function num(n) { return new Intl.NumberFormat(LANG).format(n); }
    function plural(n, forms) {
        var f = forms[new Intl.PluralRules(LANG).select(n)] || forms.other;
        return f.replace('#', num(n));
    }

    var T = {
        ar: {
            dir: 'rtl', open: 'تحدث معنا', close: 'إغلاق المحادثة', title: 'المساعد الآلي',
            bot: 'روبوت', agent: 'موظف', you: 'أنت', human: 'تحدث مع موظف', agentTitle: 'موظف خدمة العملاء',
            caseRef: 'رقم طلبك',
            caseStatus: { /* the case's status in words (issue 15): after the reference */
                new: 'بانتظار موظف', open: 'لدى موظف الآن', waiting: 'بانتظار ردك',
                escalated: function (d, t) {
                    return 'حُوِّل إلى ' + ({ 2: 'خط الدعم الثاني', 3: 'خط الدعم الثالث' }[t] || 'مستوى أعلى من الدعم') +
                        ' (' + (d ? d + '، ' : '') + 'المستوى ' + num(t) + ')';
                },
                solved: 'تم حلّه', closed: 'أُغلق'
            },
            placeholder: 'اكتب سؤالك…', send: 'إرسال', input: 'رسالتك',
            typing: 'يكتب…', agentTyping: function (n) { return (n || 'الموظف') + ' يكتب…'; },
            reconnecting: 'جارٍ إعادة الاتصال…', connecting: 'جارٍ الاتصال…',
            helpful: 'هل كانت هذه الإجابة مفيدة؟', yes: 'نعم', no: 'لا', thanks: 'شكرًا لتقييمك',
            rateChat: 'كيف كانت خدمتنا؟ قيّم المحادثة من ' + num(1) + ' إلى ' + num(5), comment: 'تعليق (اختياري)',
            leaveQueue: 'العودة إلى المساعد الآلي',
            offline: { nobody_online: 'لا يوجد موظف متاح الآن.', closed_hours: 'نحن خارج ساعات العمل الآن.' },
            leaveMsg: 'اترك لنا رسالة وسنعود إليك.', msgText: 'رسالتك لفريق الدعم',
            email: 'بريدك الإلكتروني (اختياري)', consent: 'أوافق على أن تتواصلوا معي عبر هذا البريد',
            consentNeeded: 'وافق على التواصل عبر البريد أو احذف البريد.', badEmail: 'البريد الإلكتروني غير صحيح.',
            msgSend: 'إرسال الرسالة', msgLeft: function (n) { return 'وصلت رسالتك (رقم ' + num(n) + '). سيرد عليك فريقنا.'; },
            rateSend: 'إرسال التقييم', star: function (n) { return num(n) + ' من ' + num(5); },
            suggestions: 'اقتراحات', queue: function (p, m) {
                return 'أنت رقم ' + num(p) + ' في قائمة الانتظار' +
                    (m > 0 ? '، الانتظار المتوقع نحو ' + plural(m, AR_MINUTES) : '');
            },
            failed: 'لم تُرسل', pending: 'قيد الإرسال', newconv: 'بدأت محادثة جديدة.',
            log: 'رسائل المحادثة', sent: 'أُرسلت', sound: 'صوت التنبيه',
            unread: function (n) { return plural(n, AR_UNREAD); },
            attach: 'إرفاق صورة أو ملف PDF', uploading: 'جارٍ رفع الملف…', openImage: 'فتح الصورة',
            pdf: 'ملف PDF', kb: function (n) { return num(Math.max(1, Math.round(n / 1024))) + ' ك.ب'; },
            attachErrors: {
                413: function (max) { return 'الملف أكبر من الحد المسموح (' + num(Math.floor(max / 1048576)) + ' م.ب).'; },
                415: 'هذا النوع من الملفات غير مقبول. أرسل صورة (PNG أو JPEG أو GIF أو WebP) أو ملف PDF.',
                400: 'الملف فارغ.', 401: 'انتهت الجلسة؛ أعد فتح المحادثة ثم حاول مجددًا.',
                other: 'تعذر رفع الملف؛ حاول مرة أخرى.'
            },
            prechat: 'قبل أن نبدأ، عرّفنا بنفسك', pcName: 'اسمك', pcEmail: 'بريدك الإلكتروني',
            pcDept: 'القسم', pcChoose: 'اختر القسم', pcOptional: ' (اختياري)', pcStart: 'ابدأ المحادثة',
            pcSkip: 'تخطَّ', pcRequired: 'املأ الحقول المطلوبة.', pcBad: 'تعذر حفظ البيانات؛ راجع الحقول.',
            transcript: 'تنزيل نص المحادثة', transcriptFailed: 'تعذر تنزيل نص المحادثة.',
            mailTranscript: 'أرسل نص المحادثة إلى بريدي', mailed: 'أرسلنا نص المحادثة إلى بريدك.',
            mailFailed: 'تعذر إرسال نص المحادثة بالبريد الآن.',
            errors: {
                too_long: 'الرسالة طويلة جدًا.', empty: 'الرسالة فارغة.', too_big: 'الرسالة كبيرة جدًا.',
                rate_limited: 'رسائل كثيرة بسرعة؛ سنعيد الإرسال بعد لحظة.',
                not_found: 'هذا الاقتراح أو الملف لم يعد متاحًا.', internal: 'خطأ مؤقت في الخادم؛ سنعيد المحاولة.',
                bad_utf8: 'تعذر قراءة الرسالة.'
            }
        },
        en: {
            dir: 'ltr', open: 'Chat with us', close: 'Close chat', title: 'Automated assistant',
            bot: 'Bot', agent: 'Agent', you: 'You', human: 'Talk to a human', agentTitle: 'Customer support agent',
            caseRef: 'Your case',
            caseStatus: { /* the case's status in words (issue 15): after the reference */
                new: 'waiting for an agent', open: 'with an agent', waiting: 'waiting for your reply',
                escalated: function (d, t) {
                    return 'passed to the ' + ({ 2: 'second line', 3: 'third line' }[t] || 'next line of support') +
                        ' (' + (d ? d + ', ' : '') + 'tier ' + num(t) + ')';
                },
                solved: 'solved', closed: 'closed'
            },
            placeholder: 'Type your question…', send: 'Send', input: 'Your message',
            typing: 'typing…', agentTyping: function (n) { return (n || 'The agent') + ' is typing…'; },
            reconnecting: 'Reconnecting…', connecting: 'Connecting…',
            helpful: 'Was this helpful?', yes: 'Yes', no: 'No', thanks: 'Thanks for your feedback',
            rateChat: 'How did we do? Rate this chat from ' + num(1) + ' to ' + num(5), comment: 'Comment (optional)',
            leaveQueue: 'Back to the bot',
            offline: { nobody_online: 'No agent is available right now.', closed_hours: 'We are outside business hours right now.' },
            leaveMsg: 'Leave us a message and we will get back to you.', msgText: 'Your message to our team',
            email: 'Your email (optional)', consent: 'I agree to be contacted at this email',
            consentNeeded: 'Agree to be contacted by email, or remove the email.', badEmail: 'That email address is not valid.',
            msgSend: 'Send message', msgLeft: function (n) { return 'Your message was received (number ' + num(n) + '). Our team will reply.'; },
            rateSend: 'Send rating', star: function (n) { return num(n) + ' of ' + num(5); },
            suggestions: 'Suggestions', queue: function (p, m) {
                return 'You are number ' + num(p) + ' in the queue' +
                    (m > 0 ? ', estimated wait about ' + plural(m, EN_MINUTES) : '');
            },
            failed: 'not sent', pending: 'sending', newconv: 'A new conversation started.',
            log: 'Chat messages', sent: 'sent', sound: 'Notification sound',
            unread: function (n) { return plural(n, EN_UNREAD); },
            attach: 'Attach an image or a PDF', uploading: 'Uploading the file…', openImage: 'Open the image',
            pdf: 'PDF file', kb: function (n) { return num(Math.max(1, Math.round(n / 1024))) + ' KB'; },
            attachErrors: {
                413: function (max) { return 'The file is larger than allowed (' + num(Math.floor(max / 1048576)) + ' MB).'; },
                415: 'This kind of file is not accepted. Send an image (PNG, JPEG, GIF or WebP) or a PDF.',
                400: 'The file is empty.', 401: 'The session ended; reopen the chat and try again.',
                other: 'The file could not be uploaded; try again.'
            },
            prechat: 'Before we start, tell us about yourself', pcName: 'Your name', pcEmail: 'Your email',
            pcDept: 'Department', pcChoose: 'Choose a department', pcOptional: ' (optional)', pcStart: 'Start chat',
            pcSkip: 'Skip', pcRequired: 'Fill in the required fields.', pcBad: 'That could not be saved; check the fields.',
            transcript: 'Download the transcript', transcriptFailed: 'The transcript could not be downloaded.',
            mailTranscript: 'Email me the transcript', mailed: 'We sent the transcript to your email.',
            mailFailed: 'The transcript could not be emailed now.',
            errors: {
                too_long: 'The message is too long.', empty: 'The message is empty.', too_big: 'The message is too big.',
                rate_limited: 'Too many messages at once; resending in a moment.',
                not_found: 'That suggestion or file is no longer available.', internal: 'A temporary server error; retrying.',
                bad_utf8: 'The message could not be read.'
            }
        }
    }[LANG];

    /* the bot's name until the welcome gives the server's (bot_name_ar / bot_name_en) */
    var botName = LANG === 'ar' ? 'سند' : 'Sanad';
    var transcriptBtn = null, mailTranscript = false, mailAsked = false; /* welcome.transcript_email */

    /* ---------- persistent state ----------
     * The conversation (token, transcript, ratings) is the site's, in localStorage, so that
     * every tab and every page load of the site carries the same one; each tab keeps its own
     * socket (the server delivers to all of a conversation's sockets) and its own view: the
     * unacked frames it typed, whether its panel is open, its unread count (sessionStorage).
     * A tab writes the shared part merged with what another tab wrote (absorb), and reads
     * another tab's writes from the storage event, so a message is shown once, in seq order. */
    var state = load();
    /* name: 'localStorage' or 'sessionStorage'; null where storage is disabled (reading the
     * property itself throws in a sandboxed frame) */
    function area(name) { try { return window[name] || null; } catch (e) { return null; } }
    function parse(name) {
        try {
            var v = JSON.parse(area(name).getItem(STORE_KEY) || 'null');
            return v && typeof v === 'object' ? v : null;
        } catch (e) { return null; }
    }
    function shared(s) {
        return {
            token: s && typeof s.token === 'string' ? s.token : null,
            last_seq: s ? s.last_seq | 0 : 0,
            msgs: s && Array.isArray(s.msgs) ? s.msgs : [],
            rated: s && s.rated && typeof s.rated === 'object' ? s.rated : {},
            /* the pre-chat form: answered or skipped; what it said (prefills leave-a-message) */
            prechatDone: !!(s && s.prechatDone),
            profile: s && s.profile && typeof s.profile === 'object' ? s.profile : null
        };
    }
    function load() {
        var t = parse('sessionStorage') || {};
        var sh = parse('localStorage');
        /* an older widget kept everything in the tab's sessionStorage */
        var c = shared(sh || (typeof t.token === 'string' ? t : null));
        return {
            token: c.token, last_seq: c.last_seq, msgs: c.msgs, rated: c.rated,
            prechatDone: c.prechatDone, profile: c.profile,
            pending: Array.isArray(t.pending) ? t.pending : [],   /* unacked frames, with client_id */
            open: !!t.open,
            counter: t.counter | 0,
            unread: t.unread | 0,
            handoff: !!t.handoff,                                 /* handoff asked while offline */
            caseInfo: caseKept(t.caseInfo)                        /* the case's status (issue 15) */
        };
    }
    function save() {
        var sh = parse('localStorage');
        if (sh && sh.token === state.token) absorb(shared(sh));
        if (state.msgs.length > MAX_KEPT) state.msgs = state.msgs.slice(-MAX_KEPT);
        try {
            area('localStorage').setItem(STORE_KEY, JSON.stringify({ token: state.token, last_seq: state.last_seq,
                                                             msgs: state.msgs, rated: state.rated,
                                                             prechatDone: state.prechatDone,
                                                             profile: state.profile }));
        } catch (e) { /* full or disabled: this tab still works */ }
        saveTab();
    }
    /* Takes in what another tab stored of the same conversation: messages not shown yet
     * (rendered in place by seq), the highest seq, the ratings. Returns true when it changed. */
    function absorb(c) {
        var changed = false;
        if (!logEl) return false; /* before build(): load() has it all */
        c.msgs.slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(function (m) {
            if (!m || typeof m.seq !== 'number' || seen[m.seq]) return;
            if (render(m, true)) { state.msgs.push(m); changed = true; }
        });
        if (changed) state.msgs.sort(function (a, b) { return a.seq - b.seq; });
        if (c.last_seq > state.last_seq) { state.last_seq = c.last_seq; changed = true; }
        if (c.prechatDone && !state.prechatDone) { /* the form was answered in another tab */
            state.profile = c.profile;
            prechatClose(null);
        }
        for (var k in c.rated) {
            if (Object.prototype.hasOwnProperty.call(c.rated, k) && !(k in state.rated)) {
                state.rated[k] = c.rated[k];
                var fb = logEl.querySelector('.row[data-seq="' + (k | 0) + '"] .feedback');
                if (fb) fb.hidden = true; /* rated in the other tab */
            }
        }
        return changed;
    }
    /* Another tab wrote: the same conversation grew, or it started a new one (its token
     * expired), which this tab follows, keeping what it has not sent yet. */
    window.addEventListener('storage', function (ev) {
        if (ev.key !== STORE_KEY || ev.storageArea !== area('localStorage') || !logEl) return;
        var c = shared(parse('localStorage'));
        if (!c.token) return;
        if (c.token !== state.token) {
            state.token = c.token;
            resetLog();
            state.msgs = []; state.last_seq = 0; state.rated = {};
            state.prechatDone = c.prechatDone; state.profile = c.profile;
            absorb(c);
            saveTab();
            if (ws) ws.close(); /* resumes with the new token (onclose reconnects) */
            return;
        }
        absorb(c);
    });
    function saveTab() {
        try {
            area('sessionStorage').setItem(STORE_KEY, JSON.stringify({ pending: state.pending, open: state.open,
                                                               counter: state.counter, unread: state.unread,
                                                               handoff: state.handoff, caseInfo: state.caseInfo }));
        } catch (e) { /* full or disabled */ }
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
    var unreadEl, soundBtn, audio = null;
    var host, root, launcher, panel, logEl, typingEl, agentTypingEl, bannerEl, queueEl, queueText, humanBtn, input, sendBtn, form;
    var fileInput, attachBtn;
    var byCid = {};      /* client_id -> visitor row element */
    var seen = {};       /* seq -> true (rendered) */

    /* ---------- attachments (docs/api.md "Attachments") ---------- */
    var ATTACH_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];
    var maxAttachment = 5 << 20;   /* welcome's limits.max_attachment replaces it */
    function clipIcon() {
        var NS = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(NS, 'svg');
        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('width', '20');
        svg.setAttribute('height', '20');
        svg.setAttribute('aria-hidden', 'true');
        var path = document.createElementNS(NS, 'path');
        path.setAttribute('d', 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5');
        path.setAttribute('fill', 'none');
        path.setAttribute('stroke', 'currentColor');
        path.setAttribute('stroke-width', '1.8');
        path.setAttribute('stroke-linecap', 'round');
        svg.appendChild(path);
        return svg;
    }
    /* An attachment as the server described it, checked: its URL must be one of ours (never a
     * javascript: or another site's link smuggled into a frame), else nothing is shown. */
    function validAttachment(a) {
        return a && typeof a === 'object' && typeof a.url === 'string' &&
            /^\/api\/attachments\/[0-9a-f]{32}$/.test(a.url) && typeof a.type === 'string';
    }
    /* The preview: an image thumbnail that opens the image, or a PDF card that downloads it. */
    function attachmentView(a) {
        var href = ORIGIN + a.url, name = typeof a.name === 'string' ? a.name : '';
        var link = el('a', a.type.indexOf('image/') === 0 ? 'att att-image' : 'att att-file');
        link.href = href;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.setAttribute('data-attachment', a.id || '');
        if (a.type.indexOf('image/') === 0) {
            var img = el('img');
            img.src = href;
            img.alt = name;
            img.loading = 'lazy';
            img.addEventListener('load', scrollDown);
            link.appendChild(img);
            link.setAttribute('aria-label', T.openImage + (name ? ': ' + name : ''));
        } else {
            link.setAttribute('download', name);
            var ic = el('span', 'att-icon', 'PDF');
            ic.setAttribute('aria-hidden', 'true');
            link.appendChild(ic);
            var info = el('span', 'att-info');
            var nm = el('span', 'att-name', name || T.pdf);
            nm.setAttribute('dir', 'auto');
            info.appendChild(nm);
            info.appendChild(el('span', 'att-size', T.pdf + ' · ' + T.kb(a.size | 0)));
            link.appendChild(info);
        }
        return link;
    }
    /* Uploads f with the conversation's token, then sends the message that carries it (with
     * the words typed so far, if any). A refusal is said in the visitor's language. */
    function attachFile(f) {
        if (f.size > maxAttachment) { notice(T.attachErrors[413](maxAttachment), 'error'); return; }
        if (!f.size) { notice(T.attachErrors[400], 'error'); return; }
        if (!state.token) { notice(T.attachErrors[401], 'error'); return; }
        attachBtn.disabled = true;
        banner(T.uploading);
        fetch(ORIGIN + '/api/attachments?name=' + encodeURIComponent(f.name || ''), {
            method: 'POST', body: f, credentials: 'omit', mode: 'cors',
            headers: { 'X-Sanad-Token': state.token, 'Content-Type': f.type || 'application/octet-stream' }
        }).then(function (r) {
            return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, j: j }; });
        }).then(function (res) {
            if (res.status !== 201 || !validAttachment(res.j)) throw res;
            var text = input.value.replace(/^\s+|\s+$/g, '');
            input.value = '';
            autosize();
            enqueue({ type: 'message', text: text, client_id: newClientId(), attachment: res.j });
        }).catch(function (res) {
            var st = res && res.status, e = T.attachErrors[st] || T.attachErrors.other;
            notice(typeof e === 'function' ? e(maxAttachment) : e, 'error');
        }).then(function () {
            attachBtn.disabled = false;
            banner('');
            input.focus();
        });
    }

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
        unreadEl = el('span', 'unread');
        unreadEl.setAttribute('aria-hidden', 'true'); /* the launcher's label says it */
        unreadEl.hidden = true;
        launcher.appendChild(unreadEl);
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
        var cref = el('span', 'caseref', '');
        cref.hidden = true;
        titles.appendChild(cref);
        head.appendChild(titles);
        soundBtn = el('button', 'sound');
        soundBtn.type = 'button';
        soundBtn.setAttribute('aria-label', T.sound);
        soundBtn.title = T.sound;
        soundBtn.addEventListener('click', function () {
            setSound(!soundOn());
            if (soundOn()) audioContext(); /* made in the click: browsers let audio start from a gesture */
        });
        head.appendChild(soundBtn);
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

        /* the agent's real typing (typing frames), apart from the bot's stand-in above */
        agentTypingEl = el('div', 'agent-typing');
        agentTypingEl.hidden = true;
        agentTypingEl.setAttribute('role', 'status');
        agentTypingEl.setAttribute('aria-live', 'polite');
        var adots = el('span', 'dots');
        adots.setAttribute('aria-hidden', 'true');
        adots.appendChild(el('i')); adots.appendChild(el('i')); adots.appendChild(el('i'));
        agentTypingEl.appendChild(adots);
        agentTypingEl.appendChild(el('span', 'agent-typing-text'));
        panel.appendChild(agentTypingEl);

        var actions = el('div', 'actions');
        humanBtn = el('button', 'human', T.human);
        humanBtn.type = 'button';
        humanBtn.addEventListener('click', requestHuman);
        actions.appendChild(humanBtn);
        panel.appendChild(actions);

        form = el('form', 'composer');
        form.setAttribute('novalidate', '');
        /* a file: the paperclip opens the picker; the file input itself stays out of sight
         * (and out of the tab order) behind its labelled button */
        fileInput = el('input', 'file');
        fileInput.type = 'file';
        fileInput.accept = ATTACH_TYPES.join(',');
        fileInput.tabIndex = -1;
        fileInput.setAttribute('aria-hidden', 'true');
        fileInput.addEventListener('change', function () {
            var f = fileInput.files && fileInput.files[0];
            fileInput.value = '';
            if (f) attachFile(f);
        });
        form.appendChild(fileInput);
        attachBtn = el('button', 'attach');
        attachBtn.type = 'button';
        attachBtn.setAttribute('aria-label', T.attach);
        attachBtn.title = T.attach;
        attachBtn.appendChild(clipIcon());
        attachBtn.addEventListener('click', function () { fileInput.click(); });
        form.appendChild(attachBtn);
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
        input.addEventListener('input', typingInput);
        input.addEventListener('blur', function () { typingStop(); });
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
        setSound(soundOn());
        showUnread();
        document.addEventListener('visibilitychange', function () {
            if (!document.hidden && isOpen()) clearUnread();
        });

        /* the transcript kept in this tab */
        for (var i = 0; i < state.msgs.length; i++) render(state.msgs[i], true);
        for (var j = 0; j < state.pending.length; j++) renderPendingVisitor(state.pending[j]);
        if (state.open || caseLink()) setOpen(true, true);
        else if (state.token) connect();   /* an ongoing conversation: resume it at once */
    }

    /* A reply by email links back to this page with #sanad-case=S-XXXXXX (issue 15,
     * docs/email.md): the chat opens, and resumes the conversation this browser has. The
     * link carries the reference only, never the token. */
    function caseLink() {
        try { return /^#sanad-case=S-[0-9A-Z]{6}$/.test(location.hash); } catch (e) { return false; }
    }

    /* ---------- the visitor id ----------
     * A random id this browser keeps for the site (localStorage, apart from the conversation:
     * it outlives an expired token), sent in hello, so that a visitor who comes back within
     * reopen_days reopens their solved case instead of starting a new one (docs/cases.md).
     * 22 characters of [A-Za-z0-9_-] (132 random bits); none where storage or crypto is off. */
    var VISITOR_KEY = 'sanad.visitor:' + ORIGIN;
    function visitorId() {
        var ok = /^[A-Za-z0-9_-]{16,64}$/, v = null;
        try { v = area('localStorage').getItem(VISITOR_KEY); } catch (e) { return null; }
        if (v && ok.test(v)) return v;
        try {
            var b = new Uint8Array(22), abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
            window.crypto.getRandomValues(b);
            v = '';
            for (var i = 0; i < b.length; i++) v += abc.charAt(b[i] & 63);
            area('localStorage').setItem(VISITOR_KEY, v);
            return ok.test(v) ? v : null;
        } catch (e) { return null; }
    }

    /* ---------- unread count and sound ----------
     * A reply that comes while the visitor cannot see it (panel closed, or the tab hidden)
     * counts on the launcher and, when the visitor switched it on (off by default: a page
     * that beeps unasked is a page people leave), plays a short tone. */
    var SOUND_KEY = 'sanad.sound:' + ORIGIN;
    function soundOn() {
        try { return area('localStorage').getItem(SOUND_KEY) === '1'; } catch (e) { return false; }
    }
    function setSound(on) {
        try { if (on) area('localStorage').setItem(SOUND_KEY, '1'); else area('localStorage').removeItem(SOUND_KEY); }
        catch (e) { /* disabled storage: on for this page only */ }
        soundBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
        soundBtn.textContent = on ? '🔔' : '🔕';
        soundBtn.classList.toggle('on', on);
    }
    function audioContext() {
        var AC = window.AudioContext || window.webkitAudioContext;
        try {
            if (!audio && AC) audio = new AC();
            if (audio && audio.state === 'suspended') audio.resume();
        } catch (e) { audio = null; }
        return audio;
    }
    function beep() {
        if (!audioContext()) return;
        try {
            var o = audio.createOscillator(), g = audio.createGain();
            o.type = 'sine';
            o.frequency.value = 880;
            g.gain.value = 0.06;
            o.connect(g);
            g.connect(audio.destination);
            o.start();
            o.stop(audio.currentTime + 0.15);
        } catch (e) { /* no audio device: the count is enough */ }
    }
    function incoming(m) {
        if (m.from === 'visitor' || (isOpen() && !document.hidden)) return;
        state.unread++;
        showUnread();
        if (soundOn()) beep();
    }
    function clearUnread() {
        if (!state.unread) return;
        state.unread = 0;
        showUnread();
        saveTab();
    }
    function showUnread() {
        var n = state.unread;
        unreadEl.hidden = !n;
        unreadEl.textContent = n ? num(n) : '';
        launcher.setAttribute('aria-label', n ? T.open + ' (' + T.unread(n) + ')' : T.open);
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
            clearUnread();
            connect();
            scrollDown();
            sendSeen();
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
            var row = visitorRow(text, m.attachment);
            markSent(row, m.seq);
            if (m.client_id) byCid[m.client_id] = row;
            place(row, m.seq);
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
        if (validAttachment(m.attachment)) {
            if (!text) bubble.classList.add('only-att');
            bubble.appendChild(attachmentView(m.attachment));
        }
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
        place(rowEl, m.seq);
        if (!fromStore && (from === 'bot' || from === 'agent')) typing(false);
        if (from === 'agent') {
            if (!fromStore) agentTyping(false); /* the message ends the agent's typing */
            if (m.seq > agentSeq) agentSeq = m.seq;
            sendSeen();
        }
        scrollDown();
        return true;
    }

    /* At the end, as it came; but in seq order when another tab's message arrives (storage
     * event) after a later one came over this tab's socket. */
    function place(row, seq) {
        var later = null, rows = logEl.querySelectorAll('.row[data-seq]');
        for (var i = rows.length - 1; i >= 0 && (rows[i].getAttribute('data-seq') | 0) > seq; i--) later = rows[i];
        logEl.insertBefore(row, later);
    }

    function visitorRow(text, att) {
        var row = el('div', 'row from-visitor');
        var bubble = el('div', 'bubble');
        bubble.setAttribute('dir', 'auto');
        var words = el('span', 'words');
        appendLinkified(words, text);
        bubble.appendChild(words);
        if (validAttachment(att)) {
            row.sanadAttachment = att;   /* kept with the transcript once it is acked */
            if (!text) bubble.classList.add('only-att');
            bubble.appendChild(attachmentView(att));
        }
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
        var row = visitorRow(p.text || '', p.attachment);
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
        /* by email, where the server sends email and the visitor gave an address with consent
         * (the server mails only that address: the frame names none) */
        if (mailTranscript && state.profile && state.profile.email && state.profile.consent) {
            var mx = el('button', 'fb transcript-mail', T.mailTranscript);
            mx.type = 'button';
            mx.addEventListener('click', function () { if (sendFrame({ type: 'transcript_email' })) { mx.disabled = true; mailAsked = true; } });
            box.appendChild(mx);
        }
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
    function offlineBox() {
        if (offlineEl) return;
        var box = offlineEl = el('form', 'offline');
        box.noValidate = true; /* checked below, with our own words */
        box.setAttribute('aria-label', T.leaveMsg);
        box.appendChild(el('div', 'q', T.leaveMsg)); /* why is on the queue line (setQueued) */
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

    /* Someone answers after all (an agent joined, or closed the chat): a form nobody sent
     * goes, so that the log offers one way on; a sent one stays, done, as a record. */
    function offlineRetire() {
        if (!offlineEl) return;
        if (!offlineEl.querySelector('.thanks')) offlineEl.parentNode.removeChild(offlineEl);
        offlineEl = null;
        offlineSend = null;
    }

    /* Empties the log for another conversation; this tab's unsent messages stay, at the end. */
    function resetLog() {
        seen = {};
        agentSeq = seenSent = 0; /* the seen receipts start over with the conversation */
        var keep = {};
        state.pending.forEach(function (p) { keep[p.client_id] = byCid[p.client_id]; });
        byCid = keep;
        offlineEl = offlineSend = null;
        while (logEl.firstChild) logEl.removeChild(logEl.firstChild);
        notice(T.newconv, 'system');
        state.pending.forEach(function (p) { if (byCid[p.client_id]) logEl.appendChild(byCid[p.client_id]); });
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
        var shown = !!prechatEl;
        state.prechatDone = true;
        if (f) state.profile = { name: f.name || '', email: f.email || '', consent: !!f.consent };
        save();
        if (prechatEl && prechatEl.parentNode) prechatEl.parentNode.removeChild(prechatEl);
        prechatEl = prechatSend = prechatSent = null;
        input.disabled = sendBtn.disabled = false;
        if (shown && isOpen()) input.focus();
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
    /* Queued: the queue line shows and "talk to a human" does not (it was asked for). One
     * state at a time: while nobody can answer (offline) the line says so instead of a
     * position and a wait nobody will meet, and the leave-a-message form is the way on. */
    var queued = false, offlineReason = null, queuePos = 0, queueEta = 0;
    function setQueued(on) {
        queued = on;
        if (!on) offlineReason = null;
        queueEl.hidden = !on;
        queueEl.classList.toggle('is-offline', !!offlineReason);
        humanBtn.hidden = on || withAgent;
        if (offlineReason) queueText.textContent = T.offline[offlineReason] || T.offline.nobody_online;
        else queueText.textContent = queuePos > 0 ? T.queue(queuePos, queueEta) : '';
    }
    function agentMode(on, who) {
        if (!on || who) agentTyping(false); /* closed, or someone else took the chat */
        if (!on) typingOn = false;           /* nobody to tell any more */
        withAgent = on;
        humanBtn.hidden = on || queued;
        if (on) typing(false);
        if (on && who) agentName = who;
        if (on && !agentName) agentName = lastAgentName(); /* resumed: the transcript names her */
        if (!on) agentName = '';
        headerFor();
    }
    /* The header says who answers now: the bot (its name, "bot") or the agent (name,
     * initials, "agent"), so that nobody takes a person for the bot or the bot for a person. */
    function initials(n) {
        var w = String(n).trim().split(/\s+/).filter(function (x) { return x; });
        return w.slice(0, 2).map(function (x) { return Array.from(x)[0]; }).join('');
    }
    function lastAgentName() {
        for (var i = state.msgs.length - 1; i >= 0; i--) {
            var m = state.msgs[i];
            if (m.from === 'agent' && m.agent && typeof m.agent.name === 'string') return m.agent.name;
        }
        return '';
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
    /* The case reference the server names in queue, offline, agent_joined, closed and
     * message_left (issue 15): shown under the title, so the visitor can quote it. Latin
     * letters and digits: isolated left to right inside an Arabic line. */
    function caseRefShow(ref) {
        if (typeof ref !== 'string' || !/^S-[0-9A-Z]{6}$/.test(ref)) return;
        var c = root.querySelector('.head .caseref');
        while (c.firstChild) c.removeChild(c.firstChild);
        c.appendChild(document.createTextNode(T.caseRef + ' '));
        var b = el('bdi', 'ref', ref);
        b.setAttribute('dir', 'ltr');
        c.appendChild(b);
        caseStatusAppend(c, ref);
        c.hidden = false;
    }

    /* The case's status (issue 15): the server's `case` frame {case_ref, status, department
     * {id, label}, tier} after an escalation, a transfer to a department, a reopening and the
     * close; `closed` alone (an older server) reads as solved. Kept for the reference it is
     * about, and written after it in words: "Your case S-7K3M9Q: passed to the second line
     * (Technical, tier 2)". */
    var caseInfo = null;
    /* the status this tab showed last, kept with the tab (sessionStorage) for a reload */
    function caseKept(v) {
        return v && typeof v === 'object' && typeof v.ref === 'string' && typeof v.status === 'string'
            ? { ref: v.ref, status: v.status, dept: typeof v.dept === 'string' ? v.dept : '', tier: v.tier | 0 || 1 } : null;
    }
    function caseRestore() {
        if (!state.caseInfo || !state.token) return;
        caseInfo = state.caseInfo;
        caseRefShow(caseInfo.ref);
    }
    function caseFrame(f) {
        if (typeof f.case_ref !== 'string') return;
        var same = caseInfo && caseInfo.ref === f.case_ref;
        caseInfo = {
            ref: f.case_ref,
            status: typeof f.status === 'string' ? f.status : '',
            dept: f.department && typeof f.department.label === 'string' ? f.department.label
                : (f.department === undefined && same ? caseInfo.dept : ''),
            tier: typeof f.tier === 'number' && f.tier >= 1 ? Math.floor(f.tier) : (same ? caseInfo.tier : 1)
        };
        state.caseInfo = caseInfo;
        saveTab();
        caseRefShow(f.case_ref);
        /* escalated or sent to a department: back in the queue, nobody has it until the next
         * agent joins (its agent_joined then names them) */
        if (withAgent && (caseInfo.status === 'escalated' || caseInfo.status === 'new')) agentMode(false, '');
    }
    function caseForget() { /* a new conversation: its cases are not the old one's */
        caseInfo = null;
        state.caseInfo = null;
        var c = root.querySelector('.head .caseref');
        if (c) { while (c.firstChild) c.removeChild(c.firstChild); c.hidden = true; }
    }
    function caseClosed(f) {
        if (typeof f.case_ref !== 'string') return;
        if (caseInfo && caseInfo.ref === f.case_ref && (caseInfo.status === 'solved' || caseInfo.status === 'closed')) return;
        caseFrame({ case_ref: f.case_ref, status: f.resolution === 'spam' ? 'closed' : 'solved' });
    }
    function caseStatusAppend(c, ref) {
        if (!caseInfo || caseInfo.ref !== ref) return;
        var w = T.caseStatus[caseInfo.status];
        if (typeof w === 'function') w = w(caseInfo.dept, caseInfo.tier);
        if (!w) return;
        var s = el('span', 'casestatus', w);
        c.appendChild(document.createTextNode(LANG === 'ar' ? '، ' : ': '));
        c.appendChild(s);
    }

    function typing(on) {
        clearTimeout(typing.timer);
        typingEl.hidden = !on;
        if (on) {
            typing.timer = setTimeout(function () { typingEl.hidden = true; }, TYPING_MAX);
            scrollDown();
        }
    }

    /* ---------- typing both ways and "seen" receipts (issue 14) ---------- */
    var typingOn = false, typingAt = 0, typingIdle = null;
    function typingInput() {
        if (!withAgent) return;
        clearTimeout(typingIdle);
        if (!input.value.replace(/\s+/g, '')) { typingStop(); return; }
        var now = Date.now();
        if (!typingOn || now - typingAt >= TYPING_EVERY) {
            if (sendFrame({ type: 'typing', on: true })) { typingOn = true; typingAt = now; }
        }
        typingIdle = setTimeout(typingStop, TYPING_IDLE);
    }
    function typingStop() {
        clearTimeout(typingIdle);
        if (!typingOn) return;
        typingOn = false;
        sendFrame({ type: 'typing', on: false });
    }
    function agentTyping(on) {
        clearTimeout(agentTyping.timer);
        if (on) {
            agentTypingEl.querySelector('.agent-typing-text').textContent = T.agentTyping(agentName);
            agentTyping.timer = setTimeout(function () { agentTyping(false); }, AGENT_TYPING_MAX);
        }
        if (agentTypingEl.hidden === !on) return;
        agentTypingEl.hidden = !on;
        if (on) scrollDown();
    }
    /* The highest agent message shown, and the highest told to the server as seen: told only
     * while the visitor can see it (the panel open, the page visible). */
    var agentSeq = 0, seenSent = 0;
    function sendSeen() {
        if (!withAgent || agentSeq <= seenSent || !isOpen() || document.visibilityState !== 'visible') return;
        if (sendFrame({ type: 'seen', seq: agentSeq })) seenSent = agentSeq;
    }
    document.addEventListener('visibilitychange', sendSeen);

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
        typingStop();
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
        if (p.attachment) return { type: 'message', text: p.text || '', client_id: p.client_id, attachment: p.attachment.id };
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
            var vid = visitorId();
            if (vid) hello.visitor = vid;
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
            agentTyping(false);
            typingOn = false;
            seenSent = 0; /* told again after the reconnect (the server keeps the highest) */
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
                state.msgs = []; state.last_seq = 0; state.rated = {};
                resetLog();
            }
            if (typeof f.token === 'string') state.token = f.token;
            if (f.limits && typeof f.limits.max_attachment === 'number') maxAttachment = f.limits.max_attachment;
            if (f.resumed !== true) { state.prechatDone = false; state.profile = null; caseForget(); }
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
            mailTranscript = f.transcript_email === true;
            if (f.prechat && f.prechat.done !== true && !state.prechatDone && !said) prechatBox(f.prechat);
            else if (f.prechat && f.prechat.done === true) state.prechatDone = true;
            save();
            sendSeen();
            break;
        case 'profile_ok':
            prechatClose(prechatSent || {});
            break;
        case 'message':
            if (typeof f.seq !== 'number') return;
            if (f.from === 'visitor' && f.client_id) dropPending(f.client_id);
            if (render(f, false)) {
                state.msgs.push(f);
                incoming(f);
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
                              text: row.querySelector('.words').textContent };
                    if (row.sanadAttachment) v.attachment = row.sanadAttachment;
                    state.msgs.push(v);
                }
            }
            if (f.seq > state.last_seq) state.last_seq = f.seq;
            save();
            break;
        case 'queue':
            caseRefShow(f.case_ref);
            queuePos = f.position | 0;
            queueEta = f.eta_minutes | 0;
            setQueued(true);
            scrollDown();
            break;
        case 'agent_joined':
        case 'closed':
            /* the server also stores a system message saying so (it is in the transcript and
             * in replays): only the queue line goes here, or the notice would show twice */
            setQueued(false);
            caseRefShow(f.case_ref);
            offlineRetire();
            agentMode(f.type === 'agent_joined',
                      f.agent && typeof f.agent.name === 'string' ? f.agent.name : '');
            if (f.type === 'closed') { caseClosed(f); csatBox(); }
            break;
        case 'case':
            caseFrame(f);
            break;
        case 'transcript_emailed':
            mailAsked = false;
            notice(T.mailed, 'system');
            break;
        case 'csat_ok':
            csatDone();
            break;
        case 'offline':
            offlineReason = f.reason === 'closed_hours' ? 'closed_hours' : 'nobody_online';
            caseRefShow(f.case_ref);
            setQueued(true);
            offlineBox();
            break;
        case 'message_left':
            caseRefShow(f.case_ref);
            offlineDone(f.ticket);
            break;
        case 'typing':
            /* the agent's (from "agent"); the bot has only the widget's own stand-in */
            if (f.from === 'agent' && withAgent) agentTyping(f.on === true);
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
        if (mailAsked && (code === 'not_found' || code === 'rate_limited')) { /* the transcript by email */
            mailAsked = false;
            notice(T.mailFailed, 'error');
            return;
        }
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
        caseRestore();
        document.addEventListener('click', onAskClick);
    }
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
})();
