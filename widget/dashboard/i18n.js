/* Sanad dashboard: every text the dashboard shows, one table per language (ar, en), and the
 * ICU-backed formatting of numbers, percentages, durations and dates (Intl.NumberFormat,
 * Intl.DateTimeFormat, Intl.PluralRules). Loaded by index.html before dashboard.js, which
 * reads it from window.SanadDashboardI18n. Data only: no DOM here.
 *
 * Keys: a plain key is a string; {name} marks are filled by fmt() (numbers in the language's
 * digits). Latin text in the Arabic table is limited to the other language's own name on the
 * language switch (marked lang="en"). */
(function () {
    'use strict';

    var TEXTS = {
        ar: {
            langName: 'العربية', langSwitch: 'تغيير اللغة',
            title: 'سند — لوحة الأداء',
            loginTitle: 'سند — دخول المديرين', loginName: 'اسم المستخدم', loginPassword: 'كلمة المرور',
            loginSubmit: 'دخول', logout: 'خروج',
            loginErrors: {
                unauthorized: 'اسم المستخدم أو كلمة المرور غير صحيحة.',
                rate_limited: 'محاولات كثيرة فاشلة؛ حاول بعد {s} ث.',
                missing: 'أدخل اسم المستخدم وكلمة المرور.',
                expired: 'انتهت الجلسة؛ سجّل الدخول من جديد.'
            },
            refusedTitle: 'غير مسموح',
            refusedText: 'لوحة الأداء للمديرين فقط. حسابك {who} ({role}) لا يستطيع فتحها.',
            refusedConsole: 'إلى لوحة الموظف',
            roles: { agent: 'موظف', editor: 'محرر', admin: 'مدير' },
            period: 'الفترة', from: 'من', to: 'إلى', group: 'التجميع',
            groups: { hour: 'بالساعة', day: 'باليوم', week: 'بالأسبوع', month: 'بالشهر' },
            presets: 'فترات جاهزة', preset7: 'آخر ٧ أيام', preset30: 'آخر ٣٠ يومًا', presetMonth: 'هذا الشهر',
            filterLang: 'لغة المحادثة', filterAgent: 'الموظف (اسم الدخول)', any: 'الكل',
            filterChannel: 'القناة', channels: { widget: 'نافذة الدردشة في الموقع' },
            langs: { ar: 'العربية', en: 'الإنجليزية' },
            apply: 'عرض',
            loading: 'جارٍ التحميل…',
            showing: 'من {from} إلى {to} ({group})، مقارنةً بالفترة السابقة من {pfrom} إلى {pto}. المنطقة الزمنية: {tz}.',
            badRange: 'تاريخ البداية بعد تاريخ النهاية: صحّح الفترة.',
            badDate: 'أدخل تاريخي البداية والنهاية.',
            noApi: 'هذا الخادم لا يقدّم الإحصاءات (GET /api/stats غير موجود).',
            network: 'تعذر الاتصال بالخادم.',
            serverError: 'رفض الخادم الطلب: {msg}',
            summary: 'ملخص الفترة',
            kpi: {
                conversations: 'المحادثات', containment_rate: 'حُلّت بالروبوت وحده', handoff_rate: 'حُوّلت إلى موظف',
                helpful_rate: 'إجابات قيّمها الزوار مفيدة', first_response: 'أول رد من موظف (الوسيط)',
                resolution: 'وقت الحل (الوسيط)', queue_wait: 'الانتظار في الطابور (الوسيط)',
                abandoned: 'تركوا الطابور', csat: 'متوسط الرضا (من ٥)', csat_response: 'نسبة من قيّموا',
                repeat_rate: 'عادوا خلال ٧ أيام'
            },
            previous: 'السابقة: {v}',
            delta: {
                up: 'ارتفاع', down: 'انخفاض', same: 'بلا تغيير', none: 'لا مقارنة', fromZeroShort: 'من الصفر',
                better: 'أفضل', worse: 'أسوأ',
                pct: '{dir} {d} عن الفترة السابقة ({prev})، {judge}',
                pts: '{dir} {d} نقطة مئوية عن الفترة السابقة ({prev})، {judge}',
                fromZero: '{dir} من الصفر في الفترة السابقة، {judge}',
                flat: 'بلا تغيير عن الفترة السابقة ({prev})',
                nothing: 'لا مقارنة: لا قيمة في إحدى الفترتين'
            },
            tableShow: 'الجدول', csv: 'تنزيل CSV', period_col: 'بداية الفترة', period_end_col: 'نهاية الفترة',
            noData: 'لا بيانات في هذه الفترة.',
            axisNote: 'الزمن يجري من اليمين إلى اليسار: أقدم فترة على اليمين، كما يُقرأ الجدول.',
            charts: {
                volume: { title: 'حجم المحادثات', desc: 'عدد المحادثات في كل فترة، ومنها ما أنهاه الروبوت وحده وما حُوّل إلى موظف.' },
                rates: { title: 'النسب', desc: 'نسبة الحل بالروبوت وحده، ونسبة التحويل إلى موظف، ونسبة الإجابات المفيدة، ونسبة الزوار العائدين، في كل فترة.' },
                times: { title: 'الأوقات', desc: 'الوسيط لأول رد من موظف، ولوقت الحل، وللانتظار في الطابور، في كل فترة.' },
                csat: { title: 'رضا الزوار', desc: 'عدد التقييمات من ١ إلى ٥ في كل فترة، مكدّسة.' },
                busiest: { title: 'أكثر الأوقات ازدحامًا', desc: 'عدد المحادثات حسب يوم الأسبوع والساعة في الفترة كلها؛ كلما اشتد اللون زاد العدد.' },
                gaps: { title: 'أكثر الأسئلة بلا إجابة', desc: 'ما سأله الزوار ولم تجد القاعدة له إجابة، بعدد المرات.' },
                agents: { title: 'الموظفون', desc: 'محادثات كل موظف، ووقت التعامل (الوسيط والمئين ٩٠)، ومتوسط الرضا.' }
            },
            series: {
                conversations: 'المحادثات', contained: 'بالروبوت وحده', handoffs: 'حُوّلت إلى موظف',
                containment_rate: 'الحل بالروبوت', handoff_rate: 'التحويل', helpful_rate: 'مفيدة', repeat_rate: 'عائدون',
                first_response: 'أول رد (الوسيط)', first_response_p90: 'أول رد (المئين ٩٠)', first_response_n: 'عدد الردود الأولى',
                resolution: 'الحل (الوسيط)', resolution_p90: 'الحل (المئين ٩٠)', resolution_n: 'عدد المحلولة',
                queue_wait: 'الانتظار (الوسيط)', queue_wait_p90: 'الانتظار (المئين ٩٠)', queue_wait_n: 'عدد المنتظرين',
                abandoned: 'تركوا الطابور',
                csat_avg: 'متوسط الرضا', csat_n: 'عدد التقييمات', csat_response: 'نسبة من قيّموا',
                repeat_visitor: 'عائدون (معرّف الزائر)', repeat_email: 'عائدون (البريد)',
                weekday: 'اليوم', hour: 'الساعة', query: 'السؤال', count: 'المرات',
                login: 'اسم الدخول', name: 'الاسم', chats: 'المحادثات', handling: 'وقت التعامل (الوسيط)',
                handling_p90: 'وقت التعامل (المئين ٩٠)', agent_csat: 'متوسط الرضا', agent_csat_n: 'عدد التقييمات'
            },
            score: 'التقييم {n}',
            cell: '{day}، الساعة {hour}: {n}',
            nothing: '—'
        },
        en: {
            langName: 'English', langSwitch: 'Change language',
            title: 'Sanad — dashboard',
            loginTitle: 'Sanad — admins\' login', loginName: 'Login', loginPassword: 'Password',
            loginSubmit: 'Log in', logout: 'Log out',
            loginErrors: {
                unauthorized: 'Wrong login or password.',
                rate_limited: 'Too many failed logins; try again in {s} s.',
                missing: 'Enter your login and password.',
                expired: 'Your session ended; log in again.'
            },
            refusedTitle: 'Not allowed',
            refusedText: 'The dashboard is for admins only. Your account {who} ({role}) cannot open it.',
            refusedConsole: 'To the agent console',
            roles: { agent: 'agent', editor: 'editor', admin: 'admin' },
            period: 'Period', from: 'From', to: 'To', group: 'Group by',
            groups: { hour: 'hour', day: 'day', week: 'week', month: 'month' },
            presets: 'Presets', preset7: 'Last 7 days', preset30: 'Last 30 days', presetMonth: 'This month',
            filterLang: 'Conversation language', filterAgent: 'Agent (login)', any: 'Any',
            filterChannel: 'Channel', channels: { widget: 'Website chat widget' },
            langs: { ar: 'Arabic', en: 'English' },
            apply: 'Show',
            loading: 'Loading…',
            showing: 'From {from} to {to} (by {group}), compared with the previous period {pfrom} to {pto}. Time zone: {tz}.',
            badRange: 'The start date is after the end date: correct the period.',
            badDate: 'Enter a start and an end date.',
            noApi: 'This server does not offer statistics (GET /api/stats does not exist).',
            network: 'Cannot reach the server.',
            serverError: 'The server refused the request: {msg}',
            summary: 'The period at a glance',
            kpi: {
                conversations: 'Conversations', containment_rate: 'Solved by the bot alone', handoff_rate: 'Handed to a person',
                helpful_rate: 'Answers rated helpful', first_response: 'First human response (median)',
                resolution: 'Resolution time (median)', queue_wait: 'Queue wait (median)',
                abandoned: 'Left the queue', csat: 'Satisfaction (out of 5)', csat_response: 'Rating response rate',
                repeat_rate: 'Came back within 7 days'
            },
            previous: 'previous: {v}',
            delta: {
                up: 'Up', down: 'Down', same: 'No change', none: 'No comparison', fromZeroShort: 'from zero',
                better: 'better', worse: 'worse',
                pct: '{dir} {d} on the previous period ({prev}), {judge}',
                pts: '{dir} {d} percentage points on the previous period ({prev}), {judge}',
                fromZero: '{dir} from zero in the previous period, {judge}',
                flat: 'No change on the previous period ({prev})',
                nothing: 'No comparison: one of the periods has no value'
            },
            tableShow: 'Table', csv: 'Download CSV', period_col: 'Period start', period_end_col: 'Period end',
            noData: 'No data in this period.',
            axisNote: 'Time runs left to right: the oldest period is on the left.',
            charts: {
                volume: { title: 'Conversation volume', desc: 'Conversations per period, with those the bot ended alone and those handed to a person.' },
                rates: { title: 'Rates', desc: 'Bot containment, handoff rate, answers rated helpful and repeat contacts, per period.' },
                times: { title: 'Times', desc: 'Median first human response, resolution time and queue wait, per period.' },
                csat: { title: 'Visitor satisfaction', desc: 'Ratings from 1 to 5 per period, stacked.' },
                busiest: { title: 'Busiest hours', desc: 'Conversations by weekday and hour over the whole period; the darker, the more.' },
                gaps: { title: 'Top unanswered questions', desc: 'What visitors asked that the base had no answer for, by count.' },
                agents: { title: 'Agents', desc: 'Each agent\'s chats, handling time (median and 90th percentile) and satisfaction.' }
            },
            series: {
                conversations: 'Conversations', contained: 'Bot alone', handoffs: 'Handed to a person',
                containment_rate: 'Containment', handoff_rate: 'Handoff', helpful_rate: 'Helpful', repeat_rate: 'Repeat',
                first_response: 'First response (median)', first_response_p90: 'First response (p90)', first_response_n: 'First responses',
                resolution: 'Resolution (median)', resolution_p90: 'Resolution (p90)', resolution_n: 'Resolved',
                queue_wait: 'Queue wait (median)', queue_wait_p90: 'Queue wait (p90)', queue_wait_n: 'Queued',
                abandoned: 'Left the queue',
                csat_avg: 'Average rating', csat_n: 'Ratings', csat_response: 'Response rate',
                repeat_visitor: 'Repeat (visitor id)', repeat_email: 'Repeat (email)',
                weekday: 'Weekday', hour: 'Hour', query: 'Question', count: 'Count',
                login: 'Login', name: 'Name', chats: 'Chats', handling: 'Handling (median)',
                handling_p90: 'Handling (p90)', agent_csat: 'Average rating', agent_csat_n: 'Ratings'
            },
            score: 'Rating {n}',
            cell: '{day}, {hour}: {n}',
            nothing: '—'
        }
    };

    var LANGS = ['ar', 'en'];
    var DIR = { ar: 'rtl', en: 'ltr' };
    var cache = {};

    /* The viewer's own locale for a language: the first of the browser's languages in it
     * (ar-EG, en-GB…), so that digits, separators and date order are the viewer's; the bare
     * language when the browser lists none in it. ICU (through Intl) decides the rest: for
     * bare "ar" this Chromium's CLDR writes Latin digits, for ar-EG Arabic-Indic ones. */
    var locales = {};
    function locale(lang) {
        if (!locales[lang]) {
            var prefs = (typeof navigator !== 'undefined' && navigator.languages) || [];
            locales[lang] = lang;
            for (var i = 0; i < prefs.length; i++) {
                var p = String(prefs[i]);
                if (p.toLowerCase().split('-')[0] === lang) {
                    try { locales[lang] = Intl.getCanonicalLocales(p)[0]; } catch (e) { continue; }
                    break;
                }
            }
        }
        return locales[lang];
    }
    function intl(kind, lang, opt) {
        var k = kind + '|' + lang + '|' + JSON.stringify(opt || {});
        if (!cache[k]) {
            var C = kind === 'n' ? Intl.NumberFormat : Intl.DateTimeFormat;
            cache[k] = new C(locale(lang), opt);
        }
        return cache[k];
    }
    function num(lang, n, digits) {
        return intl('n', lang, { maximumFractionDigits: digits == null ? 0 : digits }).format(n);
    }
    function pct(lang, r) {
        return intl('n', lang, { style: 'percent', maximumFractionDigits: 1 }).format(r);
    }
    /* template t with {key} replaced by vars[key] (numbers in the language's digits) */
    function fmt(lang, t, vars) {
        return String(t).replace(/\{(\w+)\}/g, function (m, k) {
            if (!vars || !(k in vars)) return m;
            var v = vars[k];
            return typeof v === 'number' ? num(lang, v, 2) : String(v);
        });
    }
    /* The unit a duration of ms milliseconds reads best in: milliseconds under a second,
     * seconds under two minutes, minutes under two hours, else hours. Charts pick one unit
     * from their largest value. */
    function durationUnit(ms) {
        if (ms < 1000) return 'millisecond';
        if (ms < 120000) return 'second';
        if (ms < 7200000) return 'minute';
        return 'hour';
    }
    var UNIT_MS = { millisecond: 1, second: 1000, minute: 60000, hour: 3600000 };
    function duration(lang, ms, unit) {
        unit = unit || durationUnit(ms);
        return intl('n', lang, { style: 'unit', unit: unit, unitDisplay: 'short', maximumFractionDigits: 1 })
            .format(ms / UNIT_MS[unit]);
    }
    function date(lang, ms, tz, opt) {
        var o = {};
        Object.keys(opt).forEach(function (k) { o[k] = opt[k]; });
        o.timeZone = tz;
        return intl('d', lang, o).format(new Date(ms));
    }
    /* Weekday names, 0 Sunday, in the language: from 2023-01-01, a Sunday. */
    function weekday(lang, d) {
        return intl('d', lang, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2023, 0, 1 + d)));
    }

    window.SanadDashboardI18n = {
        langs: LANGS, dir: DIR, texts: TEXTS, unitMs: UNIT_MS, locale: locale,
        num: num, pct: pct, fmt: fmt, duration: duration, durationUnit: durationUnit, date: date,
        weekday: weekday
    };
}());
