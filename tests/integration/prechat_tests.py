# Issue 14's pre-chat form, the bot's name per language and the transcript download: run by
# tests/integration/run, whose helpers (test, Server, hello, ask, refused, add_user, agent_ws,
# until, conv_state) it uses. Docs: docs/protocol.md (profile, welcome.prechat),
# docs/api.md (GET /api/transcript), docs/configuration.md (bot_name_*, prechat, departments).

import re

PRECHAT = {"prechat": "name email department*",
           "departments": "billing:الفواتير:Billing, tech:الدعم الفني:Technical support",
           "rate": 10000, "burst": 10000, "abuse-limit": 10000}
LATIN = re.compile(r"[A-Za-z]")


def _tx(srv, token=None, extra=""):
    """GET /api/transcript with the token in X-Sanad-Token; (status, headers, body bytes)."""
    if token is not None:
        extra += "X-Sanad-Token: %s\r\n" % token
    st, h, b = srv.get("/api/transcript", extra)
    return int(st.split(" ")[1]), h, b


@test()
def welcome_names_the_bot_in_each_language(srv):
    ws = srv.ws()
    w, msgs = hello(ws, lang="ar")
    assert w["bot"] == {"name": "سند", "is_bot": True}, w
    text = msgs[0]["text"]
    i = text.index("أنا سند")
    assert not LATIN.search(text[max(0, i - 20):i + 30]), text  # no Latin word around it
    assert "prechat" not in w, w  # no form unless configured
    ws.close()
    ws = srv.ws()
    w, msgs = hello(ws, lang="en")
    assert w["bot"]["name"] == "Sanad" and "I'm Sanad" in msgs[0]["text"], (w, msgs)
    ws.close()


@test(server={"bot-name": "Rafiq"})
def bot_name_alone_is_both_languages(srv):
    for lang, said in (("ar", "أنا Rafiq"), ("en", "I'm Rafiq")):
        ws = srv.ws()
        w, msgs = hello(ws, lang=lang)
        assert w["bot"]["name"] == "Rafiq" and said in msgs[0]["text"], (lang, w, msgs)
        ws.close()


@test(server={"bot-name": "Rafiq", "bot-name-ar": "رفيق"})
def bot_name_per_language_wins(srv):
    ws = srv.ws()
    w, msgs = hello(ws, lang="ar")
    assert w["bot"]["name"] == "رفيق" and "أنا رفيق" in msgs[0]["text"], (w, msgs)
    ws.close()
    ws = srv.ws()
    w, msgs = hello(ws, lang="en")
    assert w["bot"]["name"] == "Rafiq", w
    ws.close()


def _profiles(srv):
    return srv.count("SELECT count(*) FROM profiles")


@test(server=PRECHAT)
def prechat_welcome_and_hostile_profiles(srv):
    ws = srv.ws()
    w, _ = hello(ws, lang="ar")
    p = w["prechat"]
    assert p["fields"] == [{"name": "name", "required": False},
                           {"name": "email", "required": False},
                           {"name": "department", "required": True}], p
    assert p["departments"] == [{"id": "billing", "label": "الفواتير"},
                                {"id": "tech", "label": "الدعم الفني"}], p
    assert p["done"] is False
    en = srv.ws()
    we, _ = hello(en, lang="en")
    assert [d["label"] for d in we["prechat"]["departments"]] == ["Billing", "Technical support"]
    en.close()
    ok = {"type": "profile", "department": "billing"}
    bad = [
        dict(ok, name="x" * 101),                       # overlong
        dict(ok, name="Amal\u0007"),                    # a control character
        dict(ok, name="Amal\u202egnp.exe"),             # a bidi override
        dict(ok, name="A\nB"),                          # a newline
        dict(ok, email="not-an-email", consent=True),   # not an address
        dict(ok, email="a@b", consent=True),            # no dot in the domain
        dict(ok, email="amal@example.com"),             # email without consent
        dict(ok, email="amal@example.com", consent=False),
        dict(ok, email="amal@example.com", consent="yes"),  # wrong type
        dict(ok, department="sales"),                   # not configured
        dict(ok, department="../billing"),
        {"type": "profile", "name": "Amal"},            # the required department missing
        dict(ok, name=42),                              # wrong types
        dict(ok, email=["a@b.example"], consent=True),
        dict(ok, department={"id": "billing"}),
        dict(ok, name="y" * 2000),
    ]
    for f in bad:
        refused(ws, "bad_field", f)
        assert _profiles(srv) == 0, f
    ws.send_json({"type": "profile", "name": "  أمل <b>x</b> ", "email": "Amal@Example.COM",
                  "consent": True, "department": "tech"})
    ws.expect("profile_ok")
    row = srv.db().execute("SELECT name, email, consent, department FROM profiles").fetchone()
    assert row == ("أمل <b>x</b>", "Amal@example.com", 1, "tech"), row
    # back with the token: the form is done
    ws.drop()
    ws = srv.ws()
    w2, _ = hello(ws, token=w["token"])
    assert w2["resumed"] and w2["prechat"]["done"] is True, w2
    ws.close()


@test(server={})
def profile_refused_without_a_form(srv):
    ws = srv.ws()
    hello(ws, lang="en")
    refused(ws, "bad_field", {"type": "profile", "name": "Amal"})
    assert _profiles(srv) == 0
    ws.close()


@test(server=dict(PRECHAT, prechat="name email"))
def profile_only_the_fields_asked(srv):
    ws = srv.ws()
    hello(ws, lang="en")
    e = refused(ws, "bad_field", {"type": "profile", "name": "Amal", "department": "billing"})
    assert "department" in e["message"], e
    ws.send_json({"type": "profile"})  # skipped: nothing required
    ws.expect("profile_ok")
    ws.close()


@test(server=PRECHAT)
def profile_reaches_the_agent_and_the_left_message(srv):
    add_user(srv, "amal", name="Amal")
    ag, _, _, _ = agent_ws(srv, "amal")
    vis = srv.ws()
    w, _ = hello(vis, lang="ar")
    conv = w["conversation"]
    vis.send_json({"type": "profile", "name": "سارة", "email": "sara@example.com",
                   "consent": True, "department": "billing"})
    vis.expect("profile_ok")
    vis.send_json({"type": "handoff"})
    a, _ = until(ag, "assigned", conversation=conv)
    assert a["visitor"] == {"name": "سارة", "email": "sara@example.com",
                            "department": "billing",
                            "department_labels": {"ar": "الفواتير", "en": "Billing"}}, a
    chats, _ = until(ag, "chats")
    assert chats["items"][0]["visitor"]["name"] == "سارة", chats
    # sent again while the agent has the chat: the agent's chats follow with the new one
    vis.send_json({"type": "profile", "name": "سارة أحمد", "department": "tech"})
    until(vis, "profile_ok")
    chats, _ = until(ag, "chats")
    assert chats["items"][0]["visitor"] == {"name": "سارة أحمد", "email": None,
                                            "department": "tech",
                                            "department_labels": {"ar": "الدعم الفني",
                                                                  "en": "Technical support"}}, chats
    ag.close()
    # nobody online now: a left message without an email takes the profile's
    vis.close()
    v2 = srv.ws()
    hello(v2, lang="en")
    v2.send_json({"type": "profile", "email": "x@example.org", "consent": True,
                  "department": "tech"})
    v2.expect("profile_ok")
    v2.send_json({"type": "leave_message", "text": "call me"})
    v2.expect("message_left")
    row = srv.db().execute("SELECT email, consent FROM tickets ORDER BY id DESC").fetchone()
    assert row == ("x@example.org", 1), row
    v2.close()


@test(server={"rate": 10000, "burst": 10000, "abuse-limit": 10000})
def transcript_download(srv):
    add_user(srv, "huda", name="Huda")
    ag, _, _, _ = agent_ws(srv, "huda")
    vis = srv.ws()
    w, _ = hello(vis, lang="ar")
    conv, token = w["conversation"], w["token"]
    ask(vis, "<script>alert(1)</script> كيف ادفع الفاتورة؟", "m1")
    vis.send_json({"type": "handoff"})
    until(ag, "assigned", conversation=conv)
    ag.send_json({"type": "note", "conversation": conv, "text": "SECRET-NOTE angry"})
    until(ag, "ack", conversation=conv)
    ag.send_json({"type": "reply", "conversation": conv, "text": "سطر أول\nسطر ثان",
                  "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    ag.send_json({"type": "close", "conversation": conv, "resolution": "answered"})
    until(ag, "closed", conversation=conv)
    until(vis, "closed")
    st, h, body = _tx(srv, token)
    assert st == 200, (st, body)
    assert h["content-type"] == "text/plain; charset=utf-8", h
    assert h["content-disposition"] == 'attachment; filename="transcript-%s.txt"' % conv, h
    assert h["x-content-type-options"] == "nosniff", h
    text = body.decode("utf-8")
    lines = text.split("\n")
    assert lines[0] == "نص المحادثة مع سند", lines[:3]
    assert lines[1].startswith("بدأت في ") and not re.search("[0-9]", lines[1]), lines[1]
    n = srv.count("SELECT count(*) FROM messages WHERE conv_id = ? AND sender <> 'note'", conv)
    assert n >= 6 and ("%d رسائل" % n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) \
        in lines[1], (n, lines[1])
    assert "SECRET-NOTE" not in text
    assert "] أنت: <script>alert(1)</script> كيف ادفع الفاتورة؟\n" in text, text
    assert "] Huda: سطر أول\n    سطر ثان\n" in text, text
    assert "] سند: " in text and "] إشعار: " in text, text
    # English conversation: English headings
    en = srv.ws()
    we, _ = hello(en, lang="en")
    st, _, body = _tx(srv, we["token"])
    t = body.decode()
    assert st == 200 and t.startswith("Conversation with Sanad\nStarted ") and \
        "1 message\n" in t and "] Sanad: Hi! I'm Sanad" in t, t
    en.close()
    # no, bad, unknown or hostile tokens: 401 and nothing said of any conversation
    for tok in (None, "", "x", "0" * 64, token + "0", token.upper(), "' OR 1=1 --",
                "a" * 200):
        st, h, body = _tx(srv, tok)
        assert st == 401 and h["content-type"].startswith("application/json"), (tok, st, body)
        assert conv.encode() not in body
    st, _, _ = _tx(srv, None, "Cookie: x=%s\r\n" % token)  # only the header counts
    assert st == 401
    st, _, _ = srv.http(("GET /api/transcript?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                         "Connection: close\r\n\r\n" % (token, srv.port)).encode())[0], 0, 0
    assert " 401 " in st, st
    vis.close()
    ag.close()


@test(server={}, sqlite_only=True)
def store_v4_gets_profiles_table(srv):
    """A v4 file (attachments, no profiles table) is migrated to v5 at the start, rows kept."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    ws.close()
    path = os.path.join(srv.dir, "v4.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.execute("DROP TABLE profiles")
    dst.execute("PRAGMA user_version = 4")
    dst.commit()
    dst.close()
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v4-store", dict(PRECHAT, **{"store-db": path}))
    try:
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        assert c.execute("SELECT count(*) FROM profiles").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM conversations WHERE id = ?",
                         (w["conversation"],)).fetchone()[0] == 1
        c.close()
        assert "event=migrated" in s.logtext() and ("from=4 to=%d" % STORE_SCHEMA) in s.logtext()
        v = s.ws()
        w2, _ = hello(v, token=w["token"])
        assert w2["resumed"], w2
        v.send_json({"type": "profile", "department": "billing"})
        v.expect("profile_ok")
        v.close()
    finally:
        s.stop()


def prechat_config_tests(sanad, tmp, kb_db):
    """--check-config shows the names and the form; bad values are refused with the key."""
    out = []
    base = [sanad, "serve", "--check-config", "--db", kb_db, "--store-db",
            os.path.join(tmp, "cc-store.db")]
    p = subprocess.run(base + ["--bot-name-en", "Helper", "--prechat", "name* email",
                               "--departments", "a:أ:A"], capture_output=True, timeout=60)
    o = p.stdout.decode()
    out.append(("check_config_shows_names_and_form", p.returncode == 0 and
                "bot_name ar=سند en=Helper\n" in o and "prechat name* email\n" in o and
                "departments a:أ:A\n" in o, o + p.stderr.decode()))
    for args, needle in ((["--prechat", "phone"], "prechat: 'phone' is not a field"),
                         (["--prechat", "department"], "departments lists none"),
                         (["--departments", "x:y"], "departments: 'x' is not id:Arabic"),
                         (["--bot-name-ar", "a{b}"], "bot_name_ar: 'a{b}' holds")):
        p = subprocess.run(base + args, capture_output=True, timeout=60)
        err = p.stderr.decode()
        out.append(("check_config_refuses %s" % " ".join(args), p.returncode == 2 and
                    needle in err, err))
    return out


@test(server={"allowed-origins": "https://shop.example"})
def transcript_across_origins(srv):
    """A widget on an allowed_origins page: the preflight and the answer carry CORS headers
    for that origin only; another origin's page cannot read the file."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    ok = "Origin: https://shop.example\r\n"
    pre = ("OPTIONS /api/transcript HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
           "%sAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-sanad-token"
           "\r\n\r\n")
    st, h, _ = srv.http((pre % (srv.port, ok)).encode())
    assert " 204 " in st, st
    assert h["access-control-allow-origin"] == "https://shop.example", h
    assert h["access-control-allow-headers"].lower() == "x-sanad-token", h
    assert h["access-control-allow-methods"] == "GET" and "access-control-allow-credentials" not in h
    st, h, _ = srv.http((pre % (srv.port, "Origin: https://evil.example\r\n")).encode())
    assert " 403 " in st and "access-control-allow-origin" not in h, (st, h)
    st, h, body = _tx(srv, w["token"], ok)
    assert st == 200 and h["access-control-allow-origin"] == "https://shop.example", h
    assert h["access-control-expose-headers"] == "Content-Disposition" and h["vary"] == "Origin", h
    st, h, body = _tx(srv, w["token"], "Origin: https://evil.example\r\n")
    assert "access-control-allow-origin" not in h, h  # the browser keeps it from that page
    st, h, _ = _tx(srv, w["token"])  # the server's own page: no CORS needed
    assert st == 200 and "access-control-allow-origin" not in h, h
    ws.close()
