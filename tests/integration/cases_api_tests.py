# Issue 15's case list, search and timeline (GET /api/cases, GET /api/cases/{ref}; docs/api.md
# "Cases", docs/cases.md "Finding cases"). Run by tests/integration/run, whose helpers (test,
# Server, hello, ask, add_user, agent_ws, login, session_cookie, until, api_error) and
# cases_tests.py's (CASE_SRV, REF, _case, _timeline) it uses. The cases are made through real
# visitor and agent sockets: handoff, auto assignment, reply, note, close, leave_message.

import urllib.parse

CASES_API_SRV = dict(CASE_SRV, departments="billing:الفواتير:Billing, general:عام:General",
                     **{"category-departments": "billing=billing, *=general",
                        "reopen-days": 0})
VIS_P = "vis_P-0123456789abcdef"


def _get(srv, path, cookie=None):
    """GET path; returns (status, parsed JSON body)."""
    head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % (path, srv.port)
    if cookie:
        head += "Cookie: %s\r\n" % cookie
    st, h, b = srv.http((head + "\r\n").encode())
    status = int(st.split(" ")[1]) if st.startswith("HTTP/") else 0
    return status, (json.loads(b) if h.get("content-type", "").startswith("application/json")
                    else b)


def _cookie(srv, who, role):
    add_user(srv, who, role=role, name=who.title())
    st, h, body = login(srv, who)
    assert " 200 " in st, (st, body)
    return session_cookie(h)


def _refs(srv, cookie, query=""):
    st, b = _get(srv, "/api/cases" + query, cookie)
    assert st == 200, (query, st, b)
    return [i["ref"] for i in b["items"]]


def _seed(srv):
    """Three cases, oldest first: A (visitor P, answered, noted and solved by cag1), B (visitor
    P again, a billing question, left in the queue) and C (no visitor id: only a left
    message). Returns (refs, conversations)."""
    ag, _, _, _ = agent_ws(srv, "cag1")
    # A: handed off, assigned to the one agent online, a conversation, solved
    va = srv.ws()
    wa, _ = hello(va, lang="en", visitor=VIS_P)
    ask(va, "hello, my parcel never came", "a0")
    conv_a = wa["conversation"]
    va.send_json({"type": "handoff"})
    ref_a = until(ag, "assigned", conversation=conv_a)[0]["case_ref"]
    ag.send_json({"type": "reply", "conversation": conv_a, "text": "use the code 50%_off",
                  "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    until(va, "message", **{"from": "agent"})
    va.send_json({"type": "message", "text": "thanks, it is Order-12345", "client_id": "a1"})
    va.expect("ack", client_id="a1")
    until(ag, "message", conversation=conv_a)
    ag.send_json({"type": "note", "conversation": conv_a, "text": "vip customer",
                  "client_id": "n1"})
    until(ag, "ack", client_id="n1")
    ag.send_json({"type": "close", "conversation": conv_a, "resolution": "resolved"})
    until(ag, "closed", conversation=conv_a)
    until(va, "closed")
    va.close()
    ag.send_json({"type": "presence", "status": "away"})  # B is not routed to it
    until(ag, "presence", status="away")
    ag.close()
    time.sleep(0.01)  # created is in ms: A, B and C each get their own
    # B: the same visitor, a billing question, nobody online: stays new, department billing
    vb = srv.ws()
    wb, _ = hello(vb, lang="ar", visitor=VIS_P)
    ask(vb, "كيف أدفع فاتورة خطي؟", "b0")
    vb.send_json({"type": "handoff"})
    q, _ = until(vb, "queue")
    ref_b, conv_b = q["case_ref"], wb["conversation"]
    vb.close()
    time.sleep(0.01)
    # C: a message left with no handoff and no visitor id
    vc = srv.ws()
    wc, _ = hello(vc, lang="en")
    vc.send_json({"type": "leave_message", "text": "please call me at 0501234567"})
    ref_c = vc.expect("message_left")["case_ref"]
    vc.close()
    assert REF.match(ref_a) and REF.match(ref_b) and REF.match(ref_c), (ref_a, ref_b, ref_c)
    assert len({ref_a, ref_b, ref_c}) == 3
    return (ref_a, ref_b, ref_c), (conv_a, conv_b, wc["conversation"])


def _q(**kw):
    return "?" + urllib.parse.urlencode(kw)


def _snapshot(srv):
    c = srv.db()
    try:
        return (c.execute("SELECT * FROM cases ORDER BY id").fetchall(),
                c.execute("SELECT * FROM case_events ORDER BY id").fetchall())
    finally:
        c.close()


@test(server=CASES_API_SRV)
def cases_search_by_each_filter_and_paging(srv):
    """Newest first; each filter alone and together; the text in the visitor's, the agent's and
    the note's words and the left message (LIKE's % and _ plain); keyset paging to the end."""
    add_user(srv, "cag1", name="Case Agent")
    ck = _cookie(srv, "cview1", "agent")
    (a, b, c), _ = _seed(srv)
    ra, rb, rc = _case(srv, a), _case(srv, b), _case(srv, c)
    assert _refs(srv, ck) == [c, b, a]
    st, body = _get(srv, "/api/cases", ck)
    assert body["next"] is None, body
    item = body["items"][2]
    assert item == {"ref": a, "status": "solved", "priority": "normal", "department": "general",
                    "assignee": "cag1", "conversation": ra["conv_id"], "visitor": VIS_P,
                    "created": ra["created"], "updated": ra["updated"],
                    "first_response_at": ra["first_response_at"], "solved_at": ra["solved_at"],
                    "tier": 1, "sla_breached": [], "summary": "hello, my parcel never came"}, item
    ib, ic = body["items"][1], body["items"][0]
    assert ib["status"] == "new" and ib["department"] == "billing" and ib["assignee"] is None, ib
    assert ib["first_response_at"] is None and ib["solved_at"] is None, ib
    assert ib["summary"] == "كيف أدفع فاتورة خطي؟", ib
    # only a left message: its text is the summary
    assert ic["summary"] == "please call me at 0501234567" and ic["visitor"] is None, ic
    # the reference as typed: case, dashes and spaces, O for 0, no prefix
    typed = a.lower().replace("s-", "s ").replace("0", "o")
    assert _refs(srv, ck, _q(ref=typed)) == [a]
    assert _refs(srv, ck, _q(ref=a[2:])) == [a]
    # status: one or several
    assert _refs(srv, ck, _q(status="solved")) == [a]
    assert _refs(srv, ck, _q(status="new")) == [c, b]
    assert _refs(srv, ck, _q(status="new,solved")) == [c, b, a]
    assert _refs(srv, ck, _q(status="closed,escalated")) == []
    # department, assignee, visitor
    assert _refs(srv, ck, _q(department="billing")) == [b]
    assert a in _refs(srv, ck, _q(department="general"))
    assert _refs(srv, ck, _q(assignee="cag1")) == [a]
    assert _refs(srv, ck, _q(assignee="nobody")) == []
    assert _refs(srv, ck, _q(visitor=VIS_P)) == [b, a]
    # the text: the visitor's message, in any case of ASCII letters; the agent's reply; the
    # note; the left message; the Arabic question; a bot answer does not count
    assert _refs(srv, ck, _q(q="Order-12345")) == [a]
    assert _refs(srv, ck, _q(q="oRDER-12345")) == [a]
    assert _refs(srv, ck, _q(q="50%_off")) == [a]
    assert _refs(srv, ck, _q(q="vip customer")) == [a]
    assert _refs(srv, ck, _q(q="0501234567")) == [c]
    assert _refs(srv, ck, _q(q="فاتورة")) == [b]
    # LIKE's wildcards are plain characters: only A has a % or a _ in what people wrote
    assert _refs(srv, ck, _q(q="%")) == [a]
    assert _refs(srv, ck, _q(q="_")) == [a]
    assert _refs(srv, ck, _q(q="5_%")) == []
    assert _refs(srv, ck, _q(q="\\")) == []
    # SQL in the text is text
    assert _refs(srv, ck, _q(q="' OR 1=1 --")) == []
    assert _refs(srv, ck, _q(q="\") OR 1=1; DROP TABLE cases; --")) == []
    # the date range (created, ms, both ends included)
    assert _refs(srv, ck, _q(**{"from": rb["created"]})) == [c, b]
    assert _refs(srv, ck, _q(to=ra["created"])) == [a]
    assert _refs(srv, ck, _q(**{"from": rb["created"], "to": rb["created"]})) == [b]
    assert _refs(srv, ck, _q(**{"from": rc["created"] + 1})) == []
    # together
    assert _refs(srv, ck, _q(status="new", department="billing", visitor=VIS_P)) == [b]
    assert _refs(srv, ck, _q(status="new", q="Order-12345")) == []
    # an empty value is no condition (a form's empty field)
    assert _refs(srv, ck, "?ref=&status=&q=&from=&to=") == [c, b, a]
    # paging: next is the before of the next page, null on the last
    st, p1 = _get(srv, "/api/cases?limit=2", ck)
    assert [i["ref"] for i in p1["items"]] == [c, b] and isinstance(p1["next"], int), p1
    st, p2 = _get(srv, "/api/cases?limit=2&before=%d" % p1["next"], ck)
    assert [i["ref"] for i in p2["items"]] == [a] and p2["next"] is None, p2
    st, p1 = _get(srv, "/api/cases?limit=1&status=new", ck)
    st, p2 = _get(srv, "/api/cases?limit=1&status=new&before=%d" % p1["next"], ck)
    assert [i["ref"] for i in p1["items"] + p2["items"]] == [c, b] and p2["next"] is None, p2
    # exactly a page: no next page
    st, p = _get(srv, "/api/cases?limit=3", ck)
    assert len(p["items"]) == 3 and p["next"] is None, p


@test(server=CASES_API_SRV)
def case_view_timeline_transcript_and_past(srv):
    """GET /api/cases/{ref}: the case, its timeline in the order it happened with who and
    what, its transcript with the note marked, and the visitor's other cases."""
    add_user(srv, "cag1", name="Case Agent")
    ck = _cookie(srv, "cview2", "agent")
    (a, b, c), (conv_a, _, _) = _seed(srv)
    st, v = _get(srv, "/api/cases/" + a.lower(), ck)
    assert st == 200, v
    assert v["ref"] == a and v["status"] == "solved" and v["conversation"] == conv_a, v
    assert v["left_message"] is None, v
    tl = _timeline(srv, a)
    assert [(e["kind"], e["actor"], e["detail"], e["ts"]) for e in v["events"]] == tl, v["events"]
    assert [e["kind"] for e in v["events"]] == [
        "created", "handoff", "queued", "assigned", "agent_replied", "visitor_wrote", "note",
        "solved"], v["events"]
    assert v["events"][3]["detail"] == {"agent": "cag1", "name": "Case Agent", "by": "auto"}
    assert v["events"][7]["actor"] == "agent:cag1" and v["events"][7]["detail"] == {
        "resolution": "resolved"}
    ts = [e["ts"] for e in v["events"]]
    assert ts == sorted(ts), ts
    # the transcript: every message in seq order, the note marked as the agent socket marks it
    seqs = [m["seq"] for m in v["transcript"]]
    assert seqs == sorted(seqs) and seqs[0] == 1, seqs
    texts = [(m["from"], m["text"]) for m in v["transcript"]]
    assert ("visitor", "hello, my parcel never came") in texts, texts
    assert ("agent", "use the code 50%_off") in texts, texts
    notes = [m for m in v["transcript"] if m.get("note")]
    assert [m["text"] for m in notes] == ["vip customer"] and notes[0]["from"] == "agent", notes
    assert all(m.get("is_bot") for m in v["transcript"] if m["from"] == "bot"), texts
    # the events name the transcript's messages
    by_seq = {m["seq"]: m for m in v["transcript"]}
    assert by_seq[v["events"][6]["detail"]["seq"]]["text"] == "vip customer"
    # past: the same visitor's other case, not this one
    assert [(p["ref"], p["status"]) for p in v["past"]] == [(b, "new")], v["past"]
    assert set(v["past"][0]) == {"ref", "status", "created", "conversation", "summary"}
    st, vb = _get(srv, "/api/cases/" + b, ck)
    assert [p["ref"] for p in vb["past"]] == [a], vb["past"]
    assert vb["past"][0]["summary"] == "hello, my parcel never came"
    # a case without a visitor id has no past; its timeline names the left message
    st, vc = _get(srv, "/api/cases/" + c, ck)
    assert st == 200 and vc["past"] == [], vc
    # its left message, whole (it is not a message of the transcript)
    lm = vc["left_message"]
    assert lm["text"] == "please call me at 0501234567" and lm["email"] is None, lm
    assert lm["lang"] == "en" and lm["created"] >= vc["created"] - 1000, lm
    assert all(m["text"] != lm["text"] for m in vc["transcript"]), vc["transcript"]
    assert [e["kind"] for e in vc["events"]] == ["created", "message_left"], vc["events"]
    assert isinstance(vc["events"][1]["detail"]["ticket"], int), vc["events"]


@test(server=CASES_API_SRV)
def cases_api_roles(srv):
    """Agents and admins read cases; an editor may not (403); no session or a dead one 401."""
    add_user(srv, "cag1", name="Case Agent")
    (a, _, _), _ = _seed(srv)
    ag, ad, ed = (_cookie(srv, "crole1", "agent"), _cookie(srv, "crole2", "admin"),
                  _cookie(srv, "crole3", "editor"))
    for path in ("/api/cases", "/api/cases?status=new", "/api/cases/" + a,
                 "/api/cases/S-000000"):
        for cookie, status, code in ((None, 401, "unauthorized"),
                                     ("sanad_session=" + "0" * 64, 401, "unauthorized"),
                                     (ed, 403, "forbidden")):
            st, body = _get(srv, path, cookie)
            assert st == status and body["error"]["code"] == code, (path, cookie, st, body)
            assert "items" not in body and "events" not in body, body
    for ck in (ag, ad):
        assert a in _refs(srv, ck)
        st, v = _get(srv, "/api/cases/" + a, ck)
        assert st == 200 and v["ref"] == a, v


@test(server=CASES_API_SRV)
def cases_api_hostile_parameters(srv):
    """Bad statuses, dates, limits, references, repeated and unknown arguments, overlong and
    badly encoded values: 400 with a message naming the argument; nothing changes."""
    add_user(srv, "cag1", name="Case Agent")
    ck = _cookie(srv, "chost1", "agent")
    (a, _, _), _ = _seed(srv)
    before = _snapshot(srv)
    bad = [
        ("status=bogus", "status"), ("status=NEW", "status"), ("status=new,,open", "status"),
        ("status=new,", "status"), ("status=,new", "status"),
        ("status=" + ",".join(["new"] * 9), "status"),
        ("from=abc", "from"), ("from=-1", "from"), ("from=1e5", "from"), ("from=%2B5", "from"),
        ("from=99999999999999999999", "from"), ("from=253402300800000", "from"),
        ("from=12.5", "from"), ("from=%205", "from"),
        ("to=0", "to"), ("to=x", "to"),
        ("from=2000&to=1000", "from"),
        ("limit=0", "limit"), ("limit=201", "limit"), ("limit=-5", "limit"),
        ("limit=100000000000000000000", "limit"), ("limit=ten", "limit"),
        ("before=0", "before"), ("before=abc", "before"), ("before=9007199254740992", "before"),
        ("ref=S-123", "ref"), ("ref=S-UUUUUU", "ref"), ("ref=%27%20OR%201%3D1", "ref"),
        ("ref=" + "7" * 40, "ref"), ("ref=%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6", "ref"),
        ("department=BILLING", "department"), ("department=" + "a" * 33, "department"),
        ("department=bill%27ing", "department"),
        ("assignee=X", "assignee"), ("assignee=" + "a" * 65, "assignee"),
        ("assignee=a%25", "assignee"),
        ("visitor=short", "visitor"), ("visitor=" + "v" * 65, "visitor"),
        ("visitor=vis_P-0123456789abcde%21", "visitor"),
        ("q=" + "x" * 201, "q"), ("q=" + "%D8%A7" * 201, "q"), ("q=a%01b", "q"),
        ("q=%FF%FE", "q"), ("q=a%7Fb", "q"),
        ("status=new&status=open", "status"), ("q=a&q=b", "q"), ("limit=5&limit=5", "limit"),
        ("foo=1", "foo"), ("Status=new", "Status"),
    ]
    for query, arg in bad:
        st, body = _get(srv, "/api/cases?" + query, ck)
        assert st == 400 and body["error"]["code"] == "bad_argument", (query, st, body)
        assert arg in body["error"]["message"], (query, body)
    # a NUL: lws refuses the request itself (no answer), or the argument is cut and refused
    for query in ("status=new%00open", "q=a%00b", "ref=%00"):
        st, body = _get(srv, "/api/cases?" + query, ck)
        assert st in (0, 400), (query, st, body)
    # a long q within the cap is fine: 200 Arabic characters
    st, body = _get(srv, "/api/cases?q=" + "%D8%A7" * 200, ck)
    assert st == 200 and body["items"] == [], body
    # more than 16 arguments: 414, as every route of the API
    st, body = _get(srv, "/api/cases?" + "&".join("a%d=1" % i for i in range(17)), ck)
    assert st == 414, (st, body)
    # the case view: bad references 400, unknown 404, arguments refused, other methods 405
    for ref in ("S-12", "S-UUUUUU", "S-7K3M9Q7", "x", "S-7K3M9Q-", "%27", "..", "S-%D9%A1"):
        st, body = _get(srv, "/api/cases/" + ref, ck)
        assert st in (400, 404), (ref, st, body)
        if st == 400:
            assert body["error"]["code"] == "bad_argument", (ref, body)
    st, body = _get(srv, "/api/cases/S-12", ck)
    assert st == 400 and "reference" in body["error"]["message"], body
    unknown = "S-000000" if a != "S-000000" else "S-000001"
    st, body = _get(srv, "/api/cases/" + unknown, ck)
    assert st == 404 and body["error"]["code"] == "not_found", body
    st, body = _get(srv, "/api/cases/%s?x=1" % a, ck)
    assert st == 400 and body["error"]["code"] == "bad_argument", body
    st, body = _get(srv, "/api/cases/" + "7" * 100, ck)
    assert st == 404, (st, body)
    st, _, body = srv.http(("POST /api/cases HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close"
                            "\r\nCookie: %s\r\nContent-Type: application/json\r\n"
                            "Content-Length: 2\r\n\r\n{}" % (srv.port, ck)).encode())
    assert " 405 " in st, (st, body)
    st, _, body = srv.http(("DELETE /api/cases/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Connection: close\r\nCookie: %s\r\n\r\n" % (a, srv.port, ck)).encode())
    assert " 405 " in st, (st, body)
    assert _snapshot(srv) == before
    # and the list still answers as before
    assert a in _refs(srv, ck)


@test(server={}, sqlite_only=True)
def store_v6_gets_case_search_indexes(srv):
    """A real v6 file (cases, no search indexes) is migrated at the start: the indexes are
    made, rows kept, and the search uses them rather than a scan of the cases."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en", visitor=VIS_P)
    ws.send_json({"type": "handoff"})
    q, _ = until(ws, "queue")
    ref = q["case_ref"]
    ws.close()
    path = os.path.join(srv.dir, "v6.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    for ix in ("cases_status", "cases_department", "cases_assignee", "cases_created"):
        dst.execute("DROP INDEX " + ix)
    dst.execute("PRAGMA user_version = 6")
    dst.commit()
    dst.close()
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v6-store-search", dict(CASE_SRV, **{"store-db": path}))
    try:
        s.store = path
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        ix = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                      " AND tbl_name = 'cases'")}
        assert {"cases_status", "cases_department", "cases_assignee", "cases_created"} <= ix, ix
        # the planner walks an index for each equality filter (no full scan of cases)
        for col in ("status", "department", "assignee"):
            plan = " ".join(r[3] for r in c.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM cases c WHERE c.%s = ?1 AND c.id < ?2"
                " ORDER BY c.id DESC LIMIT 50" % col, ("x", 1 << 40)))
            assert "USING" in plan and "INDEX" in plan and "cases_" + col in plan, plan
        assert c.execute("SELECT ref FROM cases").fetchall() == [(ref,)]
        c.close()
        assert ("from=6 to=%d" % STORE_SCHEMA) in s.logtext()
        add_user(s, "cmig1", name="Mig")
        ck = _cookie(s, "cmig2", "agent")
        assert _refs(s, ck, _q(status="new", visitor=VIS_P)) == [ref]
    finally:
        s.stop()


@test(server={})
def cases_text_search_looks_at_a_bounded_window_per_page(srv):
    """A text search matches in the 5,000 newest cases (under the other conditions) per
    request: a bounded cost on the event loop whatever the store holds. Its page may then be
    empty with a next that goes on below them; following next finds the old match. A full
    page of 200 is served. The store is a real file with 6,000 cases written by SQL."""
    path = os.path.join(srv.dir, "many.db")
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "many-1", dict(CASE_SRV, **{"store-db": path}))
    s.stop()  # the schema is made
    c = store_db(path, write=True)
    n, t0 = 6000, 1790000000000
    with c:
        for i in range(1, n + 1):
            conv = "c_%016x" % i
            c.execute("INSERT INTO conversations(id, token_hash, state, lang, created, updated)"
                      " VALUES (?, ?, 'closed', 'en', ?, ?)", (conv, "h%d" % i, t0 + i, t0 + i))
            c.execute("INSERT INTO messages(conv_id, seq, sender, text, ts) VALUES (?, 1,"
                      " 'visitor', ?, ?)", (conv, "order ORD-%05d is late" % i, t0 + i))
            c.execute("INSERT INTO cases(ref, conv_id, status, priority, created, updated)"
                      " VALUES (?, ?, ?, 1, ?, ?)",
                      ("S-%06d" % i, conv, "solved" if i % 2 else "new", t0 + i, t0 + i))
    c.close()
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "many-2", dict(CASE_SRV, **{"store-db": path}))
    try:
        s.store = path
        add_user(s, "cwin1", name="Win")
        ck = _cookie(s, "cwin2", "agent")
        # the oldest case's text: not in the newest 5,000; the first page says where to go on
        st, p1 = _get(s, "/api/cases" + _q(q="ORD-00001 "), ck)
        assert st == 200 and p1["items"] == [] and p1["next"] == n - 5000 + 1, p1
        st, p2 = _get(s, "/api/cases" + _q(q="ORD-00001 ", before=p1["next"]), ck)
        assert [i["ref"] for i in p2["items"]] == ["S-000001"] and p2["next"] is None, p2
        # within the window: found at once; the older cases were not looked at, so next
        # still goes on below the window (a match there is not ruled out)
        st, p = _get(s, "/api/cases" + _q(q="ORD-05999"), ck)
        assert [i["ref"] for i in p["items"]] == ["S-005999"] and p["next"] == n - 5000 + 1, p
        st, p = _get(s, "/api/cases" + _q(q="ORD-05999", before=p["next"]), ck)
        assert p["items"] == [] and p["next"] is None, p
        # the window is under the other conditions: 5,000 of the 3,000 new ones is all of them
        st, p = _get(s, "/api/cases" + _q(q="ORD-00002 ", status="new"), ck)
        assert [i["ref"] for i in p["items"]] == ["S-000002"] and p["next"] is None, p
        # a full page of the largest size, and the next one follows it
        st, p = _get(s, "/api/cases?limit=200", ck)
        assert st == 200 and len(p["items"]) == 200 and p["next"] == n - 199, (st, p.get("next"))
        assert p["items"][0]["ref"] == "S-006000" and p["items"][-1]["ref"] == "S-005801"
        st, p = _get(s, "/api/cases?limit=200&before=%d" % p["next"], ck)
        assert p["items"][0]["ref"] == "S-005800", p["items"][0]
        # many matches: a page of them, next is the last one given
        st, p = _get(s, "/api/cases" + _q(q="ORD-0", limit=10), ck)
        assert len(p["items"]) == 10 and p["next"] == 5991, p["next"]
    finally:
        s.stop()
