"""Integration tests of the help center (issue 13, docs/help-center.md), registered into
tests/integration/run's list: real HTTP against `sanad serve`, the base edited with the
`sanad kb` CLI while the server runs, votes and gaps read back from the files."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

AR_ENTRY = "ar-tel-003"            # كيف أدفع فاتورة خطي؟ (billing)
EGYPTIAN = "عايز الغي الطلب"       # -> ar-shop-003, كيف ألغي طلبي؟
GULF = "ابغى ادفع فاتورة الجوال"   # -> ar-tel-003
CONTACT = "1555 <خدمة العملاء> & info@najma.example"
NO_MATCH = "كيف اسجل صقري في سباق الهجن الصحراوي"


def register(test, cli):
    """Adds the tests with run's @test decorator; cli is run's _cli(srv, *args)."""

    def req(srv, method, path, body=b"", headers=None):
        h = {"Host": "127.0.0.1:%d" % srv.port, "Connection": "close"}
        h.update(headers or {})
        if method == "POST" or body:
            h.setdefault("Content-Length", str(len(body)))
        raw = "%s %s HTTP/1.1\r\n" % (method, path)
        raw += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        return srv.http(raw.encode("utf-8") + body)

    def get(srv, path, headers=None):
        st, h, body = req(srv, "GET", path, headers=headers)
        return st, h, body.decode("utf-8")

    def quoted(s):
        return urllib.parse.quote(s, safe="")

    def vote(srv, entry, value, token=None, origin=True, lang="ar", ctype=None, body=None):
        b = body if body is not None else (
            ("t=%s&" % token if token else "") + "v=" + value).encode()
        hd = {"Content-Type": ctype or "application/x-www-form-urlencoded"}
        if origin is True:
            hd["Origin"] = "http://127.0.0.1:%d" % srv.port
        elif origin:
            hd["Origin"] = origin
        return req(srv, "POST", "/help/%s/%s/vote" % (lang, entry), b, hd)

    def votes(srv, entry):
        c = sqlite3.connect("file:%s?mode=ro" % srv.kb_db, uri=True)
        try:
            r = c.execute("SELECT helpful, unhelpful FROM feedback WHERE entry_id = ?",
                          (entry,)).fetchone()
            return tuple(r) if r else (0, 0)
        finally:
            c.close()

    def token_of(page):
        m = re.search(r'name="t" value="([0-9a-f]{32})"', page)
        assert m, page[-2000:]
        return m.group(1)

    def results(page):
        m = re.search(r'<section class="results".*?</section>', page, re.S)
        assert m, "no results section"
        return m.group(0)

    def security_headers(h):
        csp = h.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
        assert h.get("x-content-type-options") == "nosniff", h
        assert h.get("cache-control") in ("no-cache", "no-store"), h

    @test()
    def help_picks_a_language(srv):
        for al, want in (("en-GB,en;q=0.9", "en"), ("ar-EG,ar;q=0.9,en;q=0.5", "ar"),
                         ("fr", "ar"), (None, "ar"), ("fr;q=0.9, en;q=0.8", "en")):
            st, h, _ = get(srv, "/help/", {"Accept-Language": al} if al else None)
            assert st.startswith("HTTP/1.1 302"), (al, st)
            assert h["location"] == "/help/%s/" % want, (al, h)
            assert "accept-language" in h.get("vary", "").lower(), h
        st, h, _ = get(srv, "/help")
        assert st.startswith("HTTP/1.1 302") and h["location"] == "/help/ar/", (st, h)

    @test()
    def help_index_lists_published_entries_by_category(srv):
        st, h, page = get(srv, "/help/ar/")
        assert st.startswith("HTTP/1.1 200"), st
        assert h["content-type"] == "text/html; charset=utf-8", h
        security_headers(h)
        assert '<html lang="ar" dir="rtl">' in page, page[:300]
        assert "<title>مركز المساعدة</title>" in page, page[:600]
        assert '<meta name="description" content="' in page
        assert 'name="robots"' not in page  # the list is indexed; searches and errors are not
        assert ('<link rel="canonical" href="http://127.0.0.1:%d/help/ar/">' % srv.port) in page
        assert '<a class="lang" href="/help/en/" lang="en" hreflang="en">English</a>' in page
        # grouped: the billing heading, then its entries, the article link among them
        sec = re.search(r'<section class="category"><h2>billing</h2><ul>(.*?)</ul>', page)
        assert sec and ('href="/help/ar/%s"' % AR_ENTRY) in sec.group(1), page[:3000]
        assert "كيف أدفع فاتورة خطي؟" in sec.group(1)
        # the count comes from ICU's plural rules, in Arabic digits
        assert re.search(r'<p class="count">[٠-٩]+ مقالة</p>', page), page[:2000]
        assert "/help/en/" not in re.sub(r'<a class="lang"[^>]*>', "", page.split("</header>")[1])
        st, h, page = get(srv, "/help/en/")
        assert '<html lang="en" dir="ltr">' in page and "<title>Help center</title>" in page
        assert 'href="/help/ar/' not in page.split("</header>")[1], "an Arabic entry in /help/en/"
        assert re.search(r'<p class="count">\d+ articles</p>', page), page[:2000]
        # a GET with a body of nothing else is not a search: no results section
        assert 'class="results"' not in page

    @test(server={"help_contact": CONTACT})
    def help_article_page(srv):
        st, h, page = get(srv, "/help/ar/" + AR_ENTRY)
        assert st.startswith("HTTP/1.1 200"), st
        security_headers(h)
        assert '<html lang="ar" dir="rtl">' in page
        assert "<title>كيف أدفع فاتورة خطي؟ — مركز المساعدة</title>" in page, page[:500]
        assert ('<link rel="canonical" href="http://127.0.0.1:%d/help/ar/%s">'
                % (srv.port, AR_ENTRY)) in page
        assert '<meta name="description" content="يمكنك سداد فاتورتك' in page
        assert '<div class="answer">يمكنك سداد فاتورتك' in page
        assert ('<form method="post" action="/help/ar/%s/vote">' % AR_ENTRY) in page
        assert 'name="v" value="yes">نعم</button>' in page and 'value="no">لا</button>' in page
        assert 'data-sanad-ask="كيف أدفع فاتورة خطي؟"' in page
        assert '<script src="/widget.js" data-lang="ar" async></script>' in page
        # the contact line from the config, escaped like everything else
        assert "1555 &lt;خدمة العملاء&gt; &amp; info@najma.example" in page, page[-800:]
        assert "<script>" not in page.replace('<script src="/widget.js"', "")
        # HEAD: the same headers, no body
        st, h, body = req(srv, "HEAD", "/help/ar/" + AR_ENTRY)
        assert st.startswith("HTTP/1.1 200") and body == b"", (st, body[:100])
        assert int(h["content-length"]) > 1000, h
        # the English page of an Arabic entry does not exist
        st, _, page = get(srv, "/help/en/" + AR_ENTRY)
        assert st.startswith("HTTP/1.1 404") and '<html lang="en" dir="ltr">' in page, st

    @test()
    def help_search_finds_dialect_questions(srv):
        for q, want in ((EGYPTIAN, "ar-shop-003"), (GULF, AR_ENTRY)):
            st, _, page = get(srv, "/help/ar/?q=" + quoted(q))
            assert st.startswith("HTTP/1.1 200"), st
            res = results(page)
            first = re.search(r'<li data-band="(\w+)"><a href="/help/ar/([^"]+)"', res)
            assert first and first.group(2) == want, (q, res[:1500])
            assert first.group(1) in ("high", "medium"), res[:300]
            assert ('value="%s"' % q) in page  # the box keeps the question
        # '+' for spaces, as a form sends it, works the same
        st, _, page = get(srv, "/help/ar/?q=" + EGYPTIAN.replace(" ", "+"))
        assert 'href="/help/ar/ar-shop-003"' in results(page)
        st, _, page = get(srv, "/help/en/?q=" + quoted("how do I pay my bill"))
        assert '<li data-band=' in results(page), results(page)

    @test(server={}, own_kb=True)
    def help_search_without_a_good_match_is_a_gap(srv):
        st, _, page = get(srv, "/help/ar/?q=" + quoted(NO_MATCH))
        assert st.startswith("HTTP/1.1 200"), st
        res = results(page)
        assert '<p class="none">' in res and "<li" not in res, res
        assert ('data-sanad-ask="%s"' % NO_MATCH) in page  # the way to a person, pre-filled
        gaps = cli(srv, "gaps", "--json")
        assert "سباق" in gaps, gaps
        # a question the base answers is no gap; an empty one is no search
        get(srv, "/help/ar/?q=" + quoted(EGYPTIAN))
        get(srv, "/help/ar/?q=")
        get(srv, "/help/ar/?q=+++")
        rows = [json.loads(l) for l in cli(srv, "gaps", "--json").splitlines() if l.strip()]
        samples = json.dumps(rows, ensure_ascii=False)
        assert "عايز" not in samples, samples
        # hostile queries: echoed escaped, FTS5 syntax and SQL are just words, bad UTF-8 and
        # an over-long question get a message, never a 500
        for q in ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                  'NEAR(فاتورة) OR "x" * -', "'; DROP TABLE entries; --"):
            st, _, page = get(srv, "/help/ar/?q=" + quoted(q))
            assert st.startswith("HTTP/1.1 200"), (q, st)
            assert "<script>alert" not in page and "<img" not in page, q
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get(
            srv, "/help/ar/?q=" + quoted("<script>alert(1)</script>"))[2]
        for args in ("q=%C0%AF%FF", "q=" + quoted("ف" * 700), "x=1&q=" + quoted("ف" * 700)):
            st, _, page = get(srv, "/help/ar/?" + args)
            assert st.startswith("HTTP/1.1 200") and "تعذرت قراءة هذا البحث" in page, (args[:20], st)
            assert '<meta name="robots" content="noindex">' in page
        # past lws's header space the request is refused before any page runs
        st, _, page = get(srv, "/help/ar/?x=" + "y" * 9000 + "&q=" + quoted(EGYPTIAN))
        assert not st.startswith("HTTP/1.1 200") and not st.startswith("HTTP/1.1 5"), st
        assert cli(srv, "list", "--lang", "ar").count("\n") > 10  # the base is intact

    @test(server={}, own_kb=True)
    def help_follows_the_base_at_once(srv):
        e = {"id": "falcon-race", "lang": "ar", "category": "events", "status": "draft",
             "question": "كيف أسجل صقري في سباق الصقور؟",
             "variants": ["تسجيل الصقر في السباق"],
             "answer": "يسجَّل الصقر في مكتب السباق برقم حلقته."}
        cli(srv, "import", "-", "--format", "jsonl", stdin=(json.dumps(e) + "\n").encode())
        st, _, page = get(srv, "/help/ar/falcon-race")
        assert st.startswith("HTTP/1.1 404"), "a draft is shown: " + st
        assert "falcon-race" not in get(srv, "/help/ar/")[2]
        assert "falcon-race" not in get(srv, "/help/ar/?q=" + quoted("تسجيل الصقر في السباق"))[2]
        cli(srv, "edit", "falcon-race", "--publish")
        st, _, page = get(srv, "/help/ar/falcon-race")
        assert st.startswith("HTTP/1.1 200") and "برقم حلقته" in page, st
        index = get(srv, "/help/ar/")[2]
        assert re.search(r'<h2>events</h2><ul><li><a href="/help/ar/falcon-race">', index), index
        assert 'href="/help/ar/falcon-race"' in results(
            get(srv, "/help/ar/?q=" + quoted("ابغى اسجل الصقر في السباق"))[2])
        cli(srv, "edit", "falcon-race", "--answer", "التسجيل صار عبر الموقع.")
        assert "التسجيل صار عبر الموقع." in get(srv, "/help/ar/falcon-race")[2]
        cli(srv, "edit", "falcon-race", "--draft")
        assert get(srv, "/help/ar/falcon-race")[0].startswith("HTTP/1.1 404")
        cli(srv, "edit", "falcon-race", "--publish")
        cli(srv, "rm", "falcon-race")
        assert get(srv, "/help/ar/falcon-race")[0].startswith("HTTP/1.1 404")

    @test(server={}, own_kb=True)
    def help_votes_counted_once_foreign_origin_refused(srv):
        page = get(srv, "/help/ar/" + AR_ENTRY)[2]
        tok = token_of(page)
        st, h, _ = vote(srv, AR_ENTRY, "yes", tok)
        assert st.startswith("HTTP/1.1 303"), st
        assert h["location"] == "/help/ar/%s?voted=1" % AR_ENTRY, h
        assert votes(srv, AR_ENTRY) == (1, 0)  # stored before the redirect
        thanks = get(srv, h["location"])[2]
        assert 'class="thanks" role="status">شكرًا لتقييمك!' in thanks, thanks[-1500:]
        assert 'name="v"' not in thanks
        # the same form sent again (a double click, a resubmission): counted once
        st, _, _ = vote(srv, AR_ENTRY, "yes", tok)
        assert st.startswith("HTTP/1.1 303") and votes(srv, AR_ENTRY) == (1, 0), st
        # another form: counted
        vote(srv, AR_ENTRY, "no", token_of(get(srv, "/help/ar/" + AR_ENTRY)[2]))
        vote(srv, AR_ENTRY, "yes", token_of(get(srv, "/help/ar/" + AR_ENTRY)[2]))
        assert votes(srv, AR_ENTRY) == (2, 1), votes(srv, AR_ENTRY)
        # refused, nothing counted: another site's page, a bad value, no entry, the other
        # language, a body too big or not a form, GET on the form's target
        before = votes(srv, AR_ENTRY)
        st, _, page = vote(srv, AR_ENTRY, "yes", origin="http://evil.example")
        assert st.startswith("HTTP/1.1 403") and "من صفحاتنا" in page.decode(), st
        st, _, _ = vote(srv, AR_ENTRY, "yes", origin="null")
        assert st.startswith("HTTP/1.1 403"), st
        for args, want in (((AR_ENTRY, "maybe"), 400), ((AR_ENTRY, "yes%00"), 400),
                           (("no-such-entry", "yes"), 404), (("..", "yes"), 404)):
            st = vote(srv, *args)[0]
            assert st.startswith("HTTP/1.1 %d" % want), (args, st)
        assert vote(srv, AR_ENTRY, "yes", lang="en")[0].startswith("HTTP/1.1 404")
        st = vote(srv, AR_ENTRY, "yes", body=b"v=yes&x=" + b"a" * 2000)[0]
        assert st.startswith("HTTP/1.1 413"), st
        st = vote(srv, AR_ENTRY, "yes", ctype="application/json", body=b'{"v":"yes"}')[0]
        assert st.startswith("HTTP/1.1 415"), st
        st, h, _ = get(srv, "/help/ar/%s/vote" % AR_ENTRY)
        assert st.startswith("HTTP/1.1 405") and h.get("allow") == "POST", (st, h)
        assert votes(srv, AR_ENTRY) == before, votes(srv, AR_ENTRY)

    @test()
    def help_refuses_traversal_and_odd_slugs(srv):
        odd = ["/help/ar/..%2f..%2fsecret.txt", "/help/ar/%2e%2e%2f%2e%2e%2fsecret.txt",
               "/help/ar/../../secret.txt", "/help/ar/..%5c..%5csecret.txt",
               "/help/ar/%252e%252e%252fsecret.txt", "/help/ar/x%2fy", "/help/ar/<script>",
               "/help/ar/%3Cscript%3E", "/help/ar/a%20b", "/help/ar/%D8%B7%D9%84%D8%A8",
               "/help/ar/" + "a" * 65, "/help/ar/%s/" % AR_ENTRY, "/help/ar/%s/x" % AR_ENTRY,
               "/help/fr/", "/help/AR/", "/help/ar//", "/help/ar/.", "/help/ar/no-such-entry",
               "/help/ar/%C0%AE%C0%AE", "/help/../secret.txt", "/help/ar/index.html",
               "/help/ar/%s%%00" % AR_ENTRY]
        for p in odd:
            st, h, page = get(srv, p)
            assert "TOP-SECRET" not in page, p
            # lws folds "//" and a "." segment before any route sees the path: those two are
            # the list itself; an id never comes from one, and nothing else is ever a file
            if p in ("/help/ar//", "/help/ar/."):
                assert st.startswith("HTTP/1.1 200") and 'class="answer"' not in page, (p, st)
                continue
            assert st.startswith("HTTP/1.1 404") or st == "", (p, st)
            if st:
                assert "<!doctype html>" in page and "الصفحة غير موجودة" in page or \
                    "Page not found" in page or "404" in st, (p, page[:300])
        st, _, page = get(srv, "/help/ar/no-such-entry")
        assert st.startswith("HTTP/1.1 404") and "الصفحة غير موجودة" in page, st
        assert '<html lang="ar" dir="rtl">' in page and 'href="/help/ar/"' in page
        for m in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            st, h, _ = req(srv, m, "/help/ar/", b"x" if m != "OPTIONS" else b"")
            assert st.startswith("HTTP/1.1 405") and h.get("allow") == "GET, HEAD", (m, st, h)
        st, h, _ = req(srv, "POST", "/help/ar/", b"q=x",
                       {"Content-Type": "application/x-www-form-urlencoded",
                        "Origin": "http://127.0.0.1:%d" % srv.port})
        assert st.startswith("HTTP/1.1 405") and h.get("allow") == "GET, HEAD", (st, h)

    @test(server={}, own_kb=True)
    def help_long_page_arrives_whole(srv):
        """A page past the 16 KiB the server writes at a time (bot/httpbody.c) arrives whole,
        in order, its length the Content-Length; HEAD gets the headers only."""
        n = 1
        while len(("بداية " + " ".join("كلمة%d" % i for i in range(n + 1)) + " نهاية").encode()) < 16300:
            n += 1  # an answer just under the 16 KiB an entry may have
        words = " ".join("كلمة%d" % i for i in range(n))
        e = {"id": "long-page", "lang": "ar", "category": "events", "status": "published",
             "question": "ما الشروط الكاملة للمسابقة؟", "answer": "بداية " + words + " نهاية"}
        cli(srv, "import", "-", "--format", "jsonl", stdin=(json.dumps(e) + "\n").encode())
        st, h, raw = req(srv, "GET", "/help/ar/long-page")
        assert st.startswith("HTTP/1.1 200"), st
        assert len(raw) > 16384 and int(h["content-length"]) == len(raw), (len(raw), h)
        page = raw.decode("utf-8")
        assert page.index("بداية") < page.index("كلمة%d " % (n // 2)) < page.index("كلمة%d " % (n - 1)) < page.index("نهاية")
        assert page.rstrip().endswith("</html>"), page[-200:]
        st, h, raw = req(srv, "HEAD", "/help/ar/long-page")
        assert st.startswith("HTTP/1.1 200") and raw == b"" and int(h["content-length"]) > 16384, (st, h)

    @test(server={}, own_kb=True)
    def help_xss_entry_is_text(srv):
        e = {"id": "xss-probe", "lang": "en", "category": "<b>cat</b>", "status": "published",
             "question": "Why <i>is</i> \"this\" & that?",
             "answer": "<script>alert(1)</script> \"><img src=x onerror=alert(2)> "
                       "see https://x.example/\"onmouseover=alert(3) or "
                       "javascript:alert(4) and https://ok.example/path."}
        cli(srv, "import", "-", "--format", "jsonl", stdin=(json.dumps(e) + "\n").encode())
        for path in ("/help/en/xss-probe", "/help/en/", "/help/en/?q=" + quoted("why is this")):
            st, _, page = get(srv, path)
            assert st.startswith("HTTP/1.1 200"), (path, st)
            body = page.replace('<script src="/widget.js" data-lang="en" async></script>', "")
            for bad in ("<script>", "<img", "<b>cat", "<i>is", "onmouseover=alert(3)\"",
                        'href="javascript'):
                assert bad not in body, (path, bad)
        page = get(srv, "/help/en/xss-probe")[2]
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;" \
            in page, page
        assert '<a href="https://ok.example/path" target="_blank" rel="noopener noreferrer"' \
            in page, page
        assert '<a href="https://x.example/" ' in page
        assert "<title>Why &lt;i&gt;is&lt;/i&gt; &quot;this&quot; &amp; that? — Help center" \
            "</title>" in page, page[:500]

    @test()
    def help_texts_are_checked_at_start(srv):
        d = tempfile.mkdtemp(prefix="sanad-helptexts-")
        try:
            texts = os.path.join(d, "t")
            shutil.copytree(os.path.join(ROOT, "texts"), texts)
            for name, edit, want in (
                    ("help-ar.json", lambda t: t.pop("thanks"),
                     'help-ar.json: text "thanks" is missing'),
                    ("help-en.json", lambda t: t.update(count="{0, plurl, other {#}}"),
                     'help-en.json: "count" is not an ICU plural pattern')):
                shutil.copy(os.path.join(ROOT, "texts", "help-ar.json"), texts)
                shutil.copy(os.path.join(ROOT, "texts", "help-en.json"), texts)
                with open(os.path.join(texts, name)) as f:
                    doc = json.load(f)
                edit(doc["texts"])
                with open(os.path.join(texts, name), "w") as f:
                    json.dump(doc, f, ensure_ascii=False)
                for extra in ([], ["--check-config"]):
                    p = subprocess.run([srv.sanad, "serve", "--port", "0", "--bind", "127.0.0.1",
                                        "--db", srv.kb_db, "--texts-dir", texts,
                                        "--store-db", os.path.join(d, "s.db")] + extra,
                                       capture_output=True, timeout=30)
                    err = p.stderr.decode()
                    assert p.returncode == 2 and want in err, (extra, p.returncode, err)
        finally:
            shutil.rmtree(d, ignore_errors=True)
