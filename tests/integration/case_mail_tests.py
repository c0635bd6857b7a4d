"""Replies by email to cases (issue 15, docs/email.md "Replies to cases"), exec'd by
tests/integration/run after outbox_tests.py, whose SmtpSink (a real aiosmtpd server on the
loopback, started and stopped by each test), _smtp_server, _rows and _wait it uses: an agent
answers a left message or a case whose visitor has gone with case_reply; the reply is stored
in the conversation, recorded on the case and mailed (Arabic or English templates, text and
HTML parts) to the address given with consent; the delivery state comes back on the case
(email_sent / email_failed) and to every agent (case_mail)."""

CM_SRV = {"rate": 10000, "burst": 10000, "abuse-limit": 10000}
CM_URL = "http://shop.example/help"


def _cm_server(srv, name, sink_port, **more):
    extra = dict(CM_SRV, prechat="name email", **{"public-url": CM_URL})
    extra.update(more)
    return _smtp_server(srv, name, sink_port, **extra)


def _cm_timeline(s, ref):
    c = s.db()
    try:
        return [(k, a, json.loads(d) if d else None) for k, a, d in c.execute(
            "SELECT e.kind, e.actor, e.detail FROM case_events e JOIN cases c"
            " ON c.id = e.case_id WHERE c.ref = ? ORDER BY e.id", (ref,))]
    finally:
        c.close()


def _cm_status(s, ref):
    c = s.db()
    try:
        return c.execute("SELECT status FROM cases WHERE ref = ?", (ref,)).fetchone()[0]
    finally:
        c.close()


def _cm_left(s, lang, text, name="ليلى", email_="Layla@Example.COM", consent=True):
    """A visitor who gives the pre-chat form and leaves a message, then goes; returns
    (welcome, message_left)."""
    ws = s.ws()
    w, _ = hello(ws, lang=lang)
    prof = {"type": "profile", "name": name}
    if email_:
        prof.update(email=email_, consent=consent)
    ws.send_json(prof)
    ws.expect("profile_ok")
    ws.send_json({"type": "leave_message", "text": text})
    left = ws.expect("message_left")
    ws.close()
    return w, left


def _cm_reply(ag, frame):
    """Sends case_reply until the server has seen the visitor's socket close (a refusal
    visitor_connected meanwhile; bounded); returns the case_replied frame."""
    for _ in range(50):
        ag.send_json(dict(frame, type="case_reply"))
        while True:
            f = ag.recv_json()
            if f.get("type") == "case_replied" and f.get("client_id") == frame["client_id"]:
                return f
            if f.get("type") == "error":
                break
        assert f["code"] == "visitor_connected", f
        time.sleep(0.1)
    raise AssertionError("the visitor stayed connected")


def _cm_parts(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [x for x in m.walk() if not x.is_multipart()]
    assert [x.get_content_type() for x in parts] == ["text/plain", "text/html"], parts
    return m, parts[0].get_content(), parts[1].get_content()


@test()
def case_mail_left_message_answered_by_email_with_the_reference(srv):
    """A left message answered from the console arrives by email (Arabic templates for an
    Arabic conversation), with the reference in the subject and both parts, the link back
    to the chat without the token, the agent's markup escaped; the returning visitor sees
    the reply; the case records it and its delivery; a resend is harmless."""
    sink = SmtpSink().start()
    s = ag = None
    try:
        s = _cm_server(srv, "cm-left", sink.port)
        add_user(s, "cm1", name="هدى")
        w, left = _cm_left(s, "ar", "فاتورتي خاطئة، أرجو التواصل")
        ref, ticket = left["case_ref"], left["ticket"]
        ag, *_ = agent_ws(s, "cm1")
        item = [t for t in ag.tickets["items"] if t["id"] == ticket][0]
        assert item["case_ref"] == ref and "mail" not in item, item
        hostile = "<script>alert('x')</script> أهلًا ليلى، صححنا الفاتورة & أرسلنا نسخة."
        r = _cm_reply(ag, {"ticket": ticket, "text": hostile, "client_id": "cr1"})
        assert r["case_ref"] == ref and r["ticket"] == ticket and r["email"] == "queued", r
        assert r["conversation"] == w["conversation"] and r["seq"] >= 1 and r["mail"] > 0, r
        q, _ = until(ag, "case_mail", mail=r["mail"])
        assert q["state"] == "queued" and q["case_ref"] == ref and q["error"] is None, q
        sent, _ = until(ag, "case_mail", mail=r["mail"], state="sent")
        assert sent["ticket"] == ticket, sent
        _wait(lambda: sink.msgs, "the reply at the SMTP server")
        _, rcpts, raw = sink.msgs[0]
        assert rcpts == ["Layla@example.com"], rcpts
        m, text, html = _cm_parts(raw)
        assert str(m["Subject"]) == "[%s] رد على رسالتك" % ref, m["Subject"]
        assert ref in text and ref in html
        assert "هدى" in text and hostile in text, text
        assert "%s#sanad-case=%s" % (CM_URL, ref) in text, text
        assert '<a href="%s#sanad-case=%s">' % (CM_URL, ref) in html, html
        assert '<html lang="ar" dir="rtl">' in html, html
        assert "<script" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, html
        assert w["token"] not in raw.decode("utf-8", "replace")  # never the conversation's token
        # the case: agent_replied (waiting on the visitor), then email_sent
        tl = _cm_timeline(s, ref)
        kinds = [k for k, _, _ in tl]
        assert kinds[-2:] == ["agent_replied", "email_sent"], tl
        assert tl[-2][1] == "agent:cm1" and tl[-2][2] == {"seq": r["seq"], "via": "email", "email": "queued",
                                                         "mail": r["mail"]}, tl
        assert tl[-1][1] == "system" and tl[-1][2] == {"mail": r["mail"], "attempts": 1, "error": None}, tl
        assert _cm_status(s, ref) == "waiting"
        # the same client_id again: nothing stored, nothing mailed
        r2 = _cm_reply(ag, {"ticket": ticket, "text": hostile, "client_id": "cr1"})
        assert r2["email"] == "duplicate" and r2["seq"] == r["seq"] and r2["mail"] is None, r2
        time.sleep(1.5)
        assert len(sink.msgs) == 1 and len(_rows(srv, s)) == 1
        assert [k for k, _, _ in _cm_timeline(s, ref)] == kinds
        # the visitor comes back: the reply is in the conversation, from the agent
        v = s.ws()
        _, msgs = hello(v, token=w["token"], last_seq=0)
        mine = [x for x in msgs if x.get("type") == "message" and x.get("seq") == r["seq"]]
        assert mine and mine[0]["from"] == "agent" and mine[0]["text"] == hostile, msgs
        v.close()
        # a console connecting later sees the state on the ticket
        ag2, *_ = agent_ws(s, "cm1")
        ag = None  # replaced by the newer socket
        item = [t for t in ag2.tickets["items"] if t["id"] == ticket][0]
        assert item["mail"] == {"id": r["mail"], "state": "sent", "error": None}, item
        ag2.close()
    finally:
        if ag:
            ag.close()
        if s:
            s.stop()
        sink.stop()


@test()
def case_mail_restart_keeps_the_reply_and_sends_it_once(srv):
    """An English case answered by reference while the mail server is down: the server
    restarts in the middle; the queued reply is sent once after it, and the case records
    email_sent once."""
    sink = SmtpSink()  # its port reserved, nothing listening: connections are refused
    s = ag = None
    outbox = os.path.join(srv.tmp, "cm-restart-outbox.db")
    try:
        s = _cm_server(srv, "cm-restart", sink.port, **{"smtp-retry-base": 1, "smtp-retry-cap": 1,
                                                         "outbox-db": outbox})
        store = s.store
        add_user(s, "cm2", name="Omar")
        w, left = _cm_left(s, "en", "My order never came", name="Sam", email_="sam@example.com")
        ref = left["case_ref"]
        ag, *_ = agent_ws(s, "cm2")
        r = _cm_reply(ag, {"case": ref.lower().replace("-", " "), "text": "We are sending it again today.",
                           "client_id": "cr2"})
        assert r["email"] == "queued" and r["case_ref"] == ref, r
        _wait(lambda: [x for x in _rows(srv, outbox) if x["attempts"] >= 1], "a failed attempt")
        assert [k for k, _, _ in _cm_timeline(s, ref)][-1] == "agent_replied"  # not final yet
        ag.close()
        ag = None
        s.stop()
        s = None
        sink.start()
        time.sleep(0.5)
        assert sink.msgs == []  # nobody sends while the server is down
        s = _cm_server(srv, "cm-restart2", sink.port, **{"outbox-db": outbox, "store-db": store})
        s.store = store
        _wait(lambda: sink.msgs, "the reply after the restart")
        _wait(lambda: "email_sent" in [k for k, _, _ in _cm_timeline(s, ref)], "email_sent on the case")
        time.sleep(2.0)
        assert len(sink.msgs) == 1, len(sink.msgs)
        m, text, html = _cm_parts(sink.msgs[0][2])
        assert str(m["Subject"]) == "[%s] A reply to your message" % ref, m["Subject"]
        assert "Omar from our support team" in text and "We are sending it again today." in text, text
        assert '<html lang="en" dir="ltr">' in html and ref in html, html
        rows = _rows(srv, outbox)
        assert len(rows) == 1 and rows[0]["status"] == "sent" and rows[0]["attempts"] >= 2, rows
        assert rows[0]["ref"] == ref and m["Message-ID"] == rows[0]["message_id"], rows
        assert [k for k, _, _ in _cm_timeline(s, ref)].count("email_sent") == 1
    finally:
        if ag:
            ag.close()
        if s:
            s.stop()
        sink.stop()


@test()
def case_mail_refused_is_retried_then_failed_on_the_case(srv):
    """A mail server that refuses: the reply is tried smtp_max_attempts times, then the case
    records email_failed with the error, every agent is told, and the ticket shows it."""
    sink = SmtpSink().start()
    s = ag = other = None
    try:
        s = _cm_server(srv, "cm-refused", sink.port,
                       **{"smtp-retry-base": 1, "smtp-retry-cap": 1, "smtp-max-attempts": 3})
        add_user(s, "cm3", name="Huda")
        add_user(s, "cm4", name="Ali")
        sink.refuse = "451 4.3.0 mailbox busy, try again later"
        w, left = _cm_left(s, "en", "Please call me", name="Busy", email_="busy@example.com")
        ref = left["case_ref"]
        ag, *_ = agent_ws(s, "cm3")
        other, *_ = agent_ws(s, "cm4")
        r = _cm_reply(ag, {"ticket": left["ticket"], "text": "We tried to call you.", "client_id": "cr3"})
        f, _ = until(other, "case_mail", mail=r["mail"], state="failed")  # every agent is told
        assert "451" in f["error"] and f["case_ref"] == ref, f
        assert sink.rcpts == 3 and sink.msgs == [], (sink.rcpts, sink.msgs)
        tl = _cm_timeline(s, ref)
        assert tl[-1][0] == "email_failed" and tl[-1][2]["mail"] == r["mail"], tl
        assert tl[-1][2]["attempts"] == 3 and "451" in tl[-1][2]["error"], tl
        assert _cm_status(s, ref) == "waiting"  # the delivery changes no status
        rows = _rows(srv, s, "failed")
        assert len(rows) == 1 and rows[0]["attempts"] == 3, rows
        other.close()
        other = None
        ag3, *_ = agent_ws(s, "cm4")
        item = [t for t in ag3.tickets["items"] if t["id"] == left["ticket"]][0]
        assert item["mail"]["state"] == "failed" and "451" in item["mail"]["error"], item
        ag3.close()
        # `sanad outbox retry` puts it back; accepted now, the case records email_sent
        sink.refuse = None
        assert _outbox(srv, s, "retry", str(r["mail"])).returncode == 0
        until(ag, "case_mail", mail=r["mail"], state="sent")
        assert _cm_timeline(s, ref)[-1][0] == "email_sent"
    finally:
        for x in (ag, other):
            if x:
                x.close()
        if s:
            s.stop()
        sink.stop()


@test()
def case_mail_without_consent_or_email_sends_nothing(srv):
    """No email given with consent (the server refuses an address without it): the reply is
    stored and recorded, no mail (email no_address);
    a solved case may be answered (it stays solved); a server without smtp_url stores
    only (email disabled)."""
    sink = SmtpSink().start()
    s = ag = None
    try:
        s = _cm_server(srv, "cm-noconsent", sink.port)
        add_user(s, "cm5", name="Nora")
        w, left = _cm_left(s, "ar", "اتصلوا بي", email_="", consent=False)  # a name, no address
        ag, *_ = agent_ws(s, "cm5")
        r = _cm_reply(ag, {"ticket": left["ticket"], "text": "سنتصل بك", "client_id": "n1"})
        assert r["email"] == "no_address" and r["mail"] is None, r
        tl = _cm_timeline(s, left["case_ref"])
        assert tl[-1][0] == "agent_replied" and tl[-1][2]["email"] == "no_address", tl
        # a chat handed off, answered and solved, the visitor gone: a follow-up by email
        v = s.ws()
        w2, _ = hello(v, lang="en")
        v.send_json({"type": "profile", "name": "Rana", "email": "rana@example.com", "consent": True})
        v.expect("profile_ok")
        v.send_json({"type": "handoff"})
        f, _ = until(ag, "assigned")
        conv = f["conversation"]
        ag.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
        until(ag, "closed", conversation=conv)
        ref2 = f["case_ref"]
        assert _cm_status(s, ref2) == "solved"
        v.close()
        r2 = _cm_reply(ag, {"case": ref2, "text": "One more thing: your refund is on its way.",
                            "client_id": "n2"})
        assert r2["email"] == "queued", r2
        until(ag, "case_mail", mail=r2["mail"], state="sent")
        assert _cm_status(s, ref2) == "solved"
        assert len(sink.msgs) == 1 and sink.msgs[0][1] == ["rana@example.com"], sink.msgs
        ag.close()
        ag = None
    finally:
        if ag:
            ag.close()
        if s:
            s.stop()
        sink.stop()
    # the shared server sends no email: stored only
    add_user(srv, "cm6", name="Sami")
    ws = srv.ws()
    hello(ws, lang="en")
    ws.send_json({"type": "leave_message", "text": "hello?", "email": "v@example.com", "consent": True})
    left = ws.expect("message_left")
    ws.close()
    a, *_ = agent_ws(srv, "cm6")
    r = _cm_reply(a, {"ticket": left["ticket"], "text": "Hi", "client_id": "d1"})
    assert r["email"] == "disabled" and r["mail"] is None, r
    a.close()


@test(server=CM_SRV)
def case_mail_hostile_frames_change_nothing(srv):
    add_user(srv, "cm7", name="Mona")
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    ws.send_json({"type": "leave_message", "text": "call me", "email": "v@example.com", "consent": True})
    left = ws.expect("message_left")
    ag, *_ = agent_ws(srv, "cm7")
    conv = w["conversation"]
    msgs = lambda: srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv)
    events = lambda: srv.count("SELECT count(*) FROM case_events")
    before = (msgs(), events())
    ok = {"type": "case_reply", "ticket": left["ticket"], "text": "hi", "client_id": "h1"}
    # the visitor is here: answer in the chat
    e = refused(ag, "visitor_connected", ok)
    assert e["client_id"] == "h1", e
    cases = [
        ("not_found", dict(ok, ticket=999999)),
        ("not_found", {"type": "case_reply", "case": "S-000000", "text": "hi", "client_id": "h2"}),
        ("bad_field", {"type": "case_reply", "text": "hi", "client_id": "h3"}),
        ("bad_field", dict(ok, case=left["case_ref"])),
        ("bad_field", {"type": "case_reply", "case": "S-7K3M9Q'; DROP TABLE cases;--", "text": "hi",
                       "client_id": "h4"}),
        ("bad_field", {"type": "case_reply", "case": "S-٧K3M9Q", "text": "hi", "client_id": "h5"}),
        ("bad_field", dict(ok, ticket="1")),
        ("bad_field", dict(ok, ticket=-1)),
        ("bad_json", dict(ok, ticket=2 ** 70)),  # past 64 bits: jansson refuses the frame
        ("bad_field", dict(ok, client_id="a b")),
        ("bad_field", {"type": "case_reply", "ticket": left["ticket"], "text": "hi"}),
        ("bad_field", dict(ok, text=["x"])),
        ("empty", dict(ok, text="   ")),
        ("too_long", dict(ok, text="x" * 1001)),
    ]
    for code, frame in cases:
        refused(ag, code, frame)
    refused(ag, "bad_json", "{\"type\":\"case_reply\",\"ticket\":1,")
    assert (msgs(), events()) == before
    ws.close()
    # a case closed as spam: nothing to answer
    v = srv.ws()
    hello(v, lang="en")
    v.send_json({"type": "handoff"})
    f, _ = until(ag, "assigned")
    ag.send_json({"type": "close", "conversation": f["conversation"], "resolution": "spam"})
    until(ag, "closed", conversation=f["conversation"])
    v.close()
    before = (msgs(), events())
    for _ in range(50):  # until the server has seen the visitor go
        ag.send_json({"type": "case_reply", "case": f["case_ref"], "text": "hi", "client_id": "h6"})
        e, _ = until(ag, "error")  # after the close's chats and queue frames
        if e["code"] != "visitor_connected":
            break
        time.sleep(0.1)
    assert e["code"] == "case_closed", e
    assert (msgs(), events()) == before
    ag.close()


@test(server=CM_SRV)
def case_mail_chat_whose_visitor_is_gone(srv):
    """A chat the agent holds whose visitor has gone: the reply by case reference is stored
    (no email set up here), reaches the holder's transcript live, and the returning visitor
    reads it."""
    add_user(srv, "cm8", name="Lina")
    ag, *_ = agent_ws(srv, "cm8")
    v = srv.ws()
    w, _ = hello(v, lang="en")
    v.send_json({"type": "handoff"})
    f, _ = until(ag, "assigned")
    conv, ref = f["conversation"], f["case_ref"]
    v.close()
    r = _cm_reply(ag, {"case": ref, "text": "Are you still there? Here is the answer.", "client_id": "g1"})
    assert r["email"] == "disabled" and r["conversation"] == conv, r
    m, _ = until(ag, "message", conversation=conv, seq=r["seq"])
    assert m["from"] == "agent" and m["text"] == "Are you still there? Here is the answer.", m
    tl = _cm_timeline(srv, ref)
    assert tl[-1][0] == "agent_replied" and tl[-1][2]["via"] == "email", tl
    v2 = srv.ws()
    _, msgs = hello(v2, token=w["token"], last_seq=0)
    assert any(x.get("seq") == r["seq"] and x.get("from") == "agent" for x in msgs), msgs
    v2.close()
    ag.close()


@test()
def case_mail_public_url_and_templates_are_checked(srv):
    base = ["--db", srv.kb_db, "--store-db", os.path.join(srv.tmp, "cm-cfg-store.db"), "--check-config"]
    for bad in ["javascript:alert(1)", "ftp://shop.example/", "https://", "https://shop.example/a b",
                "https://shop.example/\"><script>", "https://shop.example/#frag", "http://" + "a" * 600]:
        p = subprocess.run([srv.sanad, "serve"] + base + ["--public-url", bad], capture_output=True, timeout=30)
        assert p.returncode == 2 and b"public_url" in p.stderr, (bad, p.returncode, p.stderr)
    p = subprocess.run([srv.sanad, "serve"] + base + ["--public-url", "https://shop.example/help?x=1"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    # a mail template with an unknown placeholder refuses the texts at --check-config
    texts = os.path.join(srv.tmp, "cm-texts")
    shutil.copytree(os.path.join(ROOT, "texts"), texts)
    path = os.path.join(texts, "mail-en.json")
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    d["texts"]["footer"] = "Your case {reference}"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f)
    p = subprocess.run([srv.sanad, "serve"] + base + ["--texts-dir", texts], capture_output=True, timeout=30)
    assert p.returncode == 2 and b"mail" in p.stderr and b"{reference}" in p.stderr, (p.returncode, p.stderr)
