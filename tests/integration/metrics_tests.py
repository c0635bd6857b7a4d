# Issue 16's Prometheus metrics (GET /metrics, docs/metrics.md): run by tests/integration/run,
# whose helpers (test, Server, hello, ask, refused, add_user, agent_ws, until) it uses.
#
# Activity is seeded through real sockets on a server of its own; every scrape is validated
# by promtool (Debian's prometheus package: `promtool check metrics` reads stdin and fails on
# a parse error or a lint problem) before its values are read by the small parser below and
# compared with what was done: the store's rows for the messages, turns, tickets and ratings,
# the frames the clients received for the errors and the rate limit, and the moves made for
# the histograms' counts. Then the access rule: unset on a loopback bind, unset on a public
# bind, addresses, bearer tokens, and hostile requests.

import re

_MET_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_MET_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
MET_SRV = {"rate": 20, "burst": 40, "abuse-limit": 1000}


def _met_promtool(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       timeout=60)
    out = (p.stdout + p.stderr).decode()
    assert p.returncode == 0 and not out.strip(), "promtool: rc %d\n%s" % (p.returncode, out)


def _met_parse(text):
    """{(name, frozenset of (label, value)): float} of the exposition (promtool checked it)."""
    values = {}
    for line in text.decode().split("\n"):
        if not line or line.startswith("#"):
            continue
        m = _MET_LINE.match(line)
        assert m, "unparsed line %r" % line
        labels = frozenset((k, v) for k, v in _MET_LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        assert key not in values, "duplicate series %r" % (key,)
        values[key] = float(m.group(4))
    return values


def _met_v(vals, name, **labels):
    return vals[(name, frozenset(labels.items()))]


def _met_scrape(srv, extra="", source="127.0.0.1"):
    st, h, body = srv.http(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                            "%s\r\n" % (srv.port, extra)).encode(), source=source)
    assert " 200 " in st, (st, body)
    assert h["content-type"] == "text/plain; version=0.0.4; charset=utf-8", h
    _met_promtool(body)
    return _met_parse(body)


def _met_status(srv, raw, source="127.0.0.1"):
    st, h, body = srv.http(raw, source=source)
    return int(st.split()[1]), h, body


def _met_get(srv, path="/metrics", extra="", source="127.0.0.1"):
    return _met_status(srv, ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s\r\n"
                         % (path, srv.port, extra)).encode(), source)


def _met_errors(frames):
    return [f["code"] for f in frames if f.get("type") == "error"]


def _met_drain(ws):
    """Every frame up to a pong (ws.sync), as a list."""
    return ws.sync()


@test(server=MET_SRV)
def metrics_seeded_activity_counts_exactly(srv):
    add_user(srv, "met1", name="Metrics Agent")
    ag, *_ = agent_ws(srv, "met1")
    base = _met_scrape(srv)
    assert _met_v(base, "sanad_sockets_open", kind="agent") == 1
    assert _met_v(base, "sanad_agents", presence="online") == 1
    for k in ("visitor", "bot", "agent", "system", "note"):
        assert _met_v(base, "sanad_messages_total", sender=k) == 0, k
    errors = []  # the codes of every error frame any client received
    # V1: answered, "no" (frustration: a person offered), "yes" (handoff: accepted_offer)
    v1 = srv.ws()
    w1, _ = hello(v1, lang="en")
    _, b = ask(v1, EN_Q, "q1")
    assert b["kind"] == "answer", b
    _, b = ask(v1, "no", "q2")
    assert b["kind"] == "fallback", b
    _, b = ask(v1, "yes", "q3")
    assert b["kind"] == "handoff", b
    c1 = w1["conversation"]
    until(ag, "assigned", conversation=c1)
    ag.send_json({"type": "reply", "conversation": c1, "text": "hello from metrics",
                  "client_id": "r1"})
    until(v1, "message", **{"from": "agent"})
    ag.send_json({"type": "close", "conversation": c1, "resolution": "resolved"})
    until(v1, "closed")
    v1.send_json({"type": "csat", "rating": 4})
    assert v1.expect("csat_ok")["rating"] == 4
    # V2: asks for a person in words (asked), assigned, stays with the agent
    v2 = srv.ws()
    w2, _ = hello(v2, lang="en")
    _, b = ask(v2, "talk to a human", "q1")
    assert b["kind"] == "handoff", b
    until(ag, "assigned", conversation=w2["conversation"])
    # the agent goes away; V3 presses the button (button), is queued, leaves a message
    ag.send_json({"type": "presence", "status": "away"})
    until(ag, "presence", status="away")
    v3 = srv.ws()
    hello(v3, lang="en")
    v3.send_json({"type": "handoff"})
    assert v3.expect("message", **{"from": "bot"})["kind"] == "handoff"
    v3.expect("offline")
    v3.expect("queue")
    v3.send_json({"type": "leave_message", "text": "call me back", "email": "m@example.com",
                  "consent": True})
    v3.expect("message_left")
    # V4: a miss (a person offered), bad frames
    v4 = srv.ws()
    hello(v4, lang="en")
    _, b = ask(v4, "zqxv plorbt wugga frindle", "q1")
    assert b["kind"] == "fallback", b
    errors.append(refused(v4, "bad_json", "{not json")["code"])
    errors.append(refused(v4, "unknown_type", {"type": "no_such_frame"})["code"])
    errors.append(refused(v4, "bad_field", {"type": "feedback", "seq": 1, "helpful": "yes"})["code"])
    # V5: a flood of pings past the bucket (burst 40, 20/s)
    v5 = srv.ws()
    hello(v5, lang="en")
    for _ in range(150):
        v5.send_json({"type": "ping"})
    flood = [v5.recv_json() for _ in range(150)]
    limited = [f for f in flood if f.get("type") == "error"]
    assert limited and all(f["code"] == "rate_limited" for f in limited), flood[:3]
    errors += [f["code"] for f in limited]
    time.sleep(2.5)  # the bucket refills: the sync's ping is answered
    assert v5.sync() == []
    errors += _met_errors(_met_drain(v1) + _met_drain(v2) + _met_drain(v3) + _met_drain(v4))
    vals = _met_scrape(srv)

    def delta(name, **labels):
        return _met_v(vals, name, **labels) - _met_v(base, name, **labels)

    # messages and turns: exactly the store's rows
    rows = srv.db().execute("SELECT sender, count(*) FROM messages GROUP BY sender").fetchall()
    stored = dict(rows)
    for k in ("visitor", "bot", "agent", "system", "note"):
        assert delta("sanad_messages_total", sender=k) == stored.get(k, 0), (k, stored)
    turns = srv.db().execute("SELECT kind, coalesce(band, 'none'), count(*) FROM messages"
                             " WHERE sender = 'bot' GROUP BY 1, 2").fetchall()
    want = {(k, bd): n for k, bd, n in turns}
    for kind in ("welcome", "intent", "answer", "suggestions", "fallback", "handoff"):
        for band in ("none", "low", "medium", "high"):
            got = delta("sanad_bot_turns_total", kind=kind, band=band)
            assert got == want.get((kind, band), 0), (kind, band, got, want)
    assert sum(want.values()) == stored["bot"]
    assert delta("sanad_handoffs_total", reason="asked") == 1
    assert delta("sanad_handoffs_total", reason="accepted_offer") == 1
    assert delta("sanad_handoffs_total", reason="button") == 1
    assert delta("sanad_human_offers_total", reason="frustration") == 1
    assert delta("sanad_human_offers_total", reason="miss") == 1
    assert delta("sanad_tickets_total") == srv.count("SELECT count(*) FROM tickets") == 1
    for s in range(1, 6):
        assert delta("sanad_csat_ratings_total", score=str(s)) == (1 if s == 4 else 0), s
    # errors: exactly the error frames the clients got, by code
    seen = {}
    for c in errors:
        seen[c] = seen.get(c, 0) + 1
    for (name, labels), v in vals.items():
        if name == "sanad_errors_total":
            code = dict(labels)["code"]
            assert v - base[(name, labels)] == seen.get(code, 0), (code, v, seen)
    assert delta("sanad_rate_limited_frames_total") == len(limited) == seen["rate_limited"]
    # histograms: one observation per event
    assert delta("sanad_queue_wait_seconds_count") == 2  # V1 and V2 assigned
    assert delta("sanad_first_response_seconds_count") == 1  # the one reply
    assert delta("sanad_resolution_seconds_count") == 1  # the one close
    answered = stored["bot"] - want.get(("welcome", "none"), 0)
    assert delta("sanad_bot_answer_seconds_count") == answered
    searched = sum(n for (k, bd), n in want.items() if bd != "none")
    assert searched <= delta("sanad_search_seconds_count") <= 2 * searched + 2 * answered
    for h in ("queue_wait", "first_response", "resolution", "bot_answer", "search"):
        n = "sanad_%s_seconds" % h
        inf = _met_v(vals, n + "_bucket", le="+Inf")
        assert inf == _met_v(vals, n + "_count"), h
        buckets = sorted(((float(dict(l)["le"]), v) for (nm, l), v in vals.items()
                          if nm == n + "_bucket"), key=lambda x: x[0])
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (h, buckets)
        assert _met_v(vals, n + "_sum") >= 0
    assert _met_v(vals, "sanad_queue_wait_seconds_bucket", le="+Inf") == \
        _met_v(vals, "sanad_queue_wait_seconds_count")
    # gauges: counted at the scrape
    assert _met_v(vals, "sanad_sockets_open", kind="visitor") == 5
    assert _met_v(vals, "sanad_sockets_open", kind="agent") == 1
    assert _met_v(vals, "sanad_queue_length") == 1
    assert _met_v(vals, "sanad_conversations", state="queued") == 1
    assert _met_v(vals, "sanad_conversations", state="agent") == 1
    assert _met_v(vals, "sanad_conversations", state="closed") == 1
    assert _met_v(vals, "sanad_conversations", state="bot") == 2
    assert _met_v(vals, "sanad_agents", presence="online") == 0
    assert _met_v(vals, "sanad_agents", presence="away") == 1
    for ws in (v1, v2, v3, v4, v5, ag):
        ws.close()
    # the sockets are counted when they are gone too
    for _ in range(100):
        vals = _met_scrape(srv)
        if _met_v(vals, "sanad_sockets_open", kind="visitor") == 0:
            break
        time.sleep(0.05)
    assert _met_v(vals, "sanad_sockets_open", kind="visitor") == 0
    assert _met_v(vals, "sanad_sockets_open", kind="agent") == 0


@test(server={})
def metrics_loopback_bind_hostile_requests(srv):
    st, h, _ = _met_get(srv)
    assert st == 200, st
    raw = ("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
           "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello" % srv.port).encode()
    st, h, _ = _met_status(srv, raw)
    assert st == 405 and h.get("allow") == "GET", (st, h)
    for m in ("PUT", "DELETE", "OPTIONS"):
        st, h, _ = _met_status(srv, ("%s /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                 "Connection: close\r\n\r\n" % (m, srv.port)).encode())
        assert st == 405, (m, st)
    for q in ("?name[]=sanad_errors_total", "?x=1", "?", "?format=json"):
        st, _, body = _met_get(srv, "/metrics" + q)
        assert st in (400,) or (q == "?" and st == 200), (q, st, body)
    for p in ("/metrics/", "/metrics/x", "/metricsx", "/METRICS", "/metrics/../metrics/x"):
        st, _, _ = _met_get(srv, p)
        assert st == 404, (p, st)
    st, _, body = srv.http(("GET /metrics%%00 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Connection: close\r\n\r\n" % srv.port).encode())
    assert b"sanad_" not in body, st  # lws refuses or closes: never the figures
    # the server still answers, and the scrape is still valid
    _met_scrape(srv)


@test(server={"trusted-proxies": "127.0.0.1"})
def metrics_unset_refuses_a_visitor_forwarded_by_a_trusted_proxy(srv):
    # a reverse proxy on the machine forwards the public to the loopback bind: its visitors
    # are not local, whatever path they ask for
    for h in ("X-Forwarded-For: 203.0.113.9\r\n", "Forwarded: for=203.0.113.9\r\n",
              "X-Forwarded-For: 127.0.0.1, 203.0.113.9\r\n"):
        st, _, body = _met_get(srv, extra=h)
        assert st == 404 and b"sanad_" not in body, (h, st)
    _met_scrape(srv)  # the proxy's own request (or a local tool) still gets the figures
    _met_scrape(srv, extra="X-Forwarded-For: 127.0.0.1\r\n")


@test(server={"metrics-allow": "127.0.0.2"})
def metrics_allow_addresses(srv):
    st, _, body = _met_get(srv, source="127.0.0.1")  # listed: no; loopback bind: no longer enough
    assert st == 404, (st, body)
    assert b"sanad_" not in body
    _met_scrape(srv, source="127.0.0.2")
    st, _, _ = _met_get(srv, extra="Authorization: Bearer anything\r\n")
    assert st == 404
    # a forged proxy header from an untrusted peer changes nothing
    st, _, _ = _met_get(srv, extra="X-Forwarded-For: 127.0.0.2\r\nForwarded: for=127.0.0.2\r\n")
    assert st == 404
    assert "event=metrics_refused ip=127.0.0.1" in srv.logtext()


_MET_TOKEN = "tok-" + "9f8e7d6c5b4a" * 4


# the file is read at each scrape that carries a token: the test writes it once its server runs
_MET_TOKEN_PATH = os.path.join(tempfile.gettempdir(), "sanad-metrics-bearer-%d" % os.getpid())


@test(server={"metrics-allow": "bearer:" + _MET_TOKEN_PATH})
def metrics_allow_bearer_token(srv):
    try:
        st, _, _ = _met_get(srv, extra="Authorization: Bearer %s\r\n" % _MET_TOKEN)
        assert st == 404, st  # no file yet: nobody
        with open(_MET_TOKEN_PATH, "w") as f:
            f.write(_MET_TOKEN + "\n")
        for extra in ("", "Authorization: Bearer\r\n", "Authorization: Bearer wrong\r\n",
                      "Authorization: Bearer %s\r\n" % _MET_TOKEN[:-1],
                      "Authorization: Bearer %sx\r\n" % _MET_TOKEN,
                      "Authorization: Basic %s\r\n" % _MET_TOKEN,
                      "Authorization: %s\r\n" % _MET_TOKEN,
                      "Authorization: Bearer %s\r\n" % ("A" * 5000)):
            st, _, body = _met_get(srv, extra=extra)
            assert st in (404, 431), (extra[:60], st)
            assert b"sanad_" not in body
        vals = _met_scrape(srv, extra="Authorization: Bearer %s\r\n" % _MET_TOKEN)
        assert ("sanad_queue_length", frozenset()) in vals
        _met_scrape(srv, extra="Authorization: bearer %s\r\n" % _MET_TOKEN)  # the scheme has no case
        # with the token, the method and the query are checked
        st, h, _ = _met_status(srv, ("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                 "Connection: close\r\nAuthorization: Bearer %s\r\n"
                                 "Content-Length: 0\r\n\r\n" % (srv.port, _MET_TOKEN)).encode())
        assert st == 405, st
        st, _, _ = _met_get(srv, "/metrics?debug=1", extra="Authorization: Bearer %s\r\n" % _MET_TOKEN)
        assert st == 400, st
        # a rotated token counts at once, the old one no longer
        with open(_MET_TOKEN_PATH, "w") as f:
            f.write("rotated-token\n")
        st, _, _ = _met_get(srv, extra="Authorization: Bearer %s\r\n" % _MET_TOKEN)
        assert st == 404, st
        _met_scrape(srv, extra="Authorization: Bearer rotated-token\r\n")
        # the file gone: nobody
        os.unlink(_MET_TOKEN_PATH)
        st, _, _ = _met_get(srv, extra="Authorization: Bearer rotated-token\r\n")
        assert st == 404, st
        assert "token=1" in srv.logtext() and _MET_TOKEN not in srv.logtext()
    finally:
        if os.path.exists(_MET_TOKEN_PATH):
            os.unlink(_MET_TOKEN_PATH)


class _MetBoundServer(Server):
    """A server bound to another address than 127.0.0.1 (Server insists on it)."""

    def __init__(self, sanad, tmp, kb_db, name, bind, extra=None):
        self.dir = os.path.join(tmp, name)
        self.sanad, self.tmp, self.kb_db = sanad, tmp, kb_db
        os.makedirs(self.dir)
        self.store = os.path.join(self.dir, "store.db")
        args = ([sanad, "serve", "--port", "0", "--bind", bind, "--db", kb_db] +
                store_args_for(self.store) +
                ["--widget-dir", os.path.join(tmp, "site", "widget"), "--log-level", "info"])
        for k, v in (extra or {}).items():
            args += ["--" + k, str(v)]
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        line = self._readline(30)
        if not line.startswith("listening http://%s:" % bind):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("server did not start: %r\n%s" % (line, self.logtext()))
        self.port = int(line.rstrip("/\n").rsplit(":", 1)[1])


@test()
def metrics_public_bind_is_404_unless_allowed(shared):
    # bound to every address (reached here through the loopback): unset means off
    srv = _MetBoundServer(shared.sanad, shared.tmp, shared.kb_db, "metrics-public-off", "0.0.0.0")
    try:
        st, _, body = _met_get(srv)
        assert st == 404 and b"sanad_" not in body, (st, body)
        st, _, _ = _met_get(srv, extra="Authorization: Bearer x\r\n")
        assert st == 404
        # the rest of the server is as it was
        st, _, _ = _met_get(srv, "/healthz")
        assert st == 200
    finally:
        srv.stop()
    srv = _MetBoundServer(shared.sanad, shared.tmp, shared.kb_db, "metrics-public-on", "0.0.0.0",
                       {"metrics-allow": "127.0.0.0/8"})
    try:
        _met_scrape(srv)
    finally:
        srv.stop()


@test()
def metrics_allow_bad_entries_stop_the_start(shared):
    for bad in ("10.0.0.0/33", "bearer:", "example.com", "1.2.3.4/", "bearer"):
        p = subprocess.run([shared.sanad, "serve", "--check-config", "--db", shared.kb_db,
                            "--metrics-allow", bad], capture_output=True, timeout=30)
        assert p.returncode == 2 and "metrics_allow" in p.stderr.decode(), (bad, p.stderr)
    p = subprocess.run([shared.sanad, "serve", "--check-config", "--db", shared.kb_db] +
                       shared.store_args() +
                       ["--metrics-allow", "10.0.0.0/8 bearer:/etc/Sanad/Token ::1"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
