# Issue 16's stats: GET /api/stats (admin), `sanad stats`, and the analytics record they read
# (stats_events, store v11; docs/analytics.md). Run by tests/integration/run, whose helpers
# (test, Server, hello, ask, add_user, agent_ws, login, session_cookie, until) it uses.
#
# Time control: the seeded tests stop their server, write stats_events rows with fixed
# timestamps into its store with SQL (sqlite3, the server stopped: nobody else writes), then
# start a second server on that store (store-db) and ask it, and run `sanad stats` on the same
# file. Every expected number below is computed by hand from the rows in SEED.

import calendar
import urllib.parse

STATS_SRV = {"rate": 10000, "burst": 10000, "abuse-limit": 10000}
HOUR = 3600000
MIN = 60000


def _ms(s):
    """'2026-01-05T10:00' (UTC) → ms since the epoch."""
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M")) * 1000


# (time, kind, conv, fields): the seeded conversations. C0 is in the span before the query's
# (the "previous" period); C3 starts on Jan 5 at 23:30 and its case goes on into Jan 6 (it
# spans two periods); C7 is after the query's span.
SEED = [
    ("2025-12-30T12:00", "conv", "c0", dict(lang="en", channel="widget")),
    ("2025-12-30T12:00", "turn", "c0", dict(sub="answer", band="high")),
    ("2026-01-05T10:00", "conv", "c1", dict(lang="en", channel="widget")),
    ("2026-01-05T10:00", "turn", "c1", dict(sub="answer", band="high")),
    ("2026-01-05T10:01", "feedback", "c1", dict(value=1)),
    ("2026-01-05T10:02", "turn", "c1", dict(sub="answer", band="medium")),
    ("2026-01-05T10:03", "feedback", "c1", dict(value=0)),
    ("2026-01-05T10:04", "turn", "c1", dict(sub="fallback", band="low")),
    ("2026-01-05T10:30", "conv", "c2", dict(lang="ar", channel="widget")),
    ("2026-01-05T10:30", "turn", "c2", dict(sub="answer", band="high")),
    ("2026-01-05T10:30", "feedback", "c2", dict(value=1)),
    ("2026-01-05T10:31", "case", "c2", dict(value=0)),
    ("2026-01-05T10:31", "handoff", "c2", dict(sub="asked")),
    ("2026-01-05T10:31", "queued", "c2", {}),
    ("2026-01-05T10:32", "assigned", "c2", dict(agent="ann", value=1 * MIN)),
    ("2026-01-05T10:33", "first_response", "c2", dict(agent="ann", value=2 * MIN)),
    ("2026-01-05T10:41", "solved", "c2", dict(sub="solved", agent="ann", value=10 * MIN,
                                              value2=5 * MIN)),
    ("2026-01-05T10:42", "csat", "c2", dict(agent="ann", value=5)),
    ("2026-01-05T23:30", "conv", "c3", dict(lang="ar", channel="widget")),
    ("2026-01-06T00:10", "case", "c3", dict(value=1)),
    ("2026-01-06T00:10", "handoff", "c3", dict(sub="button")),
    ("2026-01-06T00:10", "queued", "c3", {}),
    ("2026-01-06T00:12", "assigned", "c3", dict(agent="bob", value=2 * MIN)),
    ("2026-01-06T00:14", "first_response", "c3", dict(agent="bob", value=4 * MIN)),
    ("2026-01-06T00:30", "solved", "c3", dict(sub="solved", agent="bob", value=20 * MIN,
                                              value2=10 * MIN)),
    ("2026-01-06T00:31", "csat", "c3", dict(agent="bob", value=3)),
    ("2026-01-07T09:00", "conv", "c4", dict(lang="en", channel="widget")),
    ("2026-01-07T09:01", "case", "c4", dict(value=3)),
    ("2026-01-07T09:01", "handoff", "c4", dict(sub="asked")),
    ("2026-01-07T09:01", "queued", "c4", {}),
    ("2026-01-07T09:02", "abandoned", "c4", dict(value=30000)),
    ("2026-01-07T09:15", "conv", "c5", dict(lang="en", channel="widget")),
    ("2026-01-07T09:16", "case", "c5", dict(value=2)),
    ("2026-01-07T09:16", "ticket", "c5", {}),
    ("2026-01-12T08:00", "conv", "c6", dict(lang="ar", channel="widget")),
    ("2026-01-12T08:01", "case", "c6", dict(value=0)),
    ("2026-01-12T08:01", "handoff", "c6", dict(sub="asked")),
    ("2026-01-12T08:01", "queued", "c6", {}),
    ("2026-01-12T08:04", "assigned", "c6", dict(agent="ann", value=3 * MIN)),
    ("2026-01-12T08:05", "first_response", "c6", dict(agent="ann", value=1 * MIN)),
    ("2026-01-12T08:09", "solved", "c6", dict(sub="solved", agent="ann", value=5 * MIN,
                                              value2=4 * MIN)),
    ("2026-01-20T08:00", "conv", "c7", dict(lang="en", channel="widget")),
]


def _seed_rows(path):
    c = store_db(path, write=True)
    for t, kind, conv, f in SEED:
        c.execute("INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub, band,"
                  " value, value2) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (_ms(t), kind, "stats-" + conv, f.get("lang"), f.get("channel"),
                   f.get("agent"), f.get("sub"), f.get("band"), f.get("value"), f.get("value2")))
    # each row's start, as the server's insert fills it: its conversation's "conv" time
    c.execute("UPDATE stats_events SET start = (SELECT min(s.ts) FROM stats_events s"
              " WHERE s.conv = stats_events.conv AND s.kind = 'conv') WHERE conv LIKE 'stats-%'")
    c.commit()
    c.close()


def _get(srv, path, cookie=None):
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


def _stats(srv, cookie, **q):
    st, b = _get(srv, "/api/stats" + ("?" + urllib.parse.urlencode(q) if q else ""), cookie)
    assert st == 200, (q, st, b)
    return b


def _seeded(srv, name):
    """srv's store seeded with SEED (srv stopped first), an admin boss, a second server on it
    (named name); returns (server, the admin's cookie)."""
    add_user(srv, "boss", role="admin", name="Boss")
    add_user(srv, "ann", role="agent", name="Ann Agent")  # bob has no account: shown by login
    srv.stop()
    _seed_rows(srv.store)
    s = Server(srv.sanad, srv.tmp, srv.kb_db, name, dict(STATS_SRV, **{"store-db": srv.store}))
    s.store = srv.store
    st, h, body = login(s, "boss")
    assert " 200 " in st, (st, body)
    return s, session_cookie(h)


EMPTY = {"conversations": 0, "contained": 0, "containment_rate": None, "handoffs": 0,
         "handoff_rate": None, "helpful_rate": None,
         "first_response_ms": {"median": None, "p90": None, "n": 0},
         "resolution_ms": {"median": None, "p90": None, "n": 0},
         "queue_wait_ms": {"median": None, "p90": None, "n": 0, "abandoned": 0},
         "csat": {"avg": None, "n": 0, "dist": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
                  "response_rate": None},
         "repeat_contacts": {"by_visitor": 0, "by_email": 0, "rate": None}}


def _p(start, end, **over):
    p = json.loads(json.dumps(EMPTY))
    p.update(start=start, end=end)
    for k, v in over.items():
        if isinstance(v, dict):
            p[k].update(v)
        else:
            p[k] = v
    return p


def _close(a, b):
    """a == b with floats compared to 1e-9."""
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_close, a, b))
    return a == b


def _eq(got, want, what):
    assert _close(got, want), "%s:\n got  %s\n want %s" % (what, json.dumps(got, sort_keys=True),
                                                         json.dumps(want, sort_keys=True))


D = 24 * HOUR
JAN5 = _ms("2026-01-05T00:00")
# Jan 5: c1 (contained: 2 answers, 1 rated helpful), c2 and c3 (handed off, assigned, solved,
# rated 5 and 3); c3's case is on Jan 6 but counts on Jan 5, the day it started
DAY5 = dict(conversations=3, contained=1, containment_rate=1 / 3, handoffs=2, handoff_rate=2 / 3,
            helpful_rate=2 / 3,
            first_response_ms={"median": 2 * MIN, "p90": 4 * MIN, "n": 2},
            resolution_ms={"median": 10 * MIN, "p90": 20 * MIN, "n": 2},
            queue_wait_ms={"median": 1 * MIN, "p90": 2 * MIN, "n": 2, "abandoned": 0},
            csat={"avg": 4.0, "n": 2, "dist": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
                  "response_rate": 1.0},
            repeat_contacts={"by_visitor": 1, "by_email": 0, "rate": 0.5})
# Jan 7: c4 (left the queue after 30 s: abandoned), c5 (only a left message)
DAY7 = dict(conversations=2, contained=0, containment_rate=0.0, handoffs=1, handoff_rate=0.5,
            queue_wait_ms={"median": None, "p90": None, "n": 0, "abandoned": 1},
            repeat_contacts={"by_visitor": 1, "by_email": 2, "rate": 1.0})
WEEK1 = dict(conversations=5, contained=1, containment_rate=0.2, handoffs=3, handoff_rate=0.6,
             helpful_rate=2 / 3,
             first_response_ms={"median": 2 * MIN, "p90": 4 * MIN, "n": 2},
             resolution_ms={"median": 10 * MIN, "p90": 20 * MIN, "n": 2},
             queue_wait_ms={"median": 1 * MIN, "p90": 2 * MIN, "n": 2, "abandoned": 1},
             csat={"avg": 4.0, "n": 2, "dist": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
                   "response_rate": 1.0},
             repeat_contacts={"by_visitor": 2, "by_email": 2, "rate": 0.75})
WEEK2 = dict(conversations=1, contained=0, containment_rate=0.0, handoffs=1, handoff_rate=1.0,
             first_response_ms={"median": 1 * MIN, "p90": 1 * MIN, "n": 1},
             resolution_ms={"median": 5 * MIN, "p90": 5 * MIN, "n": 1},
             queue_wait_ms={"median": 3 * MIN, "p90": 3 * MIN, "n": 1, "abandoned": 0},
             csat={"response_rate": 0.0},
             repeat_contacts={"by_visitor": 0, "by_email": 0, "rate": 0.0})
PREV = dict(conversations=1, contained=1, containment_rate=1.0, helpful_rate=0.0, handoff_rate=0.0)


@test(server=STATS_SRV)
def stats_by_day_hand_computed(srv):
    """Every figure of a week by day in UTC, against SEED: Jan 5 and 7 have data, the other
    days none (null rates and medians); c3 spans Jan 5 and 6 and counts on Jan 5; c0 is the
    previous period; busiest and agents over the span; the CLI gives the same JSON."""
    s, boss = _seeded(srv, "stats-by-day-2")
    try:
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-11", "group": "day"})
        assert b["from"] == JAN5 and b["to"] == JAN5 + 7 * D and b["group"] == "day", b
        assert b["tz"] == "UTC" and b["filters"] == {"lang": None, "channel": None,
                                                     "agent": None}, b
        want = [_p(JAN5 + i * D, JAN5 + (i + 1) * D) for i in range(7)]
        want[0] = _p(JAN5, JAN5 + D, **DAY5)
        want[2] = _p(JAN5 + 2 * D, JAN5 + 3 * D, **DAY7)
        for i in range(7):
            _eq(b["periods"][i], want[i], "day %d" % i)
        _eq(b["total"], _p(JAN5, JAN5 + 7 * D, **WEEK1), "total")
        _eq(b["previous"], _p(JAN5 - 7 * D, JAN5, **PREV), "previous")
        # Monday (1) 10h: c1, c2; Wednesday (3) 9h: c4, c5; Monday 23h: c3
        assert b["busiest"] == [{"weekday": 1, "hour": 10, "conversations": 2},
                                {"weekday": 3, "hour": 9, "conversations": 2},
                                {"weekday": 1, "hour": 23, "conversations": 1}], b["busiest"]
        _eq(b["agents"], [
            {"login": "ann", "name": "Ann Agent", "chats": 1,
             "handling_ms": {"median": 5 * MIN, "p90": 5 * MIN}, "csat": {"avg": 5.0, "n": 1}},
            {"login": "bob", "name": "bob", "chats": 1,
             "handling_ms": {"median": 10 * MIN, "p90": 10 * MIN}, "csat": {"avg": 3.0, "n": 1}}],
            "agents")
        assert b["top_gaps"] == [], b["top_gaps"]
        # the CLI: the same computation, the store read-only (the server still runs)
        p = subprocess.run([s.sanad, "stats"] + s.store_args() + ["--db", s.kb_db, "--from",
                            "2026-01-05", "--to", "2026-01-11", "--json"], capture_output=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        cli = json.loads(p.stdout)
        cli["agents"] = b["agents"]  # the CLI names agents by login
        _eq(cli, b, "sanad stats --json")
        p = subprocess.run([s.sanad, "stats"] + s.store_args() + ["--from", "2026-01-05",
                            "--to", "2026-01-11"], capture_output=True, timeout=60)
        assert p.returncode == 0 and b"total" in p.stdout and b"previous" in p.stdout, p
    finally:
        s.stop()


@test(server=STATS_SRV)
def stats_by_week_month_hour_and_filters(srv):
    """The other group sizes (ISO weeks from Monday, months, hours), a time zone other than
    UTC (Asia/Riyadh, UTC+3: c3 moves to Jan 6), and the lang and agent filters."""
    s, boss = _seeded(srv, "stats-groups-2")
    try:
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-18", "group": "week"})
        assert [(p["start"], p["end"]) for p in b["periods"]] == [
            (JAN5, JAN5 + 7 * D), (JAN5 + 7 * D, JAN5 + 14 * D)], b["periods"]
        _eq(b["periods"][0], _p(JAN5, JAN5 + 7 * D, **WEEK1), "week 1")
        _eq(b["periods"][1], _p(JAN5 + 7 * D, JAN5 + 14 * D, **WEEK2), "week 2")
        # a week cut at Monday even when from is a Thursday: a partial first week
        b = _stats(s, boss, **{"from": "2026-01-01", "to": "2026-01-11", "group": "week"})
        assert [p["start"] for p in b["periods"]] == [_ms("2026-01-01T00:00"), JAN5], b
        assert [p["conversations"] for p in b["periods"]] == [0, 5], b
        # months: Dec 15..31 (c0) and January (c1..c7)
        b = _stats(s, boss, **{"from": "2025-12-15", "to": "2026-01-31", "group": "month"})
        assert [(p["start"], p["end"]) for p in b["periods"]] == [
            (_ms("2025-12-15T00:00"), _ms("2026-01-01T00:00")),
            (_ms("2026-01-01T00:00"), _ms("2026-02-01T00:00"))], b["periods"]
        assert [p["conversations"] for p in b["periods"]] == [1, 7], b["periods"]
        assert b["total"]["conversations"] == 8 and b["previous"]["conversations"] == 0, b
        # hours of Jan 5: 10h has c1 and c2, 23h c3, the 22 others nothing
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-05", "group": "hour"})
        assert len(b["periods"]) == 24, len(b["periods"])
        assert [p["start"] for p in b["periods"]] == [JAN5 + h * HOUR for h in range(24)]
        n = [p["conversations"] for p in b["periods"]]
        assert n == [0] * 10 + [2] + [0] * 12 + [1], n
        _eq(b["periods"][23]["resolution_ms"], {"median": 20 * MIN, "p90": 20 * MIN, "n": 1},
            "c3 in its start hour")
        # Asia/Riyadh: local Jan 5 is 21:00Z Jan 4 .. 21:00Z Jan 5; c3 (02:30 local) is Jan 6
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-06", "tz": "Asia/Riyadh"})
        r5 = JAN5 - 3 * HOUR
        assert b["tz"] == "Asia/Riyadh" and b["from"] == r5 and b["to"] == r5 + 2 * D, b
        assert [p["conversations"] for p in b["periods"]] == [2, 1], b["periods"]
        assert b["periods"][1]["first_response_ms"]["n"] == 1, b["periods"][1]
        assert b["busiest"] == [{"weekday": 1, "hour": 13, "conversations": 2},
                                {"weekday": 2, "hour": 2, "conversations": 1}], b["busiest"]
        # lang en: c1, c4, c5 of the week
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-11", "lang": "en"})
        assert b["filters"]["lang"] == "en" and b["total"]["conversations"] == 3, b["total"]
        assert b["total"]["contained"] == 1 and b["total"]["handoffs"] == 1, b["total"]
        # agent ann: only c2 in that week; the agents list is hers only
        b = _stats(s, boss, **{"from": "2026-01-05", "to": "2026-01-11", "agent": "ann",
                               "channel": "widget"})
        assert b["filters"] == {"lang": None, "channel": "widget", "agent": "ann"}, b
        assert b["total"]["conversations"] == 1 and b["total"]["csat"]["avg"] == 5.0, b["total"]
        assert [a["login"] for a in b["agents"]] == ["ann"], b["agents"]
    finally:
        s.stop()


@test(server=STATS_SRV)
def stats_roles_and_hostile_parameters(srv):
    """Admins only (agent and editor 403, no session 401); every hostile parameter is 400
    {"error": {"code": "bad_argument", "message"}} (the API's one error shape) and changes
    nothing."""
    boss = _cookie(srv, "sboss", "admin")
    agent = _cookie(srv, "sagent", "agent")
    editor = _cookie(srv, "seditor", "editor")
    assert _get(srv, "/api/stats")[0] == 401
    assert _get(srv, "/api/stats", "sanad_session=" + "0" * 64)[0] == 401
    assert _get(srv, "/api/stats", agent)[0] == 403
    assert _get(srv, "/api/stats", editor)[0] == 403
    b = _stats(srv, boss)  # the defaults: the last 30 days by day in UTC
    assert b["group"] == "day" and len(b["periods"]) == 30 and b["tz"] == "UTC", b
    before = srv.count("SELECT count(*) FROM stats_events")
    bad = ["from=2026-02-30", "from=2026-1-5", "from=26-01-05", "to=2026-13-01",
           "from=2026-01-05&to=2026-01-04", "from=2020-01-01&to=2026-01-01",
           "from=2026-01-01&to=2026-06-01&group=hour", "group=year", "group=DAY",
           "tz=Mars/Olympus", "tz=../../etc/passwd", "tz=" + "A" * 200, "lang=fr", "channel=email", "agent=a%20b", "agent=" + "x" * 65,
           "agent=%27%20OR%201=1--", "from=2026-01-01&from=2026-01-02", "limit=5",
           "from=2026-01-05%27;DROP%20TABLE%20stats_events;--", "to=%D9%A2%D9%A0%D9%A2%D9%A6-01-01"]
    for q in bad:
        st, body = _get(srv, "/api/stats?" + q, boss)
        assert st == 400, (q, st, body)
        err = body.get("error")
        assert isinstance(err, dict) and err.get("code") == "bad_argument" and err.get("message"), (q, body)
    for q in ("tz=%00", "lang=ar%00"):  # a NUL in the URI: lws drops the request itself
        st, body = _get(srv, "/api/stats?" + q, boss)
        assert st in (0, 400), (q, st, body)
    assert srv.count("SELECT count(*) FROM stats_events") == before
    assert srv.count("SELECT count(*) FROM stats_events WHERE 1 = 0") == 0  # the table is there
    for args in (["--group", "year"], ["--from", "2026-02-30"], ["--tz", "../x"], ["--bogus"],
                 ["extra"], ["--from"], ["--agent", "a b"]):
        p = subprocess.run([srv.sanad, "stats"] + srv.store_args() + args,
                           capture_output=True, timeout=60)
        assert p.returncode == 2 and p.stderr, (args, p)
    assert srv.count("SELECT count(*) FROM stats_events") == before


@test(server=STATS_SRV)
def stats_events_written_at_the_source(srv):
    """Real sockets: a conversation with a rated answer, a handoff, an assignment, a reply,
    a solve and a rating; the rows in stats_events carry no text and no visitor identity, and
    today's figures count them."""
    boss = _cookie(srv, "wboss", "admin")
    add_user(srv, "wann", name="Wann")
    ag, _, _, _ = agent_ws(srv, "wann")
    v = srv.ws()
    w, _ = hello(v, lang="en", visitor="vis_S-0123456789abcdef")
    conv = w["conversation"]
    _, bot = ask(v, "i lost my phone", "s0")
    v.send_json({"type": "feedback", "seq": bot["seq"], "helpful": True})
    v.sync()
    v.send_json({"type": "handoff"})
    until(ag, "assigned", conversation=conv)
    ag.send_json({"type": "reply", "conversation": conv, "text": "hello there", "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    until(v, "message", **{"from": "agent"})
    ag.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag, "closed", conversation=conv)
    until(v, "closed")
    v.send_json({"type": "csat", "rating": 4, "comment": "secret comment"})
    v.expect("csat_ok")
    v.close()
    ag.close()
    c = srv.db()
    rows = c.execute("SELECT kind, lang, channel, agent, sub, value FROM stats_events"
                     " WHERE conv = ? ORDER BY id", (conv,)).fetchall()
    text = json.dumps(c.execute("SELECT * FROM stats_events").fetchall())
    c.close()
    kinds = [r[0] for r in rows]
    for k in ("conv", "turn", "feedback", "case", "handoff", "queued", "assigned",
              "first_response", "solved", "csat"):
        assert k in kinds, (k, rows)
    assert rows[0][:3] == ("conv", "en", "widget"), rows
    assert ("csat", None, None, "wann", None, 4) in rows, rows
    for secret in ("vis_S-0123456789abcdef", "secret comment", "hello there", "lost my phone"):
        assert secret not in text, secret
    today = time.strftime("%Y-%m-%d", time.gmtime())
    b = _stats(srv, boss, **{"from": today, "to": today})
    t = b["total"]
    assert t["conversations"] == 1 and t["handoffs"] == 1 and t["contained"] == 0, t
    assert t["first_response_ms"]["n"] == 1 and t["resolution_ms"]["n"] == 1, t
    assert t["queue_wait_ms"]["n"] == 1 and t["csat"]["avg"] == 4.0, t
    assert t["csat"]["response_rate"] == 1.0, t
    assert [a["login"] for a in b["agents"]] == ["wann"] and b["agents"][0]["name"] == "Wann", b


@test(server=STATS_SRV)
def stats_repeat_contacts_by_visitor_and_email(srv):
    """A second case of the same widget visitor within 7 days is a repeat by visitor; a left
    message with the email (with consent) of an earlier one is a repeat by email."""
    for i, cid in enumerate(("rep1", "rep2")):
        v = srv.ws()
        hello(v, lang="en", visitor="vis_R-0123456789abcdef")
        v.send_json({"type": "handoff"})
        v.expect("message", **{"from": "bot"})
        v.sync()
        v.close()
        time.sleep(0.01)
    for i in range(2):  # nobody online: a handoff, then a message left with the email
        v = srv.ws()
        hello(v, lang="en")
        v.send_json({"type": "handoff"})
        until(v, "offline")
        v.send_json({"type": "leave_message", "text": "call me back",
                     "email": "Sam@example.com" if i else "sam@example.com", "consent": True})
        until(v, "message_left")
        v.close()
        time.sleep(0.01)
    c = srv.db()
    bits = [r[0] for r in c.execute("SELECT value FROM stats_events WHERE kind = 'case'"
                                    " ORDER BY id")]
    left = [r[0] for r in c.execute("SELECT value FROM stats_events WHERE kind = 'ticket'"
                                    " ORDER BY id")]
    c.close()
    assert bits == [0, 1, 0, 0], bits  # the second of visitor R's cases
    assert left == [0, 2], left  # the same email (any case) again within 7 days
    boss = _cookie(srv, "rboss", "admin")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    r = _stats(srv, boss, **{"from": today, "to": today})["total"]["repeat_contacts"]
    assert r == {"by_visitor": 1, "by_email": 1, "rate": 0.5}, r


@test(server=STATS_SRV, sqlite_only=True)
def store_v9_gets_stats_events(srv):
    """A v9 file (no stats_events) is migrated to v11 at the start, every row kept (and the
    record backfilled), and the server writes the analytics record from then on."""
    v = srv.ws()
    hello(v, lang="ar")
    v.close()
    srv.stop()
    path = os.path.join(srv.dir, "v9.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    nconv = dst.execute("SELECT count(*) FROM conversations").fetchone()[0]
    for ix in ("stats_events_ts", "stats_events_kind_ts", "stats_events_conv",
               "stats_events_start", "profiles_email", "tickets_email"):
        dst.execute("DROP INDEX %s" % ix)
    dst.execute("DROP TABLE stats_events")
    dst.execute("PRAGMA user_version = 9")
    dst.commit()
    dst.close()
    # sanad stats opens the store read-only: a v9 file is refused, not migrated
    before = open(path, "rb").read()
    p = subprocess.run([srv.sanad, "stats", "--store-db", path], capture_output=True, timeout=60)
    assert p.returncode == 3 and b"schema 9" in p.stderr, p
    assert open(path, "rb").read() == before
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v9-store-stats", dict(STATS_SRV, **{"store-db": path}))
    try:
        s.store = path
        assert ("from=9 to=%d" % STORE_SCHEMA) in s.logtext(), s.logtext()
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        assert c.execute("SELECT count(*) FROM conversations").fetchone()[0] == nconv
        # backfilled (backfill_tests.py): the conversation there was has its conv row
        assert c.execute("SELECT count(*) FROM stats_events WHERE kind = 'conv'"
                         ).fetchone()[0] == nconv
        c.close()
        v = s.ws()
        hello(v, lang="en")
        v.close()
        assert s.count("SELECT count(*) FROM stats_events WHERE kind = 'conv'") == nconv + 1
    finally:
        s.stop()


@test(server=STATS_SRV)
def stats_transfer_counts_for_both_agents(srv):
    """A chat transferred from one agent to another and solved there: a chat of each, the
    queue wait counted once, the handling time the second agent's (from the transfer)."""
    boss = _cookie(srv, "tboss", "admin")
    add_user(srv, "tx1", name="Sara")
    add_user(srv, "tx2", name="Karim")
    a1, *_ = agent_ws(srv, "tx1")
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    conv = vw["conversation"]
    until(a1, "assigned", conversation=conv)
    a2, *_ = agent_ws(srv, "tx2")
    a1.send_json({"type": "transfer", "conversation": conv, "to": "tx2", "note": "billing"})
    until(a1, "closed", conversation=conv)
    until(a2, "assigned", conversation=conv)
    a2.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(a2, "closed", conversation=conv)
    vis.close()
    a1.close()
    a2.close()
    rows = srv.db().execute("SELECT kind, agent, sub FROM stats_events WHERE conv = ?"
                            " AND kind IN ('assigned', 'solved') ORDER BY id", (conv,)).fetchall()
    assert rows == [("assigned", "tx1", None), ("assigned", "tx2", "transfer"),
                    ("solved", "tx2", "solved")], rows
    today = time.strftime("%Y-%m-%d", time.gmtime())
    b = _stats(srv, boss, **{"from": today, "to": today})
    assert b["total"]["queue_wait_ms"]["n"] == 1, b["total"]
    ag = {a["login"]: a for a in b["agents"]}
    assert ag["tx1"]["chats"] == 1 and ag["tx2"]["chats"] == 1, ag
    assert ag["tx1"]["handling_ms"]["median"] is None, ag
    assert ag["tx2"]["handling_ms"]["median"] is not None, ag
    b = _stats(srv, boss, **{"from": today, "to": today, "agent": "tx2"})
    assert b["total"]["conversations"] == 1 and [a["login"] for a in b["agents"]] == ["tx2"], b
