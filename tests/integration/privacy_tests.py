# Issue 16's privacy part: export, deletion, retention, the audit and the logs (bot/privacy.h,
# docs/privacy.md). Run by tests/integration/run, whose helpers (test, Server, hello, ask,
# add_user, agent_ws, until, login, post, session_cookie, api_error) it uses, and those of
# attach_tests.py (upload, att_dir) and outbox_tests.py (SmtpSink, _smtp_server, _wait).
#
# Every seeded subject carries marker strings wherever Sanad stores what a visitor gives:
# message text, name, email, attachment name and bytes, an agent's reply and note, a rating
# comment, a left message, the transcript mailed to them. After a deletion every table of the
# store and of the outbox, the raw bytes of both files and of their -wal files, and the
# attachments' files are searched for them.

import hashlib

PRIV_SRV = {"rate": 10000, "burst": 10000, "abuse-limit": 10000}
PV_A = "privA-0123456789abcdef"
PV_D = "privD-0123456789abcdef"


def _markers(tag):
    return {k: "%s%s%s" % (k, tag, "Qz") for k in
            ("MSG", "NAME", "ATT", "ATTNAME", "REPLY", "NOTE", "CSAT", "LEFT")}


def _conf(srv, outbox):
    """A config file naming srv's store and outbox for the CLI."""
    path = os.path.join(srv.dir, "privacy-cli.conf")
    with open(path, "w") as f:
        f.write("store_db %s\noutbox_db %s\nattachments_dir %s\n"
                % (srv.store, outbox, os.path.join(srv.dir, "attachments")))
        if pg_mode():
            f.write("store postgres\npg_dsn %s\n" % pg_dsn_for(srv.store))
    return path


def _all_text(path):
    """Every value of every row of every table of the SQLite file path (or, in postgres mode,
    of the store's and the accounts' schemas when path is a store), as text."""
    pg = pg_mode() and path in PG_DBS
    c = store_db(path) if pg else sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        out = []
        for (t,) in c.execute("SELECT table_schema || '\".\"' || table_name FROM"
                              " information_schema.tables WHERE table_schema IN"
                              " ('sanad_store', 'sanad_auth')" if pg else
                              "SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in c.execute('SELECT * FROM "%s"' % t):
                out.extend(str(v) if not isinstance(v, bytes) else v.decode("latin-1")
                           for v in row)
        return "\n".join(out)
    finally:
        c.close()


def _raw(path):
    """The bytes of the SQLite file path and its WAL. A PostgreSQL store has no file of its
    own here (a deleted row's bytes stay in PostgreSQL's pages until VACUUM: that is
    PostgreSQL's to clear, not checked): nothing."""
    data = b""
    if pg_mode() and path in PG_DBS:
        return data
    for p in (path, path + "-wal"):
        if os.path.exists(p):
            with open(p, "rb") as f:
                data += f.read()
    return data


def _nothing_left(srv, outbox, marks, email=None, wait=True):
    """None of marks (nor email) in any table, in the raw files or their WALs, or in the
    attachments' files. wait: the server's deletion asks its checkpoint thread to truncate
    the WAL at its next tick (once a second); up to 10 s for it."""
    words = list(marks.values()) + ([email] if email else [])
    for _ in range(100 if wait else 0):
        if not any(w.encode() in _raw(p) for p in (srv.store, outbox) for w in words):
            break
        time.sleep(0.1)
    for path in (srv.store, outbox):
        text = _all_text(path)
        raw = _raw(path)
        for w in words:
            assert w not in text, (path, w)
            assert w.encode() not in raw, (path + " (raw)", w)
            assert w.lower().encode() not in raw.lower(), (path + " (raw, any case)", w)
    adir = os.path.join(srv.dir, "attachments")
    for name in os.listdir(adir) if os.path.isdir(adir) else []:
        with open(os.path.join(adir, name), "rb") as f:
            data = f.read()
        for w in words:
            assert w.encode() not in data, ("attachment " + name, w)


def _counts(srv):
    return (srv.count("SELECT count(*) FROM cases"), srv.count("SELECT count(*) FROM case_events"),
            srv.count("SELECT count(*) FROM feedback"), srv.count("SELECT count(*) FROM csat"))


def _admin(srv, login_="padm"):
    add_user(srv, login_, role="admin", name="Privacy Admin")
    st, h, b = login(srv, login_)
    assert " 200 " in st, (st, b)
    return session_cookie(h)


def _stats_now(srv, cookie, day):
    """GET /api/stats for day (UTC, by hour) as the admin."""
    st, h, b = srv.get("/api/stats?from=%s&to=%s&group=hour" % (day, day), "Cookie: %s\r\n" % cookie)
    assert " 200 " in st, (st, b)
    return json.loads(b)


def _pget(srv, query, cookie=None):
    st, h, b = srv.get("/api/privacy/export" + query,
                       "Cookie: %s\r\n" % cookie if cookie else "")
    return st, b


def _pdel(srv, body, cookie=None):
    extra = "Cookie: %s\r\nOrigin: %s\r\n" % (cookie, srv.url.rstrip("/")) if cookie else ""
    return post(srv, "/api/privacy/delete", body, extra)


def _seed_full(s, ag, conv_of, tag, visitor=None, email=None):
    """A visitor with every kind of data: profile (name, email with consent), a message, an
    attachment, a handoff taken by the agent ag (connected), a reply and a note, the close, a
    rating with a comment and the transcript by email. Returns (ws, welcome, marks)."""
    m = _markers(tag)
    ws = s.ws()
    kw = {"lang": "en"}
    if visitor:
        kw["visitor"] = visitor
    w, _ = hello(ws, **kw)
    prof = {"type": "profile", "name": m["NAME"]}
    if email:
        prof.update(email=email, consent=True)
    ws.send_json(prof)
    ws.expect("profile_ok")
    ask(ws, "%s how do I pay my bill" % m["MSG"], "q-" + tag)
    pdf = b"%PDF-1.4\n% " + m["ATT"].encode() + b"\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
    st, _, j = upload(s, pdf, name=m["ATTNAME"] + ".pdf", token=w["token"])
    assert st == 201 or st == 200, (st, j)
    ws.send_json({"type": "handoff"})
    until(ws, "agent_joined")
    f, _ = until(ag, "assigned")
    conv = f["conversation"]
    conv_of[tag] = conv
    ag.send_json({"type": "reply", "conversation": conv, "text": m["REPLY"], "client_id": "r" + tag})
    until(ag, "ack", client_id="r" + tag)
    ag.send_json({"type": "note", "conversation": conv, "text": m["NOTE"], "client_id": "n" + tag})
    until(ag, "ack", client_id="n" + tag)
    ag.send_json({"type": "close", "conversation": conv, "resolution": "answered"})
    until(ws, "closed")
    ws.send_json({"type": "csat", "rating": 4, "comment": m["CSAT"]})
    ws.expect("csat_ok")
    if email:
        ws.send_json({"type": "transcript_email"})
        until(ws, "transcript_emailed")
    return ws, w, m


def _seed_left(s, tag, email):
    """A visitor who finds nobody and leaves a message with an email (consent)."""
    m = _markers(tag)
    ws = s.ws()
    w, _ = hello(ws, lang="en")
    ask(ws, "%s where is my order" % m["MSG"], "q-" + tag)
    ws.send_json({"type": "leave_message", "text": m["LEFT"], "email": email, "consent": True})
    m["ticket"] = ws.expect("message_left")["ticket"]
    return ws, w, m


def _blake(kind, value):
    return hashlib.blake2b(("%s:%s" % (kind, value)).encode(), digest_size=32).hexdigest()


@test(server=PRIV_SRV)
def privacy_delete_by_each_key_leaves_nothing_of_the_subject(srv):
    """Subjects A (by visitor id, CLI), B (by token, API), C (by email, API, a left message
    only): after each deletion nothing of theirs is in any table, file or WAL of the store and
    the outbox, nor in the attachments; D is untouched; the cases and their timelines keep
    every row (the figures computed from them do not change)."""
    sink = SmtpSink().start()
    s = None
    try:
        s = _smtp_server(srv, "privacy-delete", sink.port, prechat="name email", **PRIV_SRV)
        outbox = s.outbox
        cookie = _admin(s)
        # C first, while no agent is online: a left message
        wc, welc, mc = _seed_left(s, "C", "mark-c@example.com")
        add_user(s, "pag1", name="Privacy Agent")
        ag, *_ = agent_ws(s, "pag1")
        # C has gone: the agent answers the left message by email (a mail with the case's
        # reference, to C's address)
        wc.close()
        ticket = mc.pop("ticket")
        mc["MAIL"] = "MAILCQz"
        r = _cm_reply(ag, {"ticket": ticket, "text": mc["MAIL"] + " answered", "client_id": "crC"})
        assert r["email"] == "queued", r
        conv = {}
        wa, wela, ma = _seed_full(s, ag, conv, "A", visitor=PV_A, email="Mark-A@Example.com")
        wb, welb, mb = _seed_full(s, ag, conv, "B")
        wd, weld, md = _seed_full(s, ag, conv, "D", visitor=PV_D, email="keep-d@example.com")
        _wait(lambda: len(sink.msgs) >= 2, "the transcripts at the SMTP server")
        for w in (wa, wb, wd):
            w.close()
        assert mc["MAIL"] in _all_text(outbox)
        # the reply mail's delivery comes back on C's case as an event from the loop's tick
        # (email_sent): counted before it, the timeline grew by one under the deletions
        _wait(lambda: s.count("SELECT count(*) FROM case_events"
                              " WHERE kind IN ('email_sent', 'email_failed')") >= 1,
              "the reply mail's delivery on its case")
        before = _counts(s)
        assert before[0] >= 4, before
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 120))  # the seeding's day
        stats_before = _stats_now(s, cookie, day)
        assert stats_before["total"]["conversations"] >= 4, stats_before["total"]
        text = _all_text(s.store)
        assert ma["MSG"] in text and ma["CSAT"] in text and mc["LEFT"] in text
        assert "A" in conv and ma["ATT"].encode() in b"".join(
            open(os.path.join(s.dir, "attachments", n), "rb").read()
            for n in os.listdir(os.path.join(s.dir, "attachments")))

        # A by visitor id, from the CLI (the server running)
        conf = _conf(s, outbox)
        p = subprocess.run([s.sanad, "privacy", "delete", "--visitor", PV_A, "--config", conf],
                           capture_output=True, timeout=60)
        assert p.returncode == 2 and b"--yes" in p.stderr, p  # refused without --yes
        assert ma["MSG"] in _all_text(s.store)
        p = subprocess.run([s.sanad, "privacy", "delete", "--visitor", PV_A, "--yes",
                            "--config", conf], capture_output=True, timeout=60)
        assert p.returncode == 0, p
        removed = json.loads(p.stdout)
        assert removed["conversations"] == 1 and removed["messages"] >= 4, removed
        assert removed["attachments"] == 1 and removed["mails"] >= 1, removed
        _nothing_left(s, outbox, ma, "mark-a@example.com")
        # B by token, from the API
        st, _, b = _pdel(s, {"token": welb["token"]}, cookie)
        assert " 200 " in st, (st, b)
        assert json.loads(b)["removed"]["conversations"] == 1, b
        _nothing_left(s, outbox, mb)
        # C by email, from the API, in another case
        st, _, b = _pdel(s, {"email": "MARK-C@example.com"}, cookie)
        assert " 200 " in st, (st, b)
        assert json.loads(b)["removed"]["tickets"] == 1, b
        _nothing_left(s, outbox, mc, "mark-c@example.com")
        # a second deletion finds nothing
        st, _, b = _pdel(s, {"email": "mark-c@example.com"}, cookie)
        assert " 200 " in st and json.loads(b)["removed"]["conversations"] == 0, b

        # D intact; the cases and timelines keep their rows, without identity
        text = _all_text(s.store)
        for k in ("MSG", "NAME", "REPLY", "NOTE", "CSAT"):
            assert md[k] in text, k
        assert "keep-d@example.com" in text and "keep-d@example.com" in _all_text(outbox)
        assert _counts(s) == before, (_counts(s), before)
        # the figures of the past (GET /api/stats, from stats_events) are the same after the
        # deletions: every period and the totals
        stats_after = _stats_now(s, cookie, day)
        assert stats_after["periods"] == stats_before["periods"], (stats_before, stats_after)
        assert stats_after["total"] == stats_before["total"], (stats_before, stats_after)
        assert s.count("SELECT count(*) FROM cases WHERE visitor_id = ?", PV_A) == 0
        assert s.count("SELECT count(*) FROM cases WHERE visitor_id = ?", PV_D) == 1
        assert s.count("SELECT count(*) FROM conversations WHERE id IN (?, ?)",
                       conv["A"], conv["B"]) == 0
        assert s.count("SELECT count(*) FROM conversations WHERE id = ?", conv["D"]) == 1
        # the audit: who, what, a hash of the subject (never its value)
        p = subprocess.run([s.sanad, "privacy", "audit", "--json", "--config", conf],
                           capture_output=True, timeout=60)
        assert p.returncode == 0, p
        rows = json.loads(p.stdout)
        dels = [r for r in rows if r["action"] == "delete"]
        assert [r["subject"] for r in dels] == ["email", "email", "token", "visitor"], rows
        assert dels[3]["actor"].startswith("cli:") and dels[2]["actor"] == "padm", dels
        assert dels[3]["hash"] == _blake("visitor", PV_A), dels[3]
        assert dels[1]["hash"] == _blake("email", "mark-c@example.com"), dels[1]
        assert PV_A not in p.stdout.decode() and "mark-c" not in _all_text(s.store)
        ag.close()
    finally:
        if s:
            s.stop()
        sink.stop()
    # stopped: the files as they stay on disk
    _nothing_left(s, outbox, ma, "mark-a@example.com")
    _nothing_left(s, outbox, mb)
    _nothing_left(s, outbox, mc, "mark-c@example.com")


@test(server=PRIV_SRV)
def privacy_export_has_everything_of_the_subject_and_is_audited(srv):
    sink = SmtpSink().start()
    s = None
    try:
        s = _smtp_server(srv, "privacy-export", sink.port, prechat="name email", **PRIV_SRV)
        cookie = _admin(s)
        add_user(s, "pag2", name="Privacy Agent")
        ag, *_ = agent_ws(s, "pag2")
        conv = {}
        wa, wela, ma = _seed_full(s, ag, conv, "E", visitor=PV_A, email="export-e@example.com")
        wa.close()
        ag.close()
        st, b = _pget(s, "?visitor=" + PV_A, cookie)
        assert " 200 " in st, (st, b)
        doc = json.loads(b)
        assert doc["subject"] == "visitor" and len(doc["conversations"]) == 1, doc
        c = doc["conversations"][0]
        assert c["id"] == conv["E"] and c["lang"] == "en", c
        texts = [m["text"] for m in c["messages"]]
        assert any(ma["MSG"] in t for t in texts) and ma["REPLY"] in texts, texts
        assert ma["NOTE"] in texts  # the subject's data includes what agents noted
        assert c["profile"]["name"] == ma["NAME"] and c["profile"]["email"] == "export-e@example.com"
        assert c["profile"]["consent"] == 1
        assert c["attachments"][0]["name"] == ma["ATTNAME"] + ".pdf", c["attachments"]
        assert c["csat"]["comment"] == ma["CSAT"] and c["csat"]["rating"] == 4, c["csat"]
        case = c["cases"][0]
        assert case["visitor"] == PV_A and case["status"] == "solved", case
        kinds = [e["kind"] for e in case["events"]]
        assert kinds[0] == "created" and "csat" in kinds and "solved" in kinds, kinds
        # by email and by token: the same conversation; the CLI writes a 0600 file
        st, b = _pget(s, "?email=EXPORT-E@example.com", cookie)
        assert [x["id"] for x in json.loads(b)["conversations"]] == [conv["E"]], b
        out = os.path.join(s.dir, "export.json")
        p = subprocess.run([s.sanad, "privacy", "export", "--token", wela["token"], "--out", out,
                            "--config", _conf(s, s.outbox)], capture_output=True, timeout=60)
        assert p.returncode == 0, p
        assert os.stat(out).st_mode & 0o777 == 0o600
        with open(out) as f:
            assert json.load(f)["conversations"][0]["id"] == conv["E"]
        # an unknown subject: an empty export (exit 1 from the CLI), not an error
        st, b = _pget(s, "?visitor=nobody-0123456789abcdef", cookie)
        assert " 200 " in st and json.loads(b)["conversations"] == [], b
        p = subprocess.run([s.sanad, "privacy", "export", "--email", "nobody@example.com",
                            "--config", _conf(s, s.outbox)], capture_output=True, timeout=60)
        assert p.returncode == 1 and json.loads(p.stdout)["conversations"] == [], p
        rows = s.db().execute("SELECT actor, action, subject_kind, subject_hash, conversations"
                              " FROM audit ORDER BY id").fetchall()
        assert [r[1] for r in rows] == ["export"] * 5, rows
        assert rows[0][:3] == ("padm", "export", "visitor") and rows[0][4] == 1, rows
        assert rows[0][3] == _blake("visitor", PV_A)
        assert rows[2][0].startswith("cli:") and rows[2][2] == "token", rows
        # nothing was removed by exporting
        assert ma["MSG"] in _all_text(s.store)
    finally:
        if s:
            s.stop()
        sink.stop()


@test(server=PRIV_SRV)
def privacy_api_roles_and_hostile_input(srv):
    add_user(srv, "pr_adm", role="admin")
    add_user(srv, "pr_ag", role="agent")
    add_user(srv, "pr_ed", role="editor")
    cookies = {}
    for who in ("pr_adm", "pr_ag", "pr_ed"):
        st, h, b = login(srv, who)
        cookies[who] = session_cookie(h)
    ws = srv.ws()
    w, _ = hello(ws, lang="en", visitor="roles-0123456789abcdef")
    ask(ws, "ROLEMARK one question", "q1")
    ws.close()
    snapshot = _all_text(srv.store)
    # none: 401; agent, editor: 403; for both routes
    st, b = _pget(srv, "?token=" + w["token"])
    api_error(st, b, 401)
    st, _, b = _pdel(srv, {"token": w["token"]})
    assert " 401 " in st or " 403 " in st, (st, b)
    for who in ("pr_ag", "pr_ed"):
        st, b = _pget(srv, "?token=" + w["token"], cookies[who])
        api_error(st, b, 403)
        st, _, b = _pdel(srv, {"token": w["token"]}, cookies[who])
        api_error(st, b, 403)
    adm = cookies["pr_adm"]
    bad_queries = ["", "?token=", "?token=a&visitor=roles-0123456789abcdef", "?who=x",
                   "?token=..%2F..%2Fetc", "?token=" + "a" * 129, "?visitor=short",
                   "?visitor=" + "v" * 65, "?email=not-an-address", "?email=a%40b",
                   "?email=%E2%80%AEevil%40example.com", "?email=" + "a" * 300 + "%40x.com",
                   "?token=abc%00def", "?visitor=roles-0123456789abcdef%27%20OR%201%3D1"]
    for q in bad_queries:
        st, b = _pget(srv, q, adm)
        if "%00" in q and not st:
            continue  # the HTTP layer drops a NUL in the query before any route
        assert " 400 " in st, (q, st, b)
        api_error(st, b, 400, "bad_argument")
    bad_bodies = [b"", b"[]", b"\"token\"", b"{", b"{\"token\": 5}", b"{\"token\": null}",
                  b"{\"token\": \"a\", \"email\": \"x@example.com\"}", b"{\"tok\": \"a\"}",
                  b"{\"visitor\": [\"roles-0123456789abcdef\"]}", b"{}",
                  b"{\"token\": \"a\", \"token\": \"b\"}",
                  json.dumps({"email": "x" * 2000 + "@example.com"}).encode()]
    for body in bad_bodies:
        st, _, b = _pdel(srv, body, adm)
        assert " 400 " in st or " 413 " in st, (body, st, b)
    assert _all_text(srv.store).count("ROLEMARK") == snapshot.count("ROLEMARK")
    assert srv.count("SELECT count(*) FROM audit") == 0  # refused requests are not actions
    # the admin may
    st, b = _pget(srv, "?token=" + w["token"], adm)
    assert " 200 " in st and len(json.loads(b)["conversations"]) == 1, (st, b)
    # a conversation with its visitor connected is left alone (skipped), then purged
    ws = srv.ws()
    hello(ws, token=w["token"], lang="en")
    st, _, b = _pdel(srv, {"token": w["token"]}, adm)
    r = json.loads(b)["removed"]
    assert " 200 " in st and r["skipped"] == 1 and r["conversations"] == 0, (st, b)
    assert "ROLEMARK" in _all_text(srv.store)
    ws.close()
    for _ in range(50):  # the server sees the socket go
        st, _, b = _pdel(srv, {"token": w["token"]}, adm)
        if json.loads(b)["removed"]["conversations"] == 1:
            break
        time.sleep(0.1)
    assert json.loads(b)["removed"]["conversations"] == 1, b
    assert "ROLEMARK" not in _all_text(srv.store)


@test(server=PRIV_SRV)
def privacy_cli_refuses_bad_arguments(srv):
    for args, code in ((["delete", "--visitor", PV_A], 2), (["export"], 2),
                       (["export", "--token", "a", "--email", "a@example.com"], 2),
                       (["export", "--token", "../../x"], 2), (["export", "--email", "x"], 2),
                       (["delete", "--visitor", "short", "--yes"], 2), (["nope"], 2),
                       (["audit", "--token", "a"], 2), (["audit", "--limit", "0"], 2),
                       (["export", "--token", "abc", "--bogus"], 2),
                       (["delete", "--token", "a", "--out", "f", "--yes"], 2)):
        p = subprocess.run([srv.sanad, "privacy"] + args, capture_output=True, timeout=60,
                           cwd=srv.tmp)
        assert p.returncode == code, (args, p)
        assert b"sanad privacy:" in p.stderr, p
    # a data directory without a store: said, and no store is made there
    empty = os.path.join(srv.tmp, "privacy-no-store")
    os.makedirs(empty)
    for args in (["audit"], ["export", "--token", "abc"], ["delete", "--token", "abc", "--yes"]):
        p = subprocess.run([srv.sanad, "privacy"] + args + ["--data", empty],
                           capture_output=True, timeout=60)
        assert p.returncode == 3 and b"no store" in p.stderr, (args, p)
    assert os.listdir(empty) == []


@test(server=PRIV_SRV)
def privacy_retention_purges_old_conversations_in_the_background(srv):
    """Conversations whose last activity is older than retention_days go (the rows are
    backdated in the stopped server's store); newer and live ones stay; the cases keep their
    rows; a retention row in the audit; the WAL checkpointed."""
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "privacy-retention",
               dict(PRIV_SRV, prechat="name email"))
    old = new = None
    try:
        add_user(s, "ret1")
        ag, *_ = agent_ws(s, "ret1")
        conv = {}
        wo, welo, mo = _seed_full(s, ag, conv, "OLD", visitor=PV_A)
        wn, weln, mn = _seed_full(s, ag, conv, "NEW", visitor=PV_D)
        for x in (wo, wn, ag):
            x.close()
        # one waiting for a person (nobody online now): queued, never purged however old
        wq = s.ws()
        welq, _ = hello(wq, lang="en")
        ask(wq, "QUEUEDMARKQz my order", "q1")
        wq.send_json({"type": "handoff"})
        wq.expect("message", **{"from": "bot"})
        wq.close()
    finally:
        s.stop()
    old, new, queued = conv["OLD"], conv["NEW"], welq["conversation"]
    c = s.db(write=True)
    day = 86400000
    assert c.execute("SELECT state FROM conversations WHERE id = ?", (queued,)).fetchone()[0] == "queued"
    c.execute("UPDATE conversations SET updated = updated - 40 * ?, created = created - 40 * ?"
              " WHERE id IN (?, ?)", (day, day, old, queued))
    c.commit()
    c.close()
    before = _counts(s)
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "privacy-retention-2",
                dict(PRIV_SRV, **{"retention-days": 30, "retention-interval": 1,
                                  "prechat": "name email",
                                  "store-db": s.store,
                                  "attachments-dir": os.path.join(s.dir, "attachments")}))
    s2.store = s.store
    try:
        for _ in range(100):
            if s2.count("SELECT count(*) FROM conversations WHERE id = ?", old) == 0:
                break
            time.sleep(0.1)
        assert s2.count("SELECT count(*) FROM conversations WHERE id = ?", old) == 0
        for _ in range(100):
            if "event=purged" in s2.logtext():
                break
            time.sleep(0.1)
        log = s2.logtext()
        assert "event=purged conversations=1 " in log and "max_purge_us=" in log, log[-2000:]
        assert s2.count("SELECT count(*) FROM conversations WHERE id = ?", new) == 1
        assert s2.count("SELECT count(*) FROM conversations WHERE id = ?", queued) == 1
        assert "QUEUEDMARKQz" in _all_text(s2.store)
        assert s2.count("SELECT count(*) FROM messages WHERE conv_id = ?", old) == 0
        assert s2.count("SELECT count(*) FROM audit WHERE action = 'retention'"
                        " AND actor = 'retention' AND conversations = 1") == 1
        assert _counts(s2) == before
        text = _all_text(s2.store)
        for k in ("MSG", "NAME", "REPLY", "NOTE", "CSAT", "ATTNAME"):
            assert mo[k] not in text, k
            assert mn[k] in text, k
        raw = _raw(s2.store)
        for k in ("MSG", "NAME", "REPLY", "NOTE", "CSAT"):
            assert mo[k].encode() not in raw, k
        # the store works on: a new visitor is answered
        ws = s2.ws()
        hello(ws, lang="en")
        ask(ws, "i lost my phone", "after")
        ws.close()
    finally:
        s2.stop()


@test(server=PRIV_SRV)
def privacy_no_text_or_email_in_the_log_at_the_default_level(srv):
    """A conversation with a marker in every text and an email (profile, left message, a
    transcript whose mail server refuses the address, naming it): none of it in the log at the
    default level (notice)."""
    sink = SmtpSink().start()
    s = None
    mark, email = "LOGMARKQz", "log-mark@example.com"
    try:
        sink.refuse = "550 5.1.1 <%s>: Recipient address rejected" % email
        s = _smtp_server(srv, "privacy-log", sink.port, prechat="name email",
                         **dict(PRIV_SRV, **{"log-level": "notice", "smtp-max-attempts": 1}))
        add_user(s, "plog")
        ws = s.ws()
        w, _ = hello(ws, lang="en")
        ws.send_json({"type": "profile", "name": mark + "name", "email": email, "consent": True})
        ws.expect("profile_ok")
        ask(ws, mark + " how do I pay", "q1")
        ask(ws, mark + " zzqx unknown words xkcd", "q2")
        ws.send_json({"type": "leave_message", "text": mark + " left", "email": email,
                      "consent": True})
        ws.expect("message_left")
        ag, *_ = agent_ws(s, "plog")
        ws.send_json({"type": "handoff"})
        f, _ = until(ag, "assigned")
        ag.send_json({"type": "reply", "conversation": f["conversation"], "text": mark + " reply",
                      "client_id": "r1"})
        until(ag, "ack", client_id="r1")
        ag.send_json({"type": "note", "conversation": f["conversation"], "text": mark + " note",
                      "client_id": "n1"})
        until(ag, "ack", client_id="n1")
        ag.send_json({"type": "close", "conversation": f["conversation"], "resolution": "answered"})
        until(ws, "closed")
        ws.send_json({"type": "csat", "rating": 2, "comment": mark + " csat"})
        ws.expect("csat_ok")
        ws.send_json({"type": "transcript_email"})
        until(ws, "transcript_emailed")
        _wait(lambda: "event=failed" in s.logtext(), "the refused mail in the log")
        ws.close()
        ag.close()
    finally:
        if s:
            s.stop()
        sink.stop()
    log = s.logtext()
    assert "event=failed" in log, log[-3000:]
    assert mark not in log, [l for l in log.splitlines() if mark in l]
    assert email not in log.lower(), [l for l in log.lower().splitlines() if email in l]


@test(server=PRIV_SRV)
def privacy_email_kept_only_with_consent(srv):
    """An email without consent is refused wherever a visitor may give one, and nothing of it
    is stored; with consent it is stored with consent 1."""
    ws = srv.ws()
    hello(ws, lang="en")
    for frame in ({"type": "profile", "email": "noconsent@example.com"},
                  {"type": "profile", "email": "noconsent@example.com", "consent": False},
                  {"type": "leave_message", "text": "hi", "email": "noconsent@example.com"},
                  {"type": "leave_message", "text": "hi", "email": "noconsent@example.com",
                   "consent": False}):
        ws.send_json(frame)
        e = ws.expect("error")
        assert e["code"] in ("bad_field", "missing_field"), e
    ws.close()
    assert "noconsent@example.com" not in _all_text(srv.store)
    assert srv.count("SELECT count(*) FROM profiles WHERE email IS NOT NULL AND consent = 0") == 0
    assert srv.count("SELECT count(*) FROM tickets WHERE email IS NOT NULL AND consent = 0") == 0


@test(server=PRIV_SRV, sqlite_only=True)
def privacy_store_v9_gets_the_audit_table(srv):
    """A v9 file (no audit table) is migrated to v10 (and on) at the start, its rows kept."""
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "privacy-v9", PRIV_SRV)
    try:
        ws = s.ws()
        w, _ = hello(ws, lang="en")
        ask(ws, "i lost my phone", "v9")
        ws.close()
    finally:
        s.stop()
    c = sqlite3.connect(s.store)
    c.execute("DROP TABLE audit")
    c.execute("PRAGMA user_version = 9")
    c.commit()
    c.close()
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "privacy-v9-2", dict(PRIV_SRV, **{"store-db": s.store}))
    s2.store = s.store
    try:
        assert s2.count("PRAGMA user_version") == STORE_SCHEMA
        assert s2.count("SELECT count(*) FROM audit") == 0
        assert s2.count("SELECT count(*) FROM messages WHERE conv_id = ?", w["conversation"]) >= 2
        assert "event=migrated" in s2.logtext() and "from=9" in s2.logtext()
    finally:
        s2.stop()
