# Issue 16's backfill: a store migrated to v11 gets the stats_events rows bot/statsrec.c
# would have written, made from the conversations, messages, ratings and case timelines it
# holds (to_v11 in bot/store_sqlite.c; docs/analytics.md, "Before the upgrade"). Run by
# tests/integration/run, whose helpers (test, Server, hello, ask, add_user, agent_ws, until,
# visitor_handoff) and stats_tests.py's (_cookie, _stats, STATS_SRV) it uses.
#
# The strong test drives real activity over sockets on this binary, takes the figures (GET
# /api/stats and `sanad stats --json`, today by hour), stops the server, empties stats_events
# and sets the file back to v10 (the same data as a real v10 file), starts it again (the
# migration backfills) and wants the same figures, and the same rows.

BF_COLS = "kind, conv, lang, channel, agent, sub, band, value, value2, start"


def _bf_rows(path):
    """The store's stats_events rows without id and ts, sorted (a rating's row is written a
    millisecond after its feedback row may be: its ts is no figure's)."""
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return sorted(c.execute("SELECT %s FROM stats_events" % BF_COLS).fetchall(),
                      key=lambda r: tuple("" if x is None else str(x) for x in r))
    finally:
        c.close()


def _bf_cli(srv, path, today):
    p = subprocess.run([srv.sanad, "stats", "--store-db", path, "--db", srv.kb_db, "--from",
                        today, "--to", today, "--group", "hour", "--json"],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p
    return json.loads(p.stdout)


def _bf_figures(srv, cookie, path, today):
    """(GET /api/stats today by hour, sanad stats --json of the same)."""
    q = {"from": today, "to": today, "group": "hour"}
    return _stats(srv, cookie, **q), _bf_cli(srv, path, today)


def _bf_activity(srv):
    """Every kind of fact, over real sockets: returns the conversations' ids by name."""
    convs = {}
    # nobody online: a rated answer, a miss rated down, a handoff in words (asked), queued
    # and left (abandoned); a repeat visitor later
    v = srv.ws()
    w, _ = hello(v, lang="en", visitor="vis_B-0123456789abcdef")
    convs["abandon"] = w["conversation"]
    _, b = ask(v, EN_Q, "q1")
    assert b["kind"] == "answer", b
    v.send_json({"type": "feedback", "seq": b["seq"], "helpful": True})
    v.sync()
    _, b = ask(v, "zqxv plorbt wugga frindle", "q2")
    v.send_json({"type": "feedback", "seq": b["seq"], "helpful": False})
    v.sync()
    _, b = ask(v, "I want to talk to a human", "q3")
    assert b["kind"] == "handoff", b
    v.expect("offline")
    v.sync()
    v.send_json({"type": "leave_queue"})
    v.expect("message", **{"from": "system"})
    v.close()
    # nobody online: the button, a message left with an email (consent), twice: a repeat by
    # email
    for i, name in enumerate(("ticket1", "ticket2")):
        v = srv.ws()
        w, _ = hello(v, lang="ar" if i == 0 else "en")
        convs[name] = w["conversation"]
        v.send_json({"type": "handoff"})
        until(v, "offline")
        v.send_json({"type": "leave_message", "text": "call me back",
                     "email": "Sam@example.com" if i else "sam@example.com", "consent": True})
        until(v, "message_left")
        v.close()
        time.sleep(0.01)
    # an agent online: a handoff after a miss ("yes" to the offer: accepted_offer), the same
    # widget visitor as the abandoned one (a repeat by visitor), assigned, a reply, solved,
    # rated
    add_user(srv, "bfa", name="Bfa Agent")
    ag, *_ = agent_ws(srv, "bfa")
    v = srv.ws()
    w, _ = hello(v, lang="en", visitor="vis_B-0123456789abcdef")
    conv = convs["solved"] = w["conversation"]
    _, b = ask(v, EN_Q, "q1")
    _, b = ask(v, "no", "q2")
    _, b = ask(v, "yes", "q3")
    assert b["kind"] == "handoff", b
    until(ag, "assigned", conversation=conv)
    time.sleep(0.02)
    ag.send_json({"type": "reply", "conversation": conv, "text": "hello there", "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    until(v, "message", **{"from": "agent"})
    time.sleep(0.02)
    ag.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag, "closed", conversation=conv)
    until(v, "closed")
    v.send_json({"type": "csat", "rating": 4, "comment": "fine"})
    v.expect("csat_ok")
    v.close()
    # the same visitor back in a new conversation: the solved case is reopened there (the
    # events before belong to the first conversation), assigned again, solved
    v = srv.ws()
    w, _ = hello(v, lang="en", visitor="vis_B-0123456789abcdef")
    conv = convs["reopened"] = w["conversation"]
    v.send_json({"type": "handoff"})
    until(ag, "assigned", conversation=conv)
    ag.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag, "closed", conversation=conv)
    until(v, "closed")
    v.close()
    # a transfer to a second agent, who solves it; a rating of 2
    add_user(srv, "bfb", name="Bfb Agent")
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    conv = convs["transfer"] = vw["conversation"]
    until(ag, "assigned", conversation=conv)
    a2, *_ = agent_ws(srv, "bfb")
    ag.send_json({"type": "transfer", "conversation": conv, "to": "bfb", "note": "billing"})
    until(ag, "closed", conversation=conv)
    until(a2, "assigned", conversation=conv)
    a2.send_json({"type": "reply", "conversation": conv, "text": "hi", "client_id": "r2"})
    until(a2, "ack", client_id="r2")
    a2.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(a2, "closed", conversation=conv)
    until(vis, "closed")
    vis.send_json({"type": "csat", "rating": 2})
    vis.expect("csat_ok")
    vis.close()
    # contained: an answer, nothing else
    v = srv.ws()
    w, _ = hello(v, lang="ar")
    convs["contained"] = w["conversation"]
    ask(v, EN_Q, "q1")
    v.close()
    a2.close()
    ag.close()
    return convs


def _bf_set_back(path, drop):
    """path as a v10 file: its stats_events emptied (drop: the table and its indexes gone,
    as the v10 code made the file)."""
    c = sqlite3.connect(path)
    if drop:
        for ix in ("stats_events_ts", "stats_events_kind_ts", "stats_events_conv",
                   "stats_events_start", "profiles_email", "tickets_email"):
            c.execute("DROP INDEX %s" % ix)
        c.execute("DROP TABLE stats_events")
    else:
        c.execute("DELETE FROM stats_events")
    c.execute("PRAGMA user_version = 10")
    c.commit()
    assert drop or c.execute("SELECT count(*) FROM stats_events").fetchone()[0] == 0
    c.close()


def _bf_again(srv, name, drop):
    """srv stopped, its store set back to v10, a second server on it (migrated at its start);
    returns (that server, the admin's cookie)."""
    srv.stop()
    _bf_set_back(srv.store, drop)
    s = Server(srv.sanad, srv.tmp, srv.kb_db, name, dict(STATS_SRV, **{"store-db": srv.store}))
    s.store = srv.store
    assert ("from=10 to=%d" % STORE_SCHEMA) in s.logtext(), s.logtext()
    st, h, body = login(s, "bfboss")
    assert " 200 " in st, (st, body)
    return s, session_cookie(h)


@test(server=STATS_SRV, sqlite_only=True)
def backfill_gives_the_live_figures_and_rows(srv):
    """Real activity of every kind, its figures and rows live; then the same store with
    stats_events emptied and set back to v10: the migration's backfill gives the same rows
    (every field but ts) and the same figures, by the API and by sanad stats."""
    boss = _cookie(srv, "bfboss", "admin")
    convs = _bf_activity(srv)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    live_rows = _bf_rows(srv.store)
    live_api, live_cli = _bf_figures(srv, boss, srv.store, today)
    t = live_api["total"]
    # the activity is what it says: each figure has something to compare
    assert t["conversations"] == 7 and t["contained"] == 1 and t["handoffs"] == 6, t
    assert t["queue_wait_ms"]["n"] >= 2 and t["queue_wait_ms"]["abandoned"] == 1, t
    assert t["first_response_ms"]["n"] == 2 and t["resolution_ms"]["n"] == 3, t
    assert t["csat"]["n"] == 2 and t["csat"]["avg"] == 3.0, t
    assert t["repeat_contacts"]["by_visitor"] == 2 and t["repeat_contacts"]["by_email"] == 1, t
    subs = {r[5] for r in live_rows if r[0] == "handoff"}
    assert subs == {"asked", "button", "accepted_offer"}, live_rows
    assert any(r[0] == "assigned" and r[5] == "transfer" for r in live_rows), live_rows
    c = sqlite3.connect("file:%s?mode=ro" % srv.store, uri=True)
    reopened = c.execute("SELECT count(*) FROM case_events WHERE kind = 'reopened'").fetchone()[0]
    c.close()
    assert reopened == 1 and ("case", convs["reopened"]) in [r[:2] for r in live_rows], live_rows
    s, boss2 = _bf_again(srv, "bf-again", drop=False)
    try:
        got_rows = _bf_rows(s.store)
        missing = [r for r in live_rows if r not in got_rows]
        extra = [r for r in got_rows if r not in live_rows]
        assert not missing and not extra, ("missing", missing, "extra", extra)
        api, cli = _bf_figures(s, boss2, s.store, today)
        _bf_same(api, live_api)
        _bf_same(cli, live_cli)
        assert set(convs.values()) <= {r[1] for r in got_rows}
    finally:
        s.stop()


def _bf_same(got, want):
    """got equals want in every field; the path of the first difference when not."""
    def walk(g, w, path):
        if isinstance(w, dict):
            assert isinstance(g, dict) and set(g) == set(w), (path, g, w)
            for k in w:
                walk(g[k], w[k], path + "." + k)
        elif isinstance(w, list):
            assert isinstance(g, list) and len(g) == len(w), (path, g, w)
            for i, (a, b) in enumerate(zip(g, w)):
                walk(a, b, "%s[%d]" % (path, i))
        else:
            assert g == w, (path, g, w)
    walk(got, want, "")


@test(server=STATS_SRV, sqlite_only=True)
def backfill_of_a_v10_file_of_the_older_code(srv):
    """A v10 file as the code before v11 made it (no stats_events table, no email indexes):
    migrated at the start, its table made and backfilled; a file set back to v10 whose table
    has rows already is not backfilled again (no fact counted twice)."""
    boss = _cookie(srv, "bfboss", "admin")
    v = srv.ws()
    w, _ = hello(v, lang="en")
    _, b = ask(v, EN_Q, "q1")
    v.send_json({"type": "feedback", "seq": b["seq"], "helpful": True})
    v.sync()
    v.close()
    live = _bf_rows(srv.store)
    assert [r[0] for r in live].count("conv") == 1 and ("feedback" in [r[0] for r in live])
    s, _ = _bf_again(srv, "bf-v10", drop=True)
    try:
        assert _bf_rows(s.store) == live
        c = sqlite3.connect("file:%s?mode=ro" % s.store, uri=True)
        ix = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        c.close()
        assert {"stats_events_start", "profiles_email", "tickets_email"} <= ix, ix
    finally:
        s.stop()
    # set back by hand with its rows kept: left as it is
    c = sqlite3.connect(s.store)
    c.execute("PRAGMA user_version = 10")
    c.commit()
    c.close()
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "bf-v10-kept",
                dict(STATS_SRV, **{"store-db": s.store}))
    try:
        s2.store = s.store
        assert _bf_rows(s2.store) == live
    finally:
        s2.stop()


@test(server=STATS_SRV, sqlite_only=True)
def backfill_of_hostile_stored_rows(srv):
    """A v10 file whose timeline details and message meta are not what the code writes (not
    JSON, a rating as text or out of range, a reason that is a number, a transfer without
    "to", a purged case, an unknown event): migrated all the same, every such fact with
    nulls or no row, as the live code reads them; nothing else changed."""
    _cookie(srv, "bfboss", "admin")
    v = srv.ws()
    w, _ = hello(v, lang="en")
    conv = w["conversation"]
    v.send_json({"type": "handoff"})
    until(v, "offline")
    v.close()
    srv.stop()
    c = sqlite3.connect(srv.store)
    case = c.execute("SELECT id, created FROM cases WHERE conv_id = ?", (conv,)).fetchone()
    queued = c.execute("SELECT ts FROM case_events WHERE case_id = ? AND kind = 'queued'",
                       (case[0],)).fetchone()[0]
    t = case[1] + 1000
    bad = [("handoff", "{not json"), ("handoff", '{"reason": 7}'), ("assigned", "[1,"),
           ("agent_replied", "\x00\xff"), ("transferred", '{"from": "a"}'),
           ("csat", '{"rating": "5"}'), ("csat", '{"rating": 9}'), ("csat", '{"rating": 4.5}'),
           ("csat", "nope"), ("reopened", "{bad"), ("message_left", "}"),
           ("no_such_kind", '{"x": 1}'), ("solved", None), ("csat", '{"rating": 3}')]
    for i, (kind, detail) in enumerate(bad):
        c.execute("INSERT INTO case_events(case_id, ts, kind, actor, detail) VALUES(?, ?, ?,"
                  " 'system', ?)", (case[0], t + i, kind, detail))
    # a purged case (no conversation): its events count nowhere
    c.execute("INSERT INTO cases(ref, conv_id, status, created, updated) VALUES('S-ZZZZZZ',"
              " NULL, 'new', ?, ?)", (t, t))
    pid = c.execute("SELECT id FROM cases WHERE ref = 'S-ZZZZZZ'").fetchone()[0]
    c.execute("INSERT INTO case_events(case_id, ts, kind, actor) VALUES(?, ?, 'created',"
              " 'system')", (pid, t))
    c.execute("UPDATE messages SET meta = '{broken' WHERE conv_id = ? AND sender = 'bot'", (conv,))
    c.commit()
    before = {tb: c.execute("SELECT count(*) FROM %s" % tb).fetchone()[0]
              for tb in ("conversations", "messages", "cases", "case_events")}
    c.close()
    _bf_set_back(srv.store, drop=True)
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "bf-hostile", dict(STATS_SRV, **{"store-db": srv.store}))
    try:
        s.store = srv.store
        assert ("from=10 to=%d" % STORE_SCHEMA) in s.logtext(), s.logtext()
        c = sqlite3.connect("file:%s?mode=ro" % s.store, uri=True)
        rows = c.execute("SELECT kind, lang, agent, sub, value FROM stats_events WHERE conv = ?"
                         " AND kind <> 'turn' ORDER BY id", (conv,)).fetchall()
        after = {tb: c.execute("SELECT count(*) FROM %s" % tb).fetchone()[0] for tb in before}
        nulls = c.execute("SELECT count(*) FROM stats_events WHERE conv IS NULL").fetchone()[0]
        c.close()
        assert after == before and nulls == 0, (after, before, nulls)
        # the bad meta: conversations.lang; the reasons not text: null; the assignment
        # without a JSON detail: no agent, its wait all the same; the bad ratings, the
        # transfer without "to", the unknown event, the purged case: no row; the bad
        # reopening: a case row (no visitor bit: no previous conversation)
        want = [("conv", "en", None, None, None), ("case", None, None, None, 0),
                ("handoff", None, None, "button", None), ("queued", None, None, None, None),
                ("handoff", None, None, None, None), ("handoff", None, None, None, None),
                ("assigned", None, None, None, t + 2 - queued),
                ("first_response", None, None, None, 1003), ("case", None, None, None, 0),
                ("ticket", None, None, None, 0), ("solved", None, None, "solved", 1012),
                ("csat", None, None, None, 3)]
        assert rows == want, rows
    finally:
        s.stop()
