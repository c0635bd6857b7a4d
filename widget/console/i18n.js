/* Sanad agent console: every text the console shows, one table per language (ar, en), and the
 * ICU-backed formatting of numbers, plurals and times (Intl.NumberFormat, Intl.PluralRules,
 * Intl.DateTimeFormat). Loaded by index.html before console.js, which reads it from
 * window.SanadConsoleI18n. Data only: no DOM here.
 *
 * Keys: a plain key is a string; {name} marks are filled by fmt(). PLURALS holds, per
 * language, the forms Intl.PluralRules selects (Arabic: zero, one, two, few, many, other;
 * English: one, other), {n} being the number in the language's digits.
 *
 * Latin text in the Arabic table is limited to what is not a word of the interface: key names
 * in <kbd> (the shortcuts panel, the canned hint) and the other language's own name on the
 * language switch (marked lang="en"); the browser test (tests/browser/console_ui_run) checks
 * it. */
(function () {
    'use strict';

    var TEXTS = {
        ar: {
            title: 'سند — لوحة الموظف',
            loginTitle: 'سند — دخول الموظفين',
            loginName: 'اسم المستخدم',
            loginPassword: 'كلمة المرور',
            loginSubmit: 'دخول',
            consoleTitle: 'سند — لوحة الموظف',
            langName: 'العربية',
            langSwitch: 'تغيير اللغة',
            presenceLabel: 'الحالة',
            online: 'متاح', away: 'غير متاح', offline: 'غير متصل',
            reconnect: 'إعادة الاتصال',
            logout: 'خروج',
            connecting: 'جارٍ الاتصال…', connected: 'متصل', reconnecting: 'انقطع الاتصال؛ إعادة المحاولة…',
            replaced: 'فُتحت اللوحة في نافذة أخرى؛ هذه النافذة لم تعد متصلة.',
            queueTitle: 'قائمة الانتظار',
            queueEmpty: 'لا أحد ينتظر.',
            ticketsTitle: 'رسائل',
            ticketsEmpty: 'لا رسائل متروكة.',
            chatsLabel: 'المحادثات',
            myChats: 'محادثاتي',
            noChat: 'لا محادثات حاليًا. ستظهر هنا المحادثات المُسندة إليك.',
            escalateTo: 'تصعيد إلى',
            escalateNote: 'سبب التصعيد (مطلوب)',
            escalate: 'تصعيد',
            escalateDefault: 'الخط الثاني المعتاد',
            escalateNeedsNote: 'اكتب سبب التصعيد.',
            escalateFailed: 'تعذر التصعيد: ',
            escalateErrors: { bad_field: 'لا يوجد خط أعلى لهذا القسم، أو الطلب في آخر مستوى، أو القسم هو نفسه.',
                              not_found: 'المحادثة لم تعد لك.' },
            escalatedNote: 'صُعّدت المحادثة إلى خط دعم أعلى.',
            deptGroup: 'الأقسام',
            agentsGroup: 'الموظفون',
            deptOnline: '{name} — {online}',
            tierOf: 'المستوى {tier}',
            transferTo: 'تحويل إلى',
            transferNote: 'سبب التحويل (اختياري)',
            transferNotePh: 'لماذا تحوّل المحادثة؟',
            transfer: 'تحويل',
            transferNone: 'لا موظف آخر متاح',
            agentLoad: '{name} — {load}',
            loadOf: '{chats} من {capacity}',
            full: 'ممتلئ',
            transferPick: 'اختر موظفًا متاحًا.',
            transferred: 'حُوّلت المحادثة إلى موظف آخر.',
            transferFailed: 'تعذر التحويل إلى {login}: ',
            transferErrors: { not_found: 'الموظف غير متاح الآن، أو المحادثة لم تعد لك.', at_capacity: 'لدى الموظف أقصى عدد من المحادثات.',
                              bad_field: 'لا يمكن تحويل المحادثة إلى نفسك.', internal: 'خطأ مؤقت في الخادم؛ أعد المحاولة.' },
            transferredFrom: 'حوّل {name} هذه المحادثة إليك.',
            transferReason: 'السبب: ',
            transferNoReason: 'لم يُذكر سبب.',
            transferNoteTag: 'سبب التحويل',
            transferNoteFromTo: 'من {from} إلى {to}',
            resolutionLabel: 'النتيجة',
            resolution: { resolved: 'تم الحل', answered: 'تمت الإجابة', not_resolved: 'لم يُحل',
                          escalated: 'تم التصعيد', spam: 'رسائل مزعجة', transferred: 'حُوّلت' },
            closeChat: 'إغلاق المحادثة',
            transcriptLabel: 'نص المحادثة',
            modeLabel: 'نوع الرسالة',
            modeReply: 'رد على الزائر',
            modeNote: 'ملاحظة داخلية',
            canned: 'ردود جاهزة',
            cannedHint: 'أو اكتب ‎/اختصار‎ ثم اضغط',
            messageLabel: 'الرسالة',
            replyPh: 'اكتب ردك…',
            notePh: 'ملاحظة داخلية لا يراها الزائر…',
            send: 'إرسال',
            saveNote: 'حفظ الملاحظة',
            from: { visitor: 'الزائر', bot: 'روبوت', system: 'النظام', agent: 'موظف' },
            note: 'ملاحظة داخلية',
            kind: { welcome: 'ترحيب', intent: 'نية', answer: 'إجابة', suggestions: 'اقتراحات',
                    fallback: 'بلا إجابة', handoff: 'طلب موظف' },
            take: 'استلام',
            /* routing by department and priority, SLAs (issue 15) */
            prio: { low: 'أولوية منخفضة', normal: 'أولوية عادية', high: 'أولوية عالية', urgent: 'عاجلة' },
            deptLabel: 'القسم: {d}',
            fallbackNote: 'لا أحد من القسم متاح',
            slaLeft: { first: 'أول رد خلال {t}', resolve: 'الحل خلال {t}' },
            slaLate: { first: 'تأخر أول رد {t}', resolve: 'تأخر الحل {t}' },
            slaMissed: { first: 'فات موعد أول رد', resolve: 'فات موعد الحل' },
            slaAlert: 'الحالة {ref}: {what}؛ رُفعت إلى {p}.',
            slaDismiss: 'إخفاء التنبيه',
            waiting: 'ينتظر منذ {t}',
            noQuestion: '(لا سؤال بعد)',
            noEmail: 'بلا بريد',
            langBadge: { ar: 'ع', en: 'إنج' },
            langNames: { ar: 'العربية', en: 'الإنجليزية' },
            routing: { auto: 'التوزيع تلقائي: تُسند إليك المحادثات وأنت متاح.', pick: 'التوزيع يدوي: استلم المحادثة من القائمة.' },
            newChat: '● محادثة جديدة',
            pending: 'قيد الإرسال',
            closed: 'أُغلقت المحادثة: ',
            band: { high: 'ثقة عالية', medium: 'ثقة متوسطة', low: 'ثقة منخفضة' },
            editName: 'تغيير الاسم',
            nameLabel: 'الاسم الذي يراه الزوار',
            save: 'حفظ',
            cancel: 'إلغاء',
            nameSaved: 'حُفظ الاسم.',
            nameInvalid: 'اكتب اسمًا من حرف واحد إلى ٦٤ حرفًا، بلا رموز تحكم.',
            nameFailed: 'تعذر حفظ الاسم؛ أعد المحاولة.',
            notifyOn: 'تفعيل الإشعارات',
            notifyGranted: 'الإشعارات مفعّلة',
            notifyDenied: 'الإشعارات محظورة في المتصفح',
            notifyUnsupported: 'المتصفح لا يدعم الإشعارات',
            notifyNewChat: 'محادثة جديدة',
            notifyNewMessage: 'رسالة جديدة من الزائر',
            notifyTransferred: 'حوّل {name} محادثة إليك',
            help: 'اختصارات لوحة المفاتيح',
            helpClose: 'إغلاق',
            keys: {
                help: 'فتح قائمة الاختصارات (خارج حقول الكتابة)',
                esc: 'إغلاق القائمة والعودة',
                next: 'المحادثة التالية',
                prev: 'المحادثة السابقة',
                send: 'إرسال الرد أو الملاحظة',
                note: 'التبديل بين الرد والملاحظة الداخلية',
                take: 'استلام أقدم محادثة في قائمة الانتظار'
            },
            login: {
                unauthorized: 'اسم المستخدم أو كلمة المرور غير صحيحة.',
                rate_limited: 'محاولات كثيرة فاشلة؛ حاول بعد {t}.',
                role: 'هذا الحساب ليس حساب موظف.',
                missing: 'أدخل اسم المستخدم وكلمة المرور.',
                network: 'تعذر الاتصال بالخادم.',
                other: 'تعذر الدخول (الرمز {code}).'
            },
            visitorTyping: 'الزائر يكتب…', seen: 'قرأها الزائر',
            caseRef: 'رقم الطلب',
            /* replies by email to a case whose visitor has gone (issue 15, case_reply) */
            mailReply: 'الرد بالبريد',
            mailPlaceholder: 'اكتب ردك؛ يُحفظ في المحادثة ويُرسل إلى بريد الزائر إن أعطاه بموافقته.',
            mailSend: 'إرسال الرد',
            mailState: { sending: 'جارٍ الحفظ…', queued: 'البريد في الانتظار للإرسال.', sent: 'أُرسل البريد.',
                         failed: 'تعذر إرسال البريد: {error}', no_address: 'حُفظ الرد؛ لم يعطِ الزائر بريدًا بموافقته.',
                         disabled: 'حُفظ الرد؛ هذا الخادم لا يرسل بريدًا.', duplicate: 'حُفظ هذا الرد من قبل.' },
            /* the case list, search and timeline (issue 15) */
            casesOpen: 'الطلبات', casesClose: 'العودة إلى المحادثات', casesTitle: 'البحث في الطلبات',
            csRef: 'رقم الطلب', csStatus: 'الحالة', csDept: 'القسم', csAssignee: 'الموظف المسؤول',
            csText: 'نص في المحادثة', csFrom: 'من تاريخ', csTo: 'إلى تاريخ', csSearch: 'بحث',
            csEmpty: 'لا طلبات تطابق البحث.', csMore: 'المزيد', csLoading: 'جارٍ التحميل…',
            csKeepLooking: 'لا نتيجة بين أحدث الطلبات بعد؛ اضغط «المزيد» لمتابعة البحث في الأقدم.',
            csBad: 'تحقق من حقول البحث: قيمة غير مقبولة.', csDates: 'تاريخ البداية بعد تاريخ النهاية.',
            csFailed: 'تعذر تحميل الطلبات؛ أعد المحاولة.', csNotFound: 'لا يوجد طلب بهذا الرقم.',
            csNone: '—', csNoSummary: '(بلا نص)', csUnassigned: 'لم يُسند',
            caseStatus: { 'new': 'جديد', open: 'مفتوح', waiting: 'بانتظار الزائر', escalated: 'مُصعّد',
                          solved: 'محلول', closed: 'مغلق' },
            priority: { low: 'منخفضة', normal: 'عادية', high: 'عالية', urgent: 'عاجلة' },
            cvClose: 'إغلاق العرض', cvTimeline: 'سجل الطلب', cvTranscript: 'نص المحادثة',
            cvLeft: 'الرسالة المتروكة', cvLeftMeta: '{date} · {email}',
            cvPast: 'محادثات سابقة لهذا الزائر', cvNoPast: 'لا محادثات سابقة.',
            cvFacts: { status: 'الحالة', priority: 'الأولوية', department: 'القسم', assignee: 'الموظف',
                       created: 'أُنشئ', updated: 'آخر تغيير', first_response_at: 'أول رد', solved_at: 'حُلّ' },
            pastTitle: 'محادثات سابقة لهذا الزائر', pastNone: 'لا محادثات سابقة لهذا الزائر.',
            actor: { system: 'النظام', visitor: 'الزائر', bot: 'روبوت' },
            ev: {
                created: 'فُتح الطلب', handoff: 'طُلب موظف: {reason}', queued: 'دخل قائمة الانتظار',
                assigned: 'أُسند إلى {name} ({by})', transferred: 'حُوّل من {from} إلى {to}',
                agent_replied: 'ردّ على الزائر', visitor_wrote: 'كتب رسالة', note: 'أضاف ملاحظة داخلية',
                message_left: 'ترك رسالة', left: 'غادر المحادثة', left_system: 'غاب الزائر أكثر من المهلة',
                requeued: 'عاد إلى قائمة الانتظار: غاب الموظف أكثر من المهلة', escalated: 'صُعّد الطلب',
                solved: 'حُلّ الطلب: {resolution}', closed: 'أُغلق الطلب: {resolution}',
                reopened: 'أُعيد فتح الطلب', csat: 'قيّم المحادثة {rating} من {max}', other: 'حدث: {kind}',
                note_text: 'السبب: {note}', comment: 'التعليق: {comment}',
                escalated_to: 'صُعّد الطلب إلى {to} (المستوى {tier})', transferred_dept: 'حُوّل إلى قسم {to}',
                sla_first: 'فات موعد الرد الأول المستهدف', sla_resolve: 'فات موعد الحل المستهدف',
                email_sent: 'أُرسل الرد بالبريد', email_failed: 'تعذر إرسال الرد بالبريد'
            },
            handoffReason: { asked: 'طلبه الزائر', accepted_offer: 'قبل الزائر عرض الروبوت', button: 'زر «التحدث إلى موظف»' },
            assignedBy: { auto: 'تلقائيًا', take: 'استلمه من القائمة' },
            attachButton: '📎 إرفاق صورة أو ملف بي دي إف',
            attach: {
                413: 'الملف أكبر من الحد المسموح.', 415: 'نوع الملف غير مقبول: صورة (PNG أو JPEG أو GIF أو WebP) أو ملف PDF فقط.',
                400: 'الملف فارغ.', 401: 'انتهت الجلسة؛ سجّل الدخول مجددًا.', 403: 'هذه المحادثة ليست من محادثاتك.',
                429: 'رُفعت ملفات كثيرة في هذه المحادثة.',
                other: 'تعذر رفع الملف.', uploading: 'جارٍ رفع الملف…', open: 'فتح الصورة', pdf: 'ملف بي دي إف'
            },
            errors: {
                at_capacity: 'وصلت إلى الحد الأقصى من المحادثات.',
                not_found: 'المحادثة لم تعد متاحة.',
                too_long: 'الرسالة طويلة جدًا.', empty: 'الرسالة فارغة.',
                rate_limited: 'رسائل كثيرة بسرعة؛ انتظر لحظة.', internal: 'خطأ مؤقت في الخادم؛ أعد المحاولة.',
                bad_field: 'طلب غير صالح.',
                visitor_connected: 'الزائر متصل الآن: أجبه في المحادثة.', case_closed: 'الطلب مغلق؛ لا يمكن الرد عليه.'
            }
        },
        en: {
            title: 'Sanad — Agent console',
            loginTitle: 'Sanad — Agent sign-in',
            loginName: 'Username',
            loginPassword: 'Password',
            loginSubmit: 'Sign in',
            consoleTitle: 'Sanad — Agent console',
            langName: 'English',
            langSwitch: 'Change language',
            presenceLabel: 'Status',
            online: 'Available', away: 'Away', offline: 'Offline',
            reconnect: 'Reconnect',
            logout: 'Log out',
            connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Connection lost; retrying…',
            replaced: 'The console was opened in another window; this one is no longer connected.',
            queueTitle: 'Queue',
            queueEmpty: 'Nobody is waiting.',
            ticketsTitle: 'Messages',
            ticketsEmpty: 'No messages left.',
            chatsLabel: 'Chats',
            myChats: 'My chats',
            noChat: 'No chats right now. Chats assigned to you appear here.',
            escalateTo: 'Escalate to',
            escalateNote: 'Reason for escalating (required)',
            escalate: 'Escalate',
            escalateDefault: 'The usual second line',
            escalateNeedsNote: 'Give the reason for escalating.',
            escalateFailed: 'Could not escalate: ',
            escalateErrors: { bad_field: 'This department has no higher line, the case is at the last tier, or it is the same department.',
                              not_found: 'The chat is no longer yours.' },
            escalatedNote: 'The chat was escalated to a higher line of support.',
            deptGroup: 'Departments',
            agentsGroup: 'Agents',
            deptOnline: '{name} — {online}',
            tierOf: 'Tier {tier}',
            transferTo: 'Transfer to',
            transferNote: 'Reason (optional)',
            transferNotePh: 'Why are you transferring this chat?',
            transfer: 'Transfer',
            transferNone: 'No other agent online',
            agentLoad: '{name} — {load}',
            loadOf: '{chats} of {capacity}',
            full: 'full',
            transferPick: 'Choose an available agent.',
            transferred: 'The chat was transferred to another agent.',
            transferFailed: 'Could not transfer to {login}: ',
            transferErrors: { not_found: 'that agent is not online now, or the chat is no longer yours.', at_capacity: 'that agent has the most chats they may hold.',
                              bad_field: 'you cannot transfer a chat to yourself.', internal: 'a temporary server error; try again.' },
            transferredFrom: '{name} transferred this chat to you.',
            transferReason: 'Reason: ',
            transferNoReason: 'No reason given.',
            transferNoteTag: 'Transfer reason',
            transferNoteFromTo: 'from {from} to {to}',
            resolutionLabel: 'Outcome',
            resolution: { resolved: 'Resolved', answered: 'Answered', not_resolved: 'Not resolved',
                          escalated: 'Escalated', spam: 'Spam', transferred: 'Transferred' },
            closeChat: 'Close chat',
            transcriptLabel: 'Transcript',
            modeLabel: 'Message type',
            modeReply: 'Reply to the visitor',
            modeNote: 'Internal note',
            canned: 'Canned replies',
            cannedHint: 'or type /shortcut, then press',
            messageLabel: 'Message',
            replyPh: 'Type your reply…',
            notePh: 'Internal note the visitor never sees…',
            send: 'Send',
            saveNote: 'Save note',
            from: { visitor: 'Visitor', bot: 'Bot', system: 'System', agent: 'Agent' },
            note: 'Internal note',
            kind: { welcome: 'welcome', intent: 'intent', answer: 'answer', suggestions: 'suggestions',
                    fallback: 'no answer', handoff: 'asked for an agent' },
            take: 'Take',
            /* routing by department and priority, SLAs (issue 15) */
            prio: { low: 'Low priority', normal: 'Normal priority', high: 'High priority', urgent: 'Urgent' },
            deptLabel: 'Department: {d}',
            fallbackNote: 'Nobody of the department is available',
            slaLeft: { first: 'First reply within {t}', resolve: 'Resolve within {t}' },
            slaLate: { first: 'First reply {t} late', resolve: 'Resolution {t} late' },
            slaMissed: { first: 'First-reply target missed', resolve: 'Resolution target missed' },
            slaAlert: 'Case {ref}: {what}; raised to {p}.',
            slaDismiss: 'Dismiss the alert',
            waiting: 'Waiting {t}',
            noQuestion: '(no question yet)',
            noEmail: 'no email',
            langBadge: { ar: 'AR', en: 'EN' },
            langNames: { ar: 'Arabic', en: 'English' },
            routing: { auto: 'Automatic routing: chats are assigned to you while you are available.', pick: 'Manual routing: take chats from the queue.' },
            newChat: '● New chat',
            pending: 'Sending',
            closed: 'Chat closed: ',
            band: { high: 'High confidence', medium: 'Medium confidence', low: 'Low confidence' },
            editName: 'Change name',
            nameLabel: 'Name visitors see',
            save: 'Save',
            cancel: 'Cancel',
            nameSaved: 'Name saved.',
            nameInvalid: 'Use 1 to 64 characters, with no control characters.',
            nameFailed: 'The name could not be saved; try again.',
            notifyOn: 'Enable notifications',
            notifyGranted: 'Notifications on',
            notifyDenied: 'Notifications blocked by the browser',
            notifyUnsupported: 'This browser has no notifications',
            notifyNewChat: 'New chat',
            notifyNewMessage: 'New visitor message',
            notifyTransferred: '{name} transferred a chat to you',
            help: 'Keyboard shortcuts',
            helpClose: 'Close',
            keys: {
                help: 'Open the shortcuts list (outside text fields)',
                esc: 'Close the list and go back',
                next: 'Next chat',
                prev: 'Previous chat',
                send: 'Send the reply or note',
                note: 'Switch between reply and internal note',
                take: 'Take the oldest chat in the queue'
            },
            login: {
                unauthorized: 'Wrong username or password.',
                rate_limited: 'Too many failed attempts; try again in {t}.',
                role: 'This account is not an agent account.',
                missing: 'Enter your username and password.',
                network: 'Could not reach the server.',
                other: 'Could not sign in (code {code}).'
            },
            visitorTyping: 'Visitor is typing…', seen: 'Seen by the visitor',
            caseRef: 'Case',
            /* replies by email to a case whose visitor has gone (issue 15, case_reply) */
            mailReply: 'Reply by email',
            mailPlaceholder: 'Write your reply; it is kept in the conversation and emailed to the visitor if they gave an address with consent.',
            mailSend: 'Send reply',
            mailState: { sending: 'Saving…', queued: 'The email is queued.', sent: 'The email was sent.',
                         failed: 'The email could not be delivered: {error}', no_address: 'Reply saved; the visitor gave no email with consent.',
                         disabled: 'Reply saved; this server sends no email.', duplicate: 'This reply was saved already.' },
            /* the case list, search and timeline (issue 15) */
            casesOpen: 'Cases', casesClose: 'Back to chats', casesTitle: 'Search cases',
            csRef: 'Reference', csStatus: 'Status', csDept: 'Department', csAssignee: 'Assignee',
            csText: 'Text in the conversation', csFrom: 'From', csTo: 'To', csSearch: 'Search',
            csEmpty: 'No case matches.', csMore: 'More', csLoading: 'Loading…',
            csKeepLooking: 'No match among the newest cases yet; press More to look through older ones.',
            csBad: 'Check the search fields: a value was not accepted.', csDates: 'The start date is after the end date.',
            csFailed: 'The cases could not be loaded; try again.', csNotFound: 'There is no case with this reference.',
            csNone: '—', csNoSummary: '(no text)', csUnassigned: 'Unassigned',
            caseStatus: { 'new': 'New', open: 'Open', waiting: 'Waiting on visitor', escalated: 'Escalated',
                          solved: 'Solved', closed: 'Closed' },
            priority: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
            cvClose: 'Close this view', cvTimeline: 'Timeline', cvTranscript: 'Transcript',
            cvLeft: 'Left message', cvLeftMeta: '{date} · {email}',
            cvPast: 'Past conversations of this visitor', cvNoPast: 'No past conversations.',
            cvFacts: { status: 'Status', priority: 'Priority', department: 'Department', assignee: 'Assignee',
                       created: 'Created', updated: 'Last change', first_response_at: 'First response', solved_at: 'Solved' },
            pastTitle: 'Past conversations of this visitor', pastNone: 'No past conversations of this visitor.',
            actor: { system: 'System', visitor: 'Visitor', bot: 'Bot' },
            ev: {
                created: 'Case opened', handoff: 'Asked for a person: {reason}', queued: 'Entered the queue',
                assigned: 'Assigned to {name} ({by})', transferred: 'Transferred from {from} to {to}',
                agent_replied: 'Replied to the visitor', visitor_wrote: 'Wrote a message', note: 'Added an internal note',
                message_left: 'Left a message', left: 'Left the conversation', left_system: 'The visitor was gone past the grace time',
                requeued: 'Back in the queue: the agent was gone past the grace time', escalated: 'Escalated',
                solved: 'Solved: {resolution}', closed: 'Closed: {resolution}',
                reopened: 'Reopened', csat: 'Rated the chat {rating} of {max}', other: 'Event: {kind}',
                note_text: 'Reason: {note}', comment: 'Comment: {comment}',
                escalated_to: 'Escalated to {to} (tier {tier})', transferred_dept: 'Transferred to the {to} department',
                sla_first: 'The first response target was missed', sla_resolve: 'The resolution target was missed',
                email_sent: 'The reply by email was delivered', email_failed: 'The reply by email could not be delivered'
            },
            handoffReason: { asked: 'the visitor asked', accepted_offer: 'the visitor accepted the bot\'s offer', button: 'the "talk to a person" button' },
            assignedBy: { auto: 'automatically', take: 'taken from the queue' },
            attachButton: '📎 Attach an image or a PDF',
            attach: {
                413: 'The file is larger than allowed.', 415: 'That file type is not accepted: images (PNG, JPEG, GIF or WebP) or PDF only.',
                400: 'The file is empty.', 401: 'Your session ended; log in again.', 403: 'This conversation is not one of your chats.',
                429: 'Too many files were uploaded in this conversation.',
                other: 'The file could not be uploaded.', uploading: 'Uploading the file…', open: 'Open the image', pdf: 'PDF file'
            },
            errors: {
                at_capacity: 'You have the most chats you may hold.',
                not_found: 'The chat is no longer available.',
                too_long: 'The message is too long.', empty: 'The message is empty.',
                rate_limited: 'Too many messages too fast; wait a moment.', internal: 'A temporary server error; try again.',
                bad_field: 'The request was not valid.',
                visitor_connected: 'The visitor is here now: answer in the chat.', case_closed: 'The case is closed; it cannot be answered.'
            }
        }
    };

    /* Plural forms by Intl.PluralRules category; {n} is the formatted number. */
    var PLURALS = {
        ar: {
            seconds: { zero: '{n} ثانية', one: 'ثانية واحدة', two: 'ثانيتين', few: '{n} ثوانٍ', many: '{n} ثانية', other: '{n} ثانية' },
            minutes: { zero: '{n} دقيقة', one: 'دقيقة واحدة', two: 'دقيقتين', few: '{n} دقائق', many: '{n} دقيقة', other: '{n} دقيقة' },
            hours: { zero: '{n} ساعة', one: 'ساعة واحدة', two: 'ساعتين', few: '{n} ساعات', many: '{n} ساعة', other: '{n} ساعة' },
            chats: { zero: 'لا محادثات', one: 'محادثة واحدة', two: 'محادثتان', few: '{n} محادثات', many: '{n} محادثة', other: '{n} محادثة' },
            waiting: { zero: 'لا أحد ينتظر', one: 'زائر واحد ينتظر', two: 'زائران ينتظران', few: '{n} زوار ينتظرون', many: '{n} زائرًا ينتظرون', other: '{n} زائر ينتظرون' },
            tickets: { zero: 'لا رسائل', one: 'رسالة واحدة', two: 'رسالتان', few: '{n} رسائل', many: '{n} رسالة', other: '{n} رسالة' },
            unread: { zero: 'لا رسائل جديدة', one: 'رسالة جديدة واحدة', two: 'رسالتان جديدتان', few: '{n} رسائل جديدة', many: '{n} رسالة جديدة', other: '{n} رسالة جديدة' },
            online: { zero: 'لا أحد متصل', one: 'موظف واحد متصل', two: 'موظفان متصلان', few: '{n} موظفين متصلين', many: '{n} موظفًا متصلًا', other: '{n} موظف متصل' }
        },
        en: {
            seconds: { one: '{n} second', other: '{n} seconds' },
            minutes: { one: '{n} minute', other: '{n} minutes' },
            hours: { one: '{n} hour', other: '{n} hours' },
            chats: { one: '{n} chat', other: '{n} chats' },
            waiting: { one: '{n} visitor waiting', other: '{n} visitors waiting' },
            tickets: { one: '{n} message', other: '{n} messages' },
            unread: { one: '{n} new message', other: '{n} new messages' },
            online: { one: '{n} agent online', other: '{n} agents online' }
        }
    };

    var LANGS = ['ar', 'en'];
    var DIR = { ar: 'rtl', en: 'ltr' };
    var cache = {};

    function intl(kind, lang, opt) {
        var k = kind + '|' + lang + '|' + JSON.stringify(opt || {});
        if (!cache[k]) {
            var C = kind === 'n' ? Intl.NumberFormat : kind === 'p' ? Intl.PluralRules : Intl.DateTimeFormat;
            cache[k] = new C(lang, opt);
        }
        return cache[k];
    }
    function num(lang, n) { return intl('n', lang).format(n); }
    /* template t with {key} replaced by vars[key] (numbers in the language's digits) */
    function fmt(lang, t, vars) {
        return String(t).replace(/\{(\w+)\}/g, function (m, k) {
            if (!vars || !(k in vars)) return m;
            var v = vars[k];
            return typeof v === 'number' ? num(lang, v) : String(v);
        });
    }
    function plural(lang, key, n) {
        var forms = PLURALS[lang][key], cat = intl('p', lang).select(n);
        /* Arabic's PluralRules gives "zero" for 0; English's gives "other", and has no zero form */
        return fmt(lang, forms[cat] || forms.other, { n: n });
    }
    /* A duration in seconds as words: seconds under a minute, minutes under an hour, else hours. */
    function duration(lang, s) {
        s = Math.max(0, Math.floor(s));
        if (s < 60) return plural(lang, 'seconds', s);
        if (s < 3600) return plural(lang, 'minutes', Math.floor(s / 60));
        return plural(lang, 'hours', Math.floor(s / 3600));
    }
    function time(lang, ts) {
        if (typeof ts !== 'number') return '';
        return intl('d', lang, { hour: '2-digit', minute: '2-digit' }).format(new Date(ts));
    }
    function dateTime(lang, ts) {
        if (typeof ts !== 'number') return '';
        return intl('d', lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ts));
    }

    window.SanadConsoleI18n = {
        langs: LANGS, dir: DIR, texts: TEXTS, plurals: PLURALS,
        num: num, fmt: fmt, plural: plural, duration: duration, time: time, dateTime: dateTime
    };
}());
