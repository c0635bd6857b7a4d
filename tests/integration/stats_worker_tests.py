# GET /api/stats off the event loop (issue 16's follow-up; bot/apiworker.h, docs/analytics.md
# "Where the work runs"): the figures are computed on the API worker thread over its own
# read-only connections, so a visitor is answered while they are; one job at a time, at most
# BOT_API_WAITING_MAX (8) wait, past that 503 busy with Retry-After. Run by
# tests/integration/run after stats_tests.py, whose helpers (_seeded, _get, SEED) it uses.
#
# The slow requests read a store seeded with SQL (the server stopped) with many conversations'
# analytics rows, like scripts/bench-stats; no knob in the server. Times are only compared
# (which answer came first), never held against a limit.

import random
import threading

WORKER_SRV = dict(STATS_SRV)
# the seeded queries of stats_tests.py whose answers must be byte-identical to the answers of
# the server before the worker (recorded in stats_golden.json from that binary)
GOLDEN_QUERIES = [
    "from=2026-01-05&to=2026-01-11&group=day",
    "from=2026-01-05&to=2026-01-18&group=week",
    "from=2026-01-01&to=2026-01-11&group=week",
    "from=2025-12-15&to=2026-01-31&group=month",
    "from=2026-01-05&to=2026-01-06&group=hour",
    "from=2026-01-05&to=2026-01-11&tz=Asia%2FRiyadh",
    "from=2026-01-05&to=2026-01-11&lang=en",
    "from=2026-01-05&to=2026-01-11&agent=ann&channel=widget",
]
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_golden.json")
BIG_QUERY = "/api/stats?from=2026-01-01&to=2026-04-02&group=week"
BIG_CONVS = 60000  # some 400,000 analytics rows: a request takes a while (0.1 s and more) even at -O2
# the queue's tests need requests that outlast the sending of 14 of them (milliseconds), not
# a walk of a million rows each: a smaller store keeps the suite short
QUEUE_CONVS = 20000


def _raw_get(srv, path, cookie):
    """GET path on a new connection; (status, headers, body bytes)."""
    st, h, b = srv.http(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                         "Cookie: %s\r\n\r\n" % (path, srv.port, cookie)).encode())
    return int(st.split(" ")[1]) if st.startswith("HTTP/") else 0, h, b


def _seed_big(path, nconv):
    """nconv conversations over 92 days from 2026-01-01 with their analytics rows (as
    scripts/bench-stats writes them, without messages: the figures read stats_events only)."""
    rng = random.Random(16)
    start0, span = _ms("2026-01-01T00:00"), 92 * 24 * HOUR
    c = store_db(path, write=True)
    c.execute("PRAGMA synchronous=OFF")
    rows = []
    for i in range(nconv):
        cid, t = "big-%07d" % i, start0 + rng.randrange(span)
        lang = "ar" if rng.random() < 0.7 else "en"
        rows.append((t, "conv", cid, lang, "widget", None, None, None, None, None, t))
        for k in range(1, 6):
            rows.append((t + k * 40000, "turn", cid, None, None, None,
                         rng.choice(("answer", "answer", "suggestions", "fallback")), None,
                         None, None, t))
        if rng.random() < 0.3:
            ag, wait = "agent%02d" % rng.randrange(20), rng.randrange(5000, 600000)
            first = wait + rng.randrange(10000, 300000)
            res = first + rng.randrange(60000, 3600000)
            rows += [(t + 90000, "case", cid, None, None, None, None, None, 0, None, t),
                     (t + 90000, "handoff", cid, None, None, None, "asked", None, None, None, t),
                     (t + 90000, "queued", cid, None, None, None, None, None, None, None, t),
                     (t + 90000 + wait, "assigned", cid, None, None, ag, None, None, wait, None,
                      t),
                     (t + 90000 + first, "first_response", cid, None, None, ag, None, None,
                      first, None, t),
                     (t + 90000 + res, "solved", cid, None, None, ag, "solved", None, res,
                      res - wait, t)]
        if len(rows) > 50000:
            c.executemany("INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub,"
                          " band, value, value2, start) VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
            rows = []
    c.executemany("INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub, band,"
                  " value, value2, start) VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
    c.commit()
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def _big(srv, name, nconv=BIG_CONVS):
    """srv's store seeded with nconv conversations (srv stopped first), an admin, a second
    server on it (named name); returns (server, the admin's cookie)."""
    add_user(srv, "bigboss", role="admin", name="Big Boss")
    srv.stop()
    _seed_big(srv.store, nconv)
    s = Server(srv.sanad, srv.tmp, srv.kb_db, name, dict(WORKER_SRV, **{"store-db": srv.store}))
    s.store = srv.store
    st, h, body = login(s, "bigboss")
    assert " 200 " in st, (st, body)
    return s, session_cookie(h)


def _send_get(srv, path, cookie):
    """A GET sent on a new socket, not read yet (the caller reads or closes it)."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=120)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                  "Cookie: %s\r\n\r\n" % (path, srv.port, cookie)).encode())
    return sock


def _read_answer(sock):
    """(status, headers, body) of the answer on sock, read to its end; closes it."""
    data = b""
    for _ in range(100000):  # bounded: 64 KiB at a time
        d = sock.recv(65536)
        if not d:
            break
        data += d
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {l.partition(":")[0].strip().lower(): l.partition(":")[2].strip() for l in lines[1:]}
    return int(lines[0].split(" ")[1]) if lines[0].startswith("HTTP/") else 0, hdrs, body


@test(server=WORKER_SRV)
def stats_worker_answers_byte_identical(srv):
    """The seeded queries of stats_tests.py answer byte for byte what the server answered
    when it computed them on the loop (stats_golden.json, recorded from that binary); a bad
    argument is still 400 at once."""
    s, boss = _seeded(srv, "stats-worker-golden-2")
    try:
        got = {}
        for q in GOLDEN_QUERIES:
            st, h, b = _raw_get(s, "/api/stats?" + q, boss)
            assert st == 200 and h.get("content-type") == "application/json", (q, st, b)
            got[q] = b.decode("utf-8")
        if os.environ.get("SANAD_STATS_GOLDEN_RECORD"):  # recording with the old binary
            with open(os.environ["SANAD_STATS_GOLDEN_RECORD"], "w", encoding="utf-8") as f:
                json.dump(got, f, ensure_ascii=False, indent=1, sort_keys=True)
        with open(GOLDEN, encoding="utf-8") as f:
            want = json.load(f)
        for q in GOLDEN_QUERIES:
            assert got[q] == want[q], "%s:\n got  %s\n want %s" % (q, got[q], want[q])
        st, h, b = _raw_get(s, "/api/stats?tz=Mars%2FOlympus", boss)
        assert st == 400 and json.loads(b)["error"]["code"] == "bad_argument", (st, b)
    finally:
        s.stop()


@test(server=WORKER_SRV)
def stats_worker_visitor_answered_meanwhile(srv):
    """While a slow GET /api/stats runs (some 400,000 analytics rows), a visitor's question
    is answered: its answer arrives before the figures (only the order is asserted; the
    times are printed). Then the figures answer 200 with the whole span."""
    s, boss = _big(srv, "stats-worker-visitor-2")
    ws = None
    try:
        ws = s.ws()
        hello(ws, lang="en")
        ask(ws, EN_Q, "warm")  # the first answer's lazy work, done before the timing
        out = {}

        def stats():
            t0 = time.monotonic()
            out["answer"] = _read_answer(_send_get(s, BIG_QUERY, boss))
            out["stats_s"] = time.monotonic() - t0
            out["stats_done"] = time.monotonic()

        th = threading.Thread(target=stats)
        th.start()
        time.sleep(0.05)  # the request is read and being computed (not a limit: an ordering)
        t0 = time.monotonic()
        ack, bot = ask(ws, EN_Q, "during")
        visitor_done = time.monotonic()
        th.join(120)
        assert not th.is_alive(), "the stats request did not end"
        st, h, b = out["answer"]
        assert st == 200, (st, b)
        assert json.loads(b)["total"]["conversations"] == BIG_CONVS, b[:300]
        print("# visitor answered in %.1f ms while GET /api/stats took %.1f ms"
              % ((visitor_done - t0) * 1000, out["stats_s"] * 1000))
        assert bot["kind"] == "answer", bot
        assert visitor_done < out["stats_done"], (
            "the visitor waited for the figures: visitor %.3f s, stats %.3f s"
            % (visitor_done - t0, out["stats_s"]))
    finally:
        if ws:
            ws.close()
        s.stop()


@test(server=WORKER_SRV)
def stats_worker_client_gone_leaves_nothing(srv):
    """Clients that go away while their figures are computed (one running, two waiting), and
    a SIGTERM while one runs and one waits: the next request is answered as usual, the
    server exits 0 (under ASan: no leak, no use after free)."""
    s, boss = _big(srv, "stats-worker-gone-2", QUEUE_CONVS)
    try:
        socks = [_send_get(s, BIG_QUERY, boss) for _ in range(3)]
        time.sleep(0.05)
        for sock in socks:
            sock.close()
        st, h, b = _read_answer(_send_get(s, BIG_QUERY, boss))
        assert st == 200 and json.loads(b)["total"]["conversations"] == QUEUE_CONVS, (st, b[:300])
        st, h, b = _raw_get(s, "/api/me", boss)
        assert st == 200, (st, b)
        # a shutdown with one computed and one waiting: both dropped, the exit is clean
        socks = [_send_get(s, BIG_QUERY, boss) for _ in range(2)]
        time.sleep(0.05)
    finally:
        s.stop()
    for sock in socks:
        sock.close()


@test(server=WORKER_SRV)
def stats_worker_queue_full_503(srv):
    """One request computed, at most 8 waiting: of 14 sent at once, 8 or 9 are answered 200
    (9 when the first was taken before the ninth came), the rest 503 {"error": {"code":
    "busy"}} with Retry-After: 2; afterwards a request is answered again."""
    s, boss = _big(srv, "stats-worker-503-2", QUEUE_CONVS)
    try:
        socks = [_send_get(s, BIG_QUERY, boss) for _ in range(14)]
        answers = [_read_answer(sock) for sock in socks]
        ok = [a for a in answers if a[0] == 200]
        busy = [a for a in answers if a[0] == 503]
        assert len(ok) in (8, 9) and len(ok) + len(busy) == 14, [a[0] for a in answers]
        for st, h, b in busy:
            assert h.get("retry-after") == "2", h
            assert json.loads(b)["error"]["code"] == "busy", b
        assert len({a[2] for a in ok}) == 1, "the same query answered differently"
        st, h, b = _read_answer(_send_get(s, BIG_QUERY, boss))
        assert st == 200 and b == ok[0][2], (st, b[:300])
        assert "event=busy" in s.logtext()
    finally:
        s.stop()
