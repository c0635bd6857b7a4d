/* Sanad knowledge-base editor: served at /editor/ by `sanad serve` (widget_dir/editor/).
 * Plain JavaScript, no framework, no build step, no inline script (the page's CSP allows
 * 'self' only). Logs in over POST /api/login (the server sets the HttpOnly sanad_session
 * cookie), then works over the REST API of docs/api.md.
 *
 * Safety rule: nothing that comes from the server (entries, gaps, explanations, error
 * messages) is ever parsed as HTML. Every node is built with createElement + textContent;
 * links in the answer preview are made the way widget.js makes them (http/https only). */
(function () {
    'use strict';

    /* ---------- UI texts, per language (the page's dir follows the UI language) ---------- */
    var T = {
        ar: {
            dir: 'rtl', other: 'English', otherLang: 'en',
            pageTitle: 'سند — محرر قاعدة المعرفة', sections: 'أقسام المحرر',
            loginTitle: 'سند — دخول المحررين', loginName: 'اسم المستخدم', loginPassword: 'كلمة المرور',
            loginSubmit: 'دخول', title: 'سند — محرر قاعدة المعرفة', logout: 'خروج',
            readonly: 'هذه الصفحة للمحررين: حسابك (موظف) يقرأ القاعدة فقط ولا يستطيع تعديلها.',
            tabEntries: 'المدخلات', tabTry: 'جرّب سؤالًا', tabGaps: 'أسئلة بلا إجابة', tabIo: 'استيراد وتصدير',
            fLang: 'اللغة', fCategory: 'التصنيف', fStatus: 'الحالة', fSearch: 'بحث في النص', any: 'الكل',
            published: 'منشور', draft: 'مسودة', search: 'بحث', newEntry: 'مدخل جديد',
            colId: 'المعرّف', colQuestion: 'السؤال', colCategory: 'التصنيف', colLang: 'اللغة',
            colStatus: 'الحالة', colVersion: 'النسخة', prev: 'السابق', next: 'التالي',
            total: function (n) { return 'عدد المدخلات: ' + n; },
            pageOf: function (p, n) { return 'صفحة ' + p + ' من ' + n; },
            noEntries: 'لا مدخلات تطابق البحث.',
            variants: 'صيغ أخرى للسؤال', addVariant: 'إضافة صيغة', removeVariant: 'حذف هذه الصيغة',
            keywords: 'كلمات مفتاحية (مفصولة بفواصل)', answer: 'الإجابة', preview: 'كما ستظهر للزائر',
            saveDraft: 'حفظ كمسودة', savePublish: 'نشر', unpublish: 'إلغاء النشر', history: 'السجل',
            delete: 'حذف', deleteConfirm: 'تأكيد الحذف', backToList: 'العودة إلى القائمة',
            newTitle: 'مدخل جديد', editTitle: function (id) { return 'تعديل ' + id; },
            viewTitle: function (id) { return 'المدخل ' + id; },
            fromGap: function (s) { return 'من سؤال زائر: «' + s + '». الحفظ يغلق هذا السؤال.'; },
            meta: function (v, st, when, by) { return 'النسخة ' + v + ' · ' + st + (when ? ' · آخر تعديل ' + when : '') + (by ? ' · ' + by : ''); },
            saved: 'حُفظ المدخل.', publishedOk: 'نُشر المدخل: يجيب به الروبوت من الآن.',
            unpublishedOk: 'أُلغي نشر المدخل: صار مسودة.', deleted: function (id) { return 'حُذف المدخل ' + id + '.'; },
            reverted: function (v) { return 'أُعيد المدخل إلى محتوى النسخة ' + v + '.'; },
            conflictTitle: 'تعارض: عدّل شخص آخر هذا المدخل بعد أن فتحته',
            conflictText: function (mine, cur) { return 'كنت تعدّل النسخة ' + mine + '، والنسخة الحالية في القاعدة ' + cur + '. لم يُحفظ شيء من تعديلاتك.'; },
            conflictReload: 'تحميل النسخة الحالية (تُفقد تعديلاتي)', conflictOverwrite: 'الكتابة فوقها بتعديلاتي', conflictDelete: 'حذف النسخة الحالية رغم ذلك',
            yours: 'تعديلاتي (لم تُحفظ)', current: 'الحالية في القاعدة',
            versionN: function (v) { return 'النسخة ' + v; },
            revertTo: function (v) { return 'استرجاع محتوى النسخة ' + v; },
            actions: { add: 'إضافة', edit: 'تعديل', rm: 'حذف', publish: 'نشر', unpublish: 'إلغاء نشر', revert: 'استرجاع', import: 'استيراد', promote: 'من سؤال زائر' },
            fields: { question: 'السؤال', variants: 'الصيغ', answer: 'الإجابة', keywords: 'كلمات مفتاحية', category: 'التصنيف', lang: 'اللغة', status: 'الحالة' },
            field: 'الحقل', noCurrent: '(محذوف)',
            tryQuestion: 'سؤال الزائر', tryGo: 'جرّب', probability: 'الاحتمال', band: 'الثقة', caps: 'الحدود', why: 'لماذا طابق',
            explain: 'التحليل كلمةً كلمة',
            would: {
                answer: function (id) { return 'سيجيب الروبوت بالمدخل ' + id + '.'; },
                suggestions: 'سيعرض الروبوت اقتراحات («هل تقصد…؟»).',
                fallback: 'لن يجد الروبوت إجابة: سيقول إنه لا يعرف بعد ويعرض التحدث مع موظف.'
            },
            bands: { high: 'عالية', medium: 'متوسطة', low: 'منخفضة' },
            whyText: function (cq, cp, fp) { return 'تغطية السؤال ' + cq + ' · تغطية الصيغة ' + cp + ' · البحث الأول ' + fp; },
            noHits: 'لا نتائج.',
            refresh: 'تحديث', noGaps: 'لا أسئلة بلا إجابة.',
            asked: function (n) { return 'سُئل ' + n + ' مرة'; },
            lastSeen: function (d) { return 'آخر مرة ' + d; },
            reasons: { low: 'ثقة منخفضة', unhelpful: 'إجابة غير مفيدة', human: 'طلب موظفًا', picked: 'اختار اقتراحًا' },
            gapNew: 'مدخل جديد من هذا السؤال', gapVariant: 'إضافته صيغةً إلى…', gapDismiss: 'تجاهل',
            pickSearch: 'ابحث عن المدخل (معرّف أو نص)', pickGo: 'بحث', pickSuggested: 'أقرب المدخلات حسب الروبوت:',
            pickFound: 'نتائج البحث:', pickThis: 'أضف السؤال هنا', pickNone: 'لا نتائج.',
            variantAdded: function (s, id) { return 'أُضيف «' + s + '» صيغةً إلى ' + id + '.'; },
            dismissed: 'تُجوهل السؤال.',
            import: 'استيراد', importHint: 'ملف CSV أو JSON Lines. الاستيراد عملية واحدة: إذا كان فيه سطر غير صالح لا يتغير شيء.',
            importGo: 'استيراد', export: 'تصدير', noFile: 'اختر ملفًا أولًا.',
            importOk: 'تم الاستيراد:', importBad: 'لم يُستورد شيء: في الملف أسطر غير صالحة:',
            counts: { added: 'أضيف', updated: 'حُدّث', unchanged: 'بلا تغيير', trimmed: 'قُصّت مسافاته', joined: 'دُمج', folded: 'وُحّد', skipped: 'تُخطّي' },
            login: {
                unauthorized: 'اسم المستخدم أو كلمة المرور غير صحيحة.',
                rate_limited: function (s) { return 'محاولات كثيرة فاشلة؛ حاول بعد ' + s + ' ث.'; },
                missing: 'أدخل اسم المستخدم وكلمة المرور.', network: 'تعذر الاتصال بالخادم.',
                expired: 'انتهت الجلسة؛ سجّل الدخول من جديد.'
            },
            network: 'تعذر الاتصال بالخادم.', roles: { agent: 'موظف', editor: 'محرر', admin: 'مدير' }
        },
        en: {
            dir: 'ltr', other: 'العربية', otherLang: 'ar',
            pageTitle: 'Sanad — knowledge base editor', sections: 'Editor sections',
            loginTitle: 'Sanad — editors\' login', loginName: 'Login', loginPassword: 'Password',
            loginSubmit: 'Log in', title: 'Sanad — knowledge base editor', logout: 'Log out',
            readonly: 'This page is for editors: your account (agent) can read the base but not change it.',
            tabEntries: 'Entries', tabTry: 'Try a question', tabGaps: 'Unanswered questions', tabIo: 'Import and export',
            fLang: 'Language', fCategory: 'Category', fStatus: 'Status', fSearch: 'Search text', any: 'Any',
            published: 'published', draft: 'draft', search: 'Search', newEntry: 'New entry',
            colId: 'Id', colQuestion: 'Question', colCategory: 'Category', colLang: 'Language',
            colStatus: 'Status', colVersion: 'Version', prev: 'Previous', next: 'Next',
            total: function (n) { return 'Entries: ' + n; },
            pageOf: function (p, n) { return 'Page ' + p + ' of ' + n; },
            noEntries: 'No entry matches.',
            variants: 'Other wordings', addVariant: 'Add a wording', removeVariant: 'Remove this wording',
            keywords: 'Keywords (comma-separated)', answer: 'Answer', preview: 'As the visitor will see it',
            saveDraft: 'Save as draft', savePublish: 'Publish', unpublish: 'Unpublish', history: 'History',
            delete: 'Delete', deleteConfirm: 'Confirm delete', backToList: 'Back to the list',
            newTitle: 'New entry', editTitle: function (id) { return 'Edit ' + id; },
            viewTitle: function (id) { return 'Entry ' + id; },
            fromGap: function (s) { return 'From a visitor\'s question: "' + s + '". Saving resolves it.'; },
            meta: function (v, st, when, by) { return 'version ' + v + ' · ' + st + (when ? ' · changed ' + when : '') + (by ? ' · ' + by : ''); },
            saved: 'Entry saved.', publishedOk: 'Entry published: the bot answers with it from now on.',
            unpublishedOk: 'Entry unpublished: it is a draft now.', deleted: function (id) { return 'Entry ' + id + ' deleted.'; },
            reverted: function (v) { return 'Entry reverted to the content of version ' + v + '.'; },
            conflictTitle: 'Conflict: someone else changed this entry after you opened it',
            conflictText: function (mine, cur) { return 'You were editing version ' + mine + '; the base now has version ' + cur + '. None of your changes was saved.'; },
            conflictReload: 'Load the current version (drop my changes)', conflictOverwrite: 'Overwrite it with my changes', conflictDelete: 'Delete the current version anyway',
            yours: 'Mine (not saved)', current: 'Current in the base',
            versionN: function (v) { return 'Version ' + v; },
            revertTo: function (v) { return 'Revert to the content of version ' + v; },
            actions: { add: 'add', edit: 'edit', rm: 'delete', publish: 'publish', unpublish: 'unpublish', revert: 'revert', import: 'import', promote: 'from a gap' },
            fields: { question: 'Question', variants: 'Wordings', answer: 'Answer', keywords: 'Keywords', category: 'Category', lang: 'Language', status: 'Status' },
            field: 'Field', noCurrent: '(deleted)',
            tryQuestion: 'A visitor\'s question', tryGo: 'Try', probability: 'Probability', band: 'Band', caps: 'Caps', why: 'Why it matched',
            explain: 'The analysis, word by word',
            would: {
                answer: function (id) { return 'The bot would answer with ' + id + '.'; },
                suggestions: 'The bot would offer suggestions ("did you mean…").',
                fallback: 'The bot would find no answer: it says it does not know yet and offers a person.'
            },
            bands: { high: 'high', medium: 'medium', low: 'low' },
            whyText: function (cq, cp, fp) { return 'question covered ' + cq + ' · wording covered ' + cp + ' · first pass ' + fp; },
            noHits: 'No results.',
            refresh: 'Refresh', noGaps: 'No unanswered questions.',
            asked: function (n) { return 'asked ' + n + '×'; },
            lastSeen: function (d) { return 'last ' + d; },
            reasons: { low: 'low confidence', unhelpful: 'unhelpful answer', human: 'asked for a person', picked: 'picked a suggestion' },
            gapNew: 'New entry from this', gapVariant: 'Add as a wording to…', gapDismiss: 'Dismiss',
            pickSearch: 'Find the entry (id or text)', pickGo: 'Search', pickSuggested: 'Closest entries, as the bot ranks them:',
            pickFound: 'Search results:', pickThis: 'Add the question here', pickNone: 'No results.',
            variantAdded: function (s, id) { return '"' + s + '" added as a wording of ' + id + '.'; },
            dismissed: 'Question dismissed.',
            import: 'Import', importHint: 'A CSV or JSON Lines file. One transaction: a file with any invalid row changes nothing.',
            importGo: 'Import', export: 'Export', noFile: 'Choose a file first.',
            importOk: 'Imported:', importBad: 'Nothing was imported: the file has invalid rows:',
            counts: { added: 'added', updated: 'updated', unchanged: 'unchanged', trimmed: 'trimmed', joined: 'joined', folded: 'folded', skipped: 'skipped' },
            login: {
                unauthorized: 'Wrong login or password.',
                rate_limited: function (s) { return 'Too many failed logins; try again in ' + s + ' s.'; },
                missing: 'Enter your login and password.', network: 'Cannot reach the server.',
                expired: 'Your session ended; log in again.'
            },
            network: 'Cannot reach the server.', roles: { agent: 'agent', editor: 'editor', admin: 'admin' }
        }
    };
    var ui = 'ar';
    try { if (localStorage.getItem('sanad.editor.lang') === 'en') ui = 'en'; } catch (e) { /* no storage */ }
    function t(k) { return T[ui][k]; }

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
    function button(text, cls, onclick) {
        var b = el('button', cls, text);
        b.type = 'button';
        if (onclick) b.addEventListener('click', onclick);
        return b;
    }
    function str(v) { return typeof v === 'string' ? v : ''; }
    function arr(v) { return Array.isArray(v) ? v.filter(function (x) { return typeof x === 'string'; }) : []; }
    function fmtNum(n) { return new Intl.NumberFormat(ui).format(n); }
    function fmtPct(p) { return new Intl.NumberFormat(ui, { style: 'percent', maximumFractionDigits: 1 }).format(p); }
    function fmtDec(x) { return new Intl.NumberFormat(ui, { maximumFractionDigits: 2 }).format(x); }
    function fmtDate(sec) {
        if (typeof sec !== 'number' || !sec) return '';
        return new Intl.DateTimeFormat(ui, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(sec * 1000));
    }
    function langName(l) { return l === 'ar' ? 'العربية' : l === 'en' ? 'English' : String(l || ''); }
    function statusName(s) { return s === 'published' ? t('published') : s === 'draft' ? t('draft') : String(s || ''); }

    /* Appends text to parent, turning http/https URLs into links, exactly as widget.js does in
     * the bot's bubbles. Anything else stays text. */
    var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
    function appendLinkified(parent, text) {
        text = String(text);
        var last = 0, m;
        URL_RE.lastIndex = 0;
        while ((m = URL_RE.exec(text)) !== null) {
            var raw = m[0];
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

    /* ---------- messages ---------- */
    function showError(text) {
        $('app-error').textContent = text;
        show($('app-error'), !!text);
        if (text) show($('app-info'), false);
    }
    function showInfo(text) {
        $('app-info').textContent = text;
        show($('app-info'), !!text);
        if (text) show($('app-error'), false);
    }
    function clearMessages() { showError(''); showInfo(''); }

    /* ---------- the API ---------- */
    /* Resolves to {status, body}; a 401 outside the login ends the page's session. Every body
     * is sent with its type and the cookie (same origin). */
    function api(method, path, body, ctype) {
        var opt = { method: method, credentials: 'same-origin', headers: {} };
        if (body !== undefined) {
            if (ctype) {
                opt.headers['Content-Type'] = ctype;
                opt.body = body;
            } else {
                opt.headers['Content-Type'] = 'application/json';
                opt.body = JSON.stringify(body);
            }
        }
        return fetch(path, opt).then(function (r) {
            return r.text().then(function (txt) {
                var j = null;
                try { j = txt ? JSON.parse(txt) : null; } catch (e) { j = null; }
                var res = { status: r.status, body: j, retry: r.headers.get('Retry-After') };
                if (r.status === 401 && path !== '/api/login' && path !== '/api/me' && me) {
                    showLogin(T[ui].login.expired);
                    res.lost = true;
                }
                return res;
            });
        }, function () {
            return { status: 0, body: null, network: true };
        });
    }
    function errText(r) {
        if (r.network) return t('network');
        var e = r.body && r.body.error;
        if (e && typeof e.message === 'string' && e.message) return e.message + (e.code ? ' (' + e.code + ')' : '');
        return 'HTTP ' + r.status;
    }
    /* true when r is a success; otherwise shows the API's error (unless the session is gone) */
    function ok(r, codes) {
        if ((codes || [200]).indexOf(r.status) >= 0) return true;
        if (!r.lost) showError(errText(r));
        return false;
    }
    function qs(o) {
        var p = [];
        Object.keys(o).forEach(function (k) {
            if (o[k] !== '' && o[k] != null) p.push(encodeURIComponent(k) + '=' + encodeURIComponent(o[k]));
        });
        return p.length ? '?' + p.join('&') : '';
    }

    /* ---------- texts and direction ---------- */
    function applyTexts() {
        var L = T[ui];
        document.documentElement.lang = ui;
        document.documentElement.dir = L.dir;
        document.title = L.pageTitle;
        var nodes = document.querySelectorAll('[data-t]');
        for (var i = 0; i < nodes.length; i++) {
            var v = L[nodes[i].getAttribute('data-t')];
            if (typeof v === 'string') nodes[i].textContent = v;
        }
        nodes = document.querySelectorAll('[data-t-label]');
        for (i = 0; i < nodes.length; i++) nodes[i].setAttribute('aria-label', L[nodes[i].getAttribute('data-t-label')]);
        $('ui-lang').textContent = L.other;
        $('login-ui-lang').textContent = L.other;
        $('ui-lang').setAttribute('lang', L.otherLang);
        $('login-ui-lang').setAttribute('lang', L.otherLang);
        $('f-q').placeholder = L.fSearch;
        $('try-q').placeholder = L.tryQuestion;
        if (me) {
            $('me').textContent = (me.name || me.login) + ' · ' + (L.roles[me.role] || me.role);
            renderEntries();
            renderGaps();
            renderTry();
            renderFormChrome();
            if (historyData) renderHistory();
            if (conflictState) renderConflict();
        }
    }
    function switchUi() {
        ui = T[ui].otherLang;
        try { localStorage.setItem('sanad.editor.lang', ui); } catch (e) { /* no storage */ }
        applyTexts();
    }
    $('ui-lang').addEventListener('click', switchUi);
    $('login-ui-lang').addEventListener('click', switchUi);

    /* ---------- login ---------- */
    var me = null;
    function canEdit() { return !!me && (me.role === 'editor' || me.role === 'admin'); }
    function loginError(text) {
        $('login-error').textContent = text || '';
        show($('login-error'), !!text);
    }
    function showLogin(why) {
        me = null;
        show($('app'), false);
        show($('login'), true);
        loginError(why || '');
        $('login-name').focus();
    }
    $('login-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var login = $('login-name').value.trim(), pw = $('login-password').value;
        var L = T[ui].login;
        if (!login || !pw) { loginError(L.missing); return; }
        var btn = $('login-submit');
        btn.disabled = true;
        loginError('');
        api('POST', '/api/login', { login: login, password: pw }).then(function (r) {
            btn.disabled = false;
            if (r.status === 200 && r.body) {
                $('login-password').value = '';
                startApp(r.body);
            } else if (r.status === 429) {
                loginError(L.rate_limited(r.retry || '?'));
            } else if (r.status === 401) {
                loginError(L.unauthorized);
            } else {
                loginError(errText(r));
            }
        });
    });
    $('logout').addEventListener('click', function () {
        api('POST', '/api/logout', {}).then(function () { showLogin(''); });
    });
    function startApp(user) {
        me = user;
        var ro = !canEdit();
        document.body.classList.toggle('readonly', ro);
        show($('readonly-notice'), ro);
        show($('login'), false);
        show($('app'), true);
        clearMessages();
        applyTexts();
        setView('entries');
        loadCategories();
        loadEntries();
    }

    /* ---------- views ---------- */
    var view = 'entries';
    function setView(v) {
        view = v;
        ['entries', 'form', 'try', 'gaps', 'io'].forEach(function (x) { show($('view-' + x), x === v); });
        var tabs = document.querySelectorAll('.tabs [role=tab]');
        for (var i = 0; i < tabs.length; i++) {
            var tv = tabs[i].getAttribute('data-view');
            var sel = tv === v || (v === 'form' && tv === 'entries');
            tabs[i].setAttribute('aria-selected', sel ? 'true' : 'false');
            tabs[i].tabIndex = sel ? 0 : -1;
        }
    }
    var tabList = Array.prototype.slice.call(document.querySelectorAll('.tabs [role=tab]'));
    tabList.forEach(function (b, i) {
        /* arrows move along the tabs in reading order: the next one is on the left when rtl */
        b.addEventListener('keydown', function (ev) {
            var fwd = T[ui].dir === 'rtl' ? 'ArrowLeft' : 'ArrowRight', back = T[ui].dir === 'rtl' ? 'ArrowRight' : 'ArrowLeft';
            var j = ev.key === fwd ? i + 1 : ev.key === back ? i - 1 : ev.key === 'Home' ? 0 : ev.key === 'End' ? tabList.length - 1 : null;
            if (j === null) return;
            ev.preventDefault();
            j = (j + tabList.length) % tabList.length;
            tabList[j].focus();
            tabList[j].click();
        });
        b.addEventListener('click', function () {
            clearMessages();
            var v = b.getAttribute('data-view');
            setView(v);
            if (v === 'entries') loadEntries();
            else if (v === 'gaps') loadGaps();
        });
    });

    /* ---------- the entry list ---------- */
    var list = { page: 1, per_page: 20, data: null, seq: 0 };
    var categories = [];
    function loadCategories() {
        return api('GET', '/api/categories').then(function (r) {
            if (r.status !== 200 || !r.body || !Array.isArray(r.body.categories)) return;
            var seen = {};
            categories = [];
            r.body.categories.forEach(function (c) {
                var n = str(c && c.name);
                if (n && !seen[n]) { seen[n] = true; categories.push(n); }
            });
            categories.sort();
            var sel = $('f-category'), keep = sel.value, dl = $('category-list');
            while (sel.options.length > 1) sel.remove(1);
            clear(dl);
            categories.forEach(function (n) {
                var o = el('option', null, n);
                o.value = n;
                sel.appendChild(o);
                var d = document.createElement('option');
                d.value = n;
                dl.appendChild(d);
            });
            sel.value = categories.indexOf(keep) >= 0 ? keep : '';
        });
    }
    function loadEntries() {
        var args = { lang: $('f-lang').value, category: $('f-category').value, status: $('f-status').value,
                     q: $('f-q').value.trim(), page: list.page, per_page: list.per_page };
        var seq = ++list.seq;
        return api('GET', '/api/entries' + qs(args)).then(function (r) {
            if (seq !== list.seq) return; /* a later filter or page has been asked for */
            if (!ok(r)) return;
            list.data = r.body;
            renderEntries();
        });
    }
    function renderEntries() {
        var d = list.data, body = $('entries-body');
        clear(body);
        if (!d || !Array.isArray(d.entries)) return;
        var total = d.total | 0, pages = Math.max(1, Math.ceil(total / list.per_page));
        $('entries-total').textContent = total ? t('total')(fmtNum(total)) : t('noEntries');
        $('entries-total').setAttribute('data-total', String(total));
        $('page-info').textContent = t('pageOf')(fmtNum(list.page), fmtNum(pages));
        $('page-prev').disabled = list.page <= 1;
        $('page-next').disabled = list.page >= pages;
        d.entries.forEach(function (e) {
            if (!e || typeof e.id !== 'string') return;
            var tr = el('tr');
            tr.setAttribute('data-id', e.id);
            var td = el('td');
            var open = button(e.id, 'open link', function () { openEntry(e.id); });
            open.setAttribute('dir', 'ltr');
            td.appendChild(open);
            tr.appendChild(td);
            var q = el('td', 'q', str(e.question));
            q.setAttribute('dir', 'auto');
            tr.appendChild(q);
            var c = el('td', 'cat', str(e.category));
            c.setAttribute('dir', 'auto');
            tr.appendChild(c);
            tr.appendChild(el('td', null, e.lang === 'ar' ? 'ع' : e.lang === 'en' ? 'EN' : str(e.lang)));
            var st = el('td');
            st.appendChild(el('span', 'status status-' + str(e.status), statusName(e.status)));
            tr.appendChild(st);
            tr.appendChild(el('td', 'ver', fmtNum(e.version | 0)));
            body.appendChild(tr);
        });
    }
    $('filters').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearMessages();
        list.page = 1;
        loadEntries();
    });
    ['f-lang', 'f-category', 'f-status'].forEach(function (id) {
        $(id).addEventListener('change', function () { list.page = 1; loadEntries(); });
    });
    $('page-prev').addEventListener('click', function () { if (list.page > 1) { list.page--; loadEntries(); } });
    $('page-next').addEventListener('click', function () { list.page++; loadEntries(); });
    $('new-entry').addEventListener('click', function () { clearMessages(); editNew({}, null); });

    /* ---------- the entry form ---------- */
    var entry = null;    /* the entry as loaded (what a PUT edits), or null for a new one */
    var gap = null;      /* the gap a new entry is made from */
    var historyData = null, historyPick = null, conflictState = null;

    function variantRow(text) {
        var li = el('li');
        var inp = el('input', 'variant');
        inp.setAttribute('dir', 'auto');
        inp.maxLength = 500;
        inp.value = text || '';
        inp.disabled = !canEdit();
        li.appendChild(inp);
        var rm = button('×', 'edit-only small danger remove-variant', function () { li.parentNode.removeChild(li); });
        rm.setAttribute('aria-label', t('removeVariant'));
        li.appendChild(rm);
        return li;
    }
    $('add-variant').addEventListener('click', function () {
        var li = variantRow('');
        $('e-variants').appendChild(li);
        li.firstChild.focus();
    });
    function syncAnswerDir() {
        var d = $('e-lang').value === 'ar' ? 'rtl' : 'ltr';
        $('e-answer').setAttribute('dir', d);
        $('e-preview').setAttribute('dir', d);
    }
    function updatePreview() {
        var p = $('e-preview');
        clear(p);
        appendLinkified(p, $('e-answer').value);
    }
    $('e-answer').addEventListener('input', updatePreview);
    $('e-lang').addEventListener('change', syncAnswerDir);

    function fillForm(e, prefill) {
        var src = e || prefill || {};
        $('e-id').value = str(src.id);
        $('e-id').disabled = !!e || !canEdit();
        $('e-lang').value = src.lang === 'en' ? 'en' : 'ar';
        $('e-category').value = str(src.category);
        $('e-question').value = str(src.question);
        var vl = $('e-variants');
        clear(vl);
        arr(src.variants).forEach(function (v) { vl.appendChild(variantRow(v)); });
        $('e-keywords').value = arr(src.keywords).join(', ');
        $('e-answer').value = str(src.answer);
        ['e-lang', 'e-category', 'e-question', 'e-keywords', 'e-answer'].forEach(function (id) { $(id).disabled = !canEdit(); });
        syncAnswerDir();
        updatePreview();
        show($('conflict'), false);
        conflictState = null;
        show($('history'), false);
        historyData = null;
        clear($('history-list'));
        clear($('history-diff'));
        show($('delete-confirm'), false);
        renderFormChrome();
    }
    function renderFormChrome() {
        var e = entry;
        $('form-title').textContent = !e ? t('newTitle') : canEdit() ? t('editTitle')(e.id) : t('viewTitle')(e.id);
        $('form-gap').textContent = gap ? t('fromGap')(str(gap.sample)) : '';
        show($('form-gap'), !!gap);
        $('e-meta').textContent = e ? t('meta')(fmtNum(e.version | 0), statusName(e.status), fmtDate(e.updated), '') : '';
        $('e-meta').setAttribute('data-version', e ? String(e.version | 0) : '');
        show($('unpublish'), !!e && e.status === 'published');
        show($('delete-entry'), !!e);
        show($('show-history'), !!e);
    }
    function editNew(prefill, fromGap) {
        entry = null;
        gap = fromGap;
        fillForm(null, prefill);
        setView('form');
        $('e-question').focus();
    }
    function openEntry(id) {
        clearMessages();
        return api('GET', '/api/entries/' + encodeURIComponent(id)).then(function (r) {
            if (!ok(r)) return;
            entry = r.body;
            gap = null;
            fillForm(entry);
            setView('form');
        });
    }
    function loaded(e, msg) {
        entry = e;
        gap = null;
        fillForm(e);
        showInfo(msg);
        loadCategories();
    }
    /* the form as an entry body (import field names) */
    function readForm() {
        var o = {
            lang: $('e-lang').value,
            category: $('e-category').value.trim(),
            question: $('e-question').value.trim(),
            variants: [],
            answer: $('e-answer').value,
            keywords: $('e-keywords').value.split(/[,،]/).map(function (s) { return s.trim(); })
                .filter(function (s) { return s; })
        };
        var vs = $('e-variants').querySelectorAll('input.variant');
        for (var i = 0; i < vs.length; i++) if (vs[i].value.trim()) o.variants.push(vs[i].value.trim());
        var id = $('e-id').value.trim();
        if (id) o.id = id;
        return o;
    }
    function sameContent(a, b) {
        var k = ['lang', 'category', 'question', 'answer'];
        for (var i = 0; i < k.length; i++) if (str(a[k[i]]) !== str(b[k[i]])) return false;
        return arr(a.variants).join('\n') === arr(b.variants).join('\n') &&
               arr(a.keywords).join('\n') === arr(b.keywords).join('\n');
    }
    function putEntry(body, version, msg) {
        body.id = entry.id;
        body.version = version;
        return api('PUT', '/api/entries/' + encodeURIComponent(entry.id), body).then(function (r) {
            if (r.status === 200 && r.body) { loaded(r.body, msg); return; }
            if (r.status === 409 && r.body && r.body.current) {
                conflictFrom(r, body, function (v) { return putEntry(body, v, msg); });
                return;
            }
            ok(r);
        });
    }
    function conflictFrom(r, mine, retry, kind) {
        showError(errText(r));
        if (!mine.status && entry) mine.status = entry.status;
        conflictState = { mine: mine, mineVersion: entry ? entry.version : 0, current: r.body.current, retry: retry,
                          kind: kind || 'save' };
        renderConflict();
        show($('conflict'), true);
        $('conflict').scrollIntoView({ block: 'nearest' });
    }
    function renderConflict() {
        var c = conflictState;
        if (!c) return;
        $('conflict-text').textContent = t('conflictText')(fmtNum(c.mineVersion | 0), fmtNum(c.current.version | 0));
        $('conflict-overwrite').textContent = c.kind === 'delete' ? t('conflictDelete') : t('conflictOverwrite');
        renderDiff($('conflict-diff'), c.mine, c.current, t('yours'), t('current') + ' · ' + t('versionN')(fmtNum(c.current.version | 0)));
    }
    $('conflict-reload').addEventListener('click', function () {
        var c = conflictState;
        if (!c) return;
        clearMessages();
        loaded(c.current, '');
    });
    $('conflict-overwrite').addEventListener('click', function () {
        var c = conflictState;
        if (!c) return;
        clearMessages();
        show($('conflict'), false);
        conflictState = null;
        c.retry(c.current.version);
    });

    function save(status) {
        clearMessages();
        var body = readForm(), msg = status === 'published' ? t('publishedOk') : t('saved');
        body.status = status;
        if (gap) {
            var g = gap;
            return api('POST', '/api/gaps/' + encodeURIComponent(g.id) + '/promote', { entry: body }).then(function (r) {
                if (!ok(r, [200, 201])) return;
                if (r.body && r.body.entry) loaded(r.body.entry, msg);
            });
        }
        if (!entry) {
            return api('POST', '/api/entries', body).then(function (r) {
                if (ok(r, [201, 200]) && r.body) loaded(r.body, msg);
            });
        }
        /* a draft published as it is: the publish route; anything else: a PUT */
        if (status === 'published' && entry.status !== 'published' && sameContent(body, entry)) {
            return stateChange('publish', entry.version, msg);
        }
        return putEntry(body, entry.version, msg);
    }
    function stateChange(what, version, msg) {
        return api('POST', '/api/entries/' + encodeURIComponent(entry.id) + '/' + what, { version: version }).then(function (r) {
            if (r.status === 200 && r.body) { loaded(r.body, msg); return; }
            if (r.status === 409 && r.body && r.body.current) {
                /* overwriting means: my form's content, in the state asked for */
                var mine = readForm();
                mine.status = what === 'publish' ? 'published' : 'draft';
                conflictFrom(r, mine, function (v) { return putEntry(mine, v, msg); });
                return;
            }
            ok(r);
        });
    }
    $('save-draft').addEventListener('click', function () { save('draft'); });
    $('save-publish').addEventListener('click', function () { save('published'); });
    $('unpublish').addEventListener('click', function () {
        clearMessages();
        if (entry) stateChange('unpublish', entry.version, t('unpublishedOk'));
    });
    $('delete-entry').addEventListener('click', function () { show($('delete-confirm'), true); $('delete-confirm').focus(); });
    function del(version) {
        var id = entry.id;
        return api('DELETE', '/api/entries/' + encodeURIComponent(id) + '?version=' + version).then(function (r) {
            if (r.status === 200) {
                entry = null;
                setView('entries');
                loadEntries();
                loadCategories();
                showInfo(t('deleted')(id));
                return;
            }
            if (r.status === 409 && r.body && r.body.current) { conflictFrom(r, readForm(), del, 'delete'); return; }
            ok(r);
        });
    }
    $('delete-confirm').addEventListener('click', function () {
        clearMessages();
        show($('delete-confirm'), false);
        if (entry) del(entry.version);
    });
    $('form-close').addEventListener('click', function () {
        clearMessages();
        setView('entries');
        loadEntries();
    });

    /* ---------- diffs: word level for question and answer, line level for lists ---------- */
    var DIFF_CELLS = 250000;
    function words(s) { return String(s).match(/\s+|[^\s]+/g) || []; }
    function lines(s) { return String(s) === '' ? [] : String(s).split('\n').map(function (l) { return l + '\n'; }); }
    /* Longest common subsequence of two token arrays: a list of [op, token], op '=', '-' or '+'. */
    function diffTokens(a, b) {
        var n = a.length, m = b.length, out = [], i, j;
        if (n * m > DIFF_CELLS) {
            a.forEach(function (x) { out.push(['-', x]); });
            b.forEach(function (x) { out.push(['+', x]); });
            return out;
        }
        var L = new Array(n + 1);
        for (i = 0; i <= n; i++) L[i] = new Int32Array(m + 1);
        for (i = n - 1; i >= 0; i--)
            for (j = m - 1; j >= 0; j--)
                L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
        i = 0; j = 0;
        while (i < n && j < m) {
            if (a[i] === b[j]) { out.push(['=', a[i]]); i++; j++; }
            else if (L[i + 1][j] >= L[i][j + 1]) out.push(['-', a[i++]]);
            else out.push(['+', b[j++]]);
        }
        while (i < n) out.push(['-', a[i++]]);
        while (j < m) out.push(['+', b[j++]]);
        return out;
    }
    function diffCells(left, right, ops) {
        ops.forEach(function (o) {
            if (o[0] === '=') {
                left.appendChild(document.createTextNode(o[1]));
                right.appendChild(document.createTextNode(o[1]));
            } else if (o[0] === '-') {
                left.appendChild(el('del', null, o[1]));
            } else {
                right.appendChild(el('ins', null, o[1]));
            }
        });
    }
    /* Side by side, field by field: a (left) against b (right); b may be null (deleted). */
    function renderDiff(box, a, b, labelA, labelB) {
        clear(box);
        var tb = el('table'), head = el('tr');
        head.appendChild(el('th', 'field', t('field')));
        head.appendChild(el('th', 'side-a', labelA));
        head.appendChild(el('th', 'side-b', labelB));
        var thead = el('thead');
        thead.appendChild(head);
        tb.appendChild(thead);
        var body = el('tbody');
        a = a || {};
        var bb = b || {};
        ['question', 'variants', 'answer', 'keywords', 'category', 'lang', 'status'].forEach(function (f) {
            var tr = el('tr');
            tr.setAttribute('data-field', f);
            tr.appendChild(el('th', 'field', t('fields')[f]));
            var l = el('td', 'side-a'), r = el('td', 'side-b');
            var dir = f === 'answer' ? ((a.lang || bb.lang) === 'ar' ? 'rtl' : 'ltr') : 'auto';
            l.setAttribute('dir', dir);
            r.setAttribute('dir', dir);
            var va, vb, changed;
            if (f === 'variants' || f === 'keywords') {
                va = arr(a[f]).join('\n'); vb = arr(bb[f]).join('\n');
                changed = va !== vb;
                diffCells(l, r, diffTokens(lines(va), lines(vb)));
            } else if (f === 'question' || f === 'answer') {
                va = str(a[f]); vb = str(bb[f]);
                changed = va !== vb;
                diffCells(l, r, diffTokens(words(va), words(vb)));
            } else {
                va = f === 'status' ? statusName(a[f]) : str(a[f]);
                vb = f === 'status' ? statusName(bb[f]) : str(bb[f]);
                changed = va !== vb;
                l.textContent = va;
                r.textContent = vb;
                if (changed) { l.className += ' whole-old'; r.className += ' whole-new'; }
            }
            if (!b) r.textContent = t('noCurrent');
            if (changed) tr.className = 'changed';
            tr.appendChild(l);
            tr.appendChild(r);
            body.appendChild(tr);
        });
        tb.appendChild(body);
        box.appendChild(tb);
    }

    /* ---------- history and revert ---------- */
    function loadHistory() {
        if (!entry) return null;
        return api('GET', '/api/entries/' + encodeURIComponent(entry.id) + '/history').then(function (r) {
            if (!ok(r)) return;
            historyData = r.body && Array.isArray(r.body.versions) ? r.body.versions : [];
            if (historyPick == null || !historyData.some(function (v) { return v.version === historyPick; })) {
                historyPick = historyData.length > 1 ? historyData[1].version : historyData.length ? historyData[0].version : null;
            }
            renderHistory();
            show($('history'), true);
        });
    }
    function renderHistory() {
        var ol = $('history-list');
        clear(ol);
        if (!historyData) return;
        var picked = null;
        historyData.forEach(function (v) {
            var li = el('li');
            var b = button(null, 'version', function () { historyPick = v.version; renderHistory(); });
            /* each part isolated (<bdi>): a Latin login or a date does not reorder the others */
            [t('versionN')(fmtNum(v.version | 0)), t('actions')[v.action] || str(v.action), str(v.by), fmtDate(v.at)]
                .forEach(function (part, k) {
                    if (!part) return;
                    if (b.firstChild) b.appendChild(document.createTextNode(' · '));
                    b.appendChild(el('bdi', k === 2 ? 'by' : null, part));
                });
            b.setAttribute('data-version', String(v.version | 0));
            b.setAttribute('aria-pressed', v.version === historyPick ? 'true' : 'false');
            if (v.version === historyPick) picked = v;
            li.appendChild(b);
            ol.appendChild(li);
        });
        var rv = $('revert');
        if (picked && entry) {
            renderDiff($('history-diff'), picked.entry, entry,
                       t('versionN')(fmtNum(picked.version | 0)), t('current') + ' · ' + t('versionN')(fmtNum(entry.version | 0)));
            rv.textContent = t('revertTo')(fmtNum(picked.version | 0));
            show(rv, picked.version !== entry.version && picked.action !== 'rm' && canEdit());
        } else {
            clear($('history-diff'));
            show(rv, false);
        }
    }
    $('show-history').addEventListener('click', function () {
        if (!$('history').hidden) { show($('history'), false); return; }
        historyPick = null;
        loadHistory();
    });
    $('revert').addEventListener('click', function () {
        if (!entry || historyPick == null) return;
        clearMessages();
        var v = historyPick;
        api('POST', '/api/entries/' + encodeURIComponent(entry.id) + '/revert', { version: v }).then(function (r) {
            if (!ok(r)) return;
            loaded(r.body, t('reverted')(fmtNum(v)));
            historyPick = null;
            loadHistory();
        });
    });

    /* ---------- try a question ---------- */
    var tryData = null;
    $('try-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearMessages();
        var q = $('try-q').value.trim();
        if (!q) return;
        api('GET', '/api/search' + qs({ q: q, lang: $('try-lang').value, explain: 1 })).then(function (r) {
            if (!ok(r)) return;
            tryData = r.body;
            renderTry();
        });
    });
    function renderTry() {
        var d = tryData;
        show($('try-result'), !!d);
        if (!d) return;
        var w = $('try-would'), W = t('would');
        var would = d.would === 'answer' || d.would === 'suggestions' ? d.would : 'fallback';
        w.className = 'would would-' + would;
        w.setAttribute('data-would', would);
        w.setAttribute('data-answer-id', str(d.answer_id));
        w.textContent = would === 'answer' ? W.answer(str(d.answer_id)) : W[would];
        var body = $('try-hits');
        clear(body);
        var hits = Array.isArray(d.hits) ? d.hits : [];
        if (!hits.length) {
            var tr0 = el('tr'), td0 = el('td', 'hint', t('noHits'));
            td0.colSpan = 7;
            tr0.appendChild(td0);
            body.appendChild(tr0);
        }
        hits.forEach(function (h, i) {
            if (!h) return;
            var tr = el('tr', h.id === d.answer_id ? 'chosen' : '');
            tr.setAttribute('data-id', str(h.id));
            tr.appendChild(el('td', null, fmtNum(i + 1)));
            var idc = el('td');
            var open = button(str(h.id), 'open link', function () { openEntry(str(h.id)); });
            open.setAttribute('dir', 'ltr');
            idc.appendChild(open);
            tr.appendChild(idc);
            var q = el('td', 'q', str(h.question));
            q.setAttribute('dir', 'auto');
            tr.appendChild(q);
            var p = el('td', 'prob', typeof h.probability === 'number' ? fmtPct(h.probability) : '');
            p.setAttribute('data-p', String(h.probability));
            tr.appendChild(p);
            var band = str(h.band);
            var bc = el('td', 'band band-' + band, t('bands')[band] || band);
            bc.setAttribute('data-band', band);
            tr.appendChild(bc);
            tr.appendChild(el('td', 'caps', arr(h.caps).join(', ')));
            var num = function (x) { return typeof x === 'number' ? fmtDec(x) : '—'; };
            tr.appendChild(el('td', 'why', t('whyText')(num(h.cover_question), num(h.cover_phrasing), num(h.first_pass))));
            body.appendChild(tr);
        });
        $('try-explain').textContent = str(d.explain);
    }

    /* ---------- gaps ---------- */
    var gapsData = null, gapsSeq = 0;
    function loadGaps() {
        var seq = ++gapsSeq;
        return api('GET', '/api/gaps' + qs({ lang: $('gaps-lang').value })).then(function (r) {
            if (seq !== gapsSeq || !ok(r)) return;
            gapsData = r.body && Array.isArray(r.body.gaps) ? r.body.gaps : [];
            renderGaps();
        });
    }
    $('gaps-refresh').addEventListener('click', function () { clearMessages(); loadGaps(); });
    $('gaps-lang').addEventListener('change', loadGaps);
    function renderGaps() {
        var ul = $('gaps-list');
        clear(ul);
        if (!gapsData) return;
        show($('gaps-empty'), gapsData.length === 0);
        gapsData.forEach(function (g) {
            if (!g || typeof g.sample !== 'string') return;
            var li = el('li', 'gap');
            li.setAttribute('data-gap-id', String(g.id));
            var s = el('p', 'sample', g.sample);
            s.setAttribute('dir', 'auto');
            li.appendChild(s);
            var meta = el('div', 'meta');
            meta.appendChild(el('span', 'lang', g.lang === 'ar' ? 'ع' : 'EN'));
            var cnt = el('span', 'count', t('asked')(fmtNum(g.count | 0)));
            cnt.setAttribute('data-count', String(g.count | 0));
            meta.appendChild(cnt);
            var rs = [];
            ['low', 'unhelpful', 'human', 'picked'].forEach(function (k) {
                if ((g[k] | 0) > 0) rs.push(t('reasons')[k] + ' ' + fmtNum(g[k] | 0));
            });
            if (rs.length) meta.appendChild(el('span', 'reasons', rs.join(' · ')));
            meta.appendChild(el('span', 'last', t('lastSeen')(fmtDate(g.last))));
            li.appendChild(meta);
            var acts = el('div', 'actions edit-only');
            acts.appendChild(button(t('gapNew'), 'gap-new', function () {
                clearMessages();
                editNew({ question: g.sample, lang: g.lang }, g);
            }));
            acts.appendChild(button(t('gapVariant'), 'gap-variant', function () { togglePicker(li, g); }));
            acts.appendChild(button(t('gapDismiss'), 'gap-dismiss danger', function () {
                clearMessages();
                api('POST', '/api/gaps/' + encodeURIComponent(g.id) + '/dismiss', {}).then(function (r) {
                    if (!ok(r)) return;
                    showInfo(t('dismissed'));
                    loadGaps();
                });
            }));
            li.appendChild(acts);
            ul.appendChild(li);
        });
    }
    /* "add as variant to…": the bot's closest entries first, then a search over /api/entries */
    function togglePicker(li, g) {
        var old = li.querySelector('.picker');
        if (old) { li.removeChild(old); return; }
        var box = el('form', 'picker');
        var inp = el('input', 'pick-q');
        inp.setAttribute('dir', 'auto');
        inp.placeholder = t('pickSearch');
        inp.setAttribute('aria-label', t('pickSearch'));
        box.appendChild(inp);
        var go = el('button', 'pick-go', t('pickGo'));
        go.type = 'submit';
        box.appendChild(go);
        var head = el('p', 'hint pick-head');
        box.appendChild(head);
        var res = el('ul', 'pick-results');
        box.appendChild(res);
        li.appendChild(box);
        function fill(items, title) {
            clear(res);
            head.textContent = items.length ? title : t('pickNone');
            items.forEach(function (e) {
                if (!e || typeof e.id !== 'string') return;
                var r = el('li');
                r.setAttribute('data-id', e.id);
                r.appendChild(el('span', 'lang', e.lang === 'ar' ? 'ع' : 'EN'));
                var idn = el('span', 'pick-id', e.id);
                idn.setAttribute('dir', 'ltr');
                r.appendChild(idn);
                var q = el('span', 'pick-question', str(e.question));
                q.setAttribute('dir', 'auto');
                r.appendChild(q);
                r.appendChild(button(t('pickThis'), 'pick-this small', function () {
                    clearMessages();
                    api('POST', '/api/gaps/' + encodeURIComponent(g.id) + '/promote', { to: e.id }).then(function (x) {
                        if (!ok(x, [200, 201])) return;
                        showInfo(t('variantAdded')(g.sample, e.id));
                        loadGaps();
                    });
                }));
                res.appendChild(r);
            });
        }
        box.addEventListener('submit', function (ev) {
            ev.preventDefault();
            var q = inp.value.trim();
            if (!q) return;
            api('GET', '/api/entries' + qs({ q: q, per_page: 10 })).then(function (r) {
                if (ok(r)) fill(r.body.entries || [], t('pickFound'));
            });
        });
        api('GET', '/api/search' + qs({ q: g.sample, lang: g.lang })).then(function (r) {
            if (r.status === 200 && r.body && Array.isArray(r.body.hits) && !res.firstChild)
                fill(r.body.hits.slice(0, 5), t('pickSuggested'));
        });
        inp.focus();
    }

    /* ---------- import and export ---------- */
    $('import-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearMessages();
        var f = $('import-file').files[0], out = $('import-result');
        clear(out);
        if (!f) { showError(t('noFile')); return; }
        var ctype = /\.csv$/i.test(f.name) ? 'text/csv' : 'application/x-ndjson';
        $('import-go').disabled = true;
        api('POST', '/api/import', f, ctype).then(function (r) {
            $('import-go').disabled = false;
            if (r.status === 200 && r.body) {
                out.className = 'ok';
                out.appendChild(el('p', null, t('importOk')));
                var ul = el('ul', 'counts');
                Object.keys(t('counts')).forEach(function (k) {
                    var li = el('li', null, t('counts')[k] + ': ' + fmtNum(r.body[k] | 0));
                    li.setAttribute('data-key', k);
                    li.setAttribute('data-n', String(r.body[k] | 0));
                    ul.appendChild(li);
                });
                out.appendChild(ul);
                loadCategories();
                return;
            }
            if (r.lost) return;
            out.className = 'bad';
            showError(errText(r));
            if (r.body && Array.isArray(r.body.rows)) {
                out.appendChild(el('p', null, t('importBad')));
                var rows = el('ul', 'bad-rows');
                r.body.rows.forEach(function (x) {
                    var li = el('li', null, String(x));
                    li.setAttribute('dir', 'auto');
                    rows.appendChild(li);
                });
                out.appendChild(rows);
            }
        });
    });

    /* ---------- start: skip the login page while the cookie is valid ---------- */
    applyTexts();
    api('GET', '/api/me').then(function (r) {
        if (r.status === 200 && r.body && r.body.role) startApp(r.body); else showLogin('');
    });
}());
