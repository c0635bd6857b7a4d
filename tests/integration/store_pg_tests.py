# The PostgreSQL conversation store (issue 17, bot/store_pg.c): run by tests/integration/run,
# whose helpers (test, Server, hello, ask, visitor_handoff, until) it uses. Every test here
# runs against one real PostgreSQL (tests/pgtemp.py) that the first of them starts and the
# end of the run stops, each on a database of its own; real `sanad serve` processes with
# --store postgres, real WebSocket clients, and store-driver (tests/bench/store_driver.c,
# beside the binary) for two connections adding to one conversation at once. Every name here
# starts with _spg (or pg_store for the tests): the test files share one namespace.

import atexit
import threading

sys.path.insert(0, os.path.join(ROOT, "tests"))
from pgtemp import PgTemp  # noqa: E402

_SPG = {"pg": None, "n": 0}


def _spg_stop():
    if _SPG["pg"] is not None:
        _SPG["pg"].stop()
        _SPG["pg"] = None


def _spg_db():
    """A fresh database on the run's PostgreSQL: (name, dsn)."""
    if _SPG["pg"] is None:
        _SPG["pg"] = PgTemp().start()
        atexit.register(_spg_stop)
    _SPG["n"] += 1
    name = "store_pg_%d" % _SPG["n"]
    return name, _SPG["pg"].create_db(name)


def _spg_psql(db, sql):
    return _SPG["pg"].psql(sql, db).strip()


def _spg_server(srv, name, dsn, **extra):
    """A dedicated sanad serve on the PostgreSQL store dsn (its own directory: the accounts
    and the KB stay local files)."""
    keys = {"store": "postgres", "pg-dsn": dsn, "rate": 10000, "burst": 10000,
            "abuse-limit": 10000}
    keys.update(extra)
    return Server(srv.sanad, srv.tmp, srv.kb_db, name, keys)


class _SpgDriver:
    """One store-driver process: one struct store on its own connection."""

    def __init__(self, sanad, *args):
        path = os.path.join(os.path.dirname(sanad), "store-driver")
        # surrogateescape: a test can send bytes that are not UTF-8 ("\udcff" is 0xff)
        self.p = subprocess.Popen([path] + list(args), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  encoding="utf-8", errors="surrogateescape")
        self.first = self.read()

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def read(self):
        import select
        r, _, _ = select.select([self.p.stdout], [], [], 120)
        assert r, "store-driver did not answer"
        return self.p.stdout.readline().rstrip("\n")

    def cmd(self, line):
        self.send(line)
        return self.read()

    def close(self):
        if self.p.poll() is None:
            try:
                self.send("quit")
            except BrokenPipeError:
                pass
        rc = self.p.wait(30)
        err = self.p.stderr.read()
        self.p.stdin.close()
        self.p.stdout.close()
        self.p.stderr.close()
        return rc, err


def _spg_seqs(db, conv):
    out = _spg_psql(db, "SELECT seq FROM sanad_store.messages WHERE conv_id = '%s' ORDER BY seq"
                % conv)
    return [int(x) for x in out.split()] if out else []


def _spg_stop_all(servers):
    errors = []
    for s in servers:
        try:
            s.stop()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, errors


@test()
def pg_store_serves_and_resumes_on_another_node(srv):
    """Two servers on one PostgreSQL store: a conversation begun on one resumes on the other
    with its token (replay in seq order, no gap), goes on there under the next seqs, and the
    rows are PostgreSQL's (nothing in either node's SQLite store)."""
    db, dsn = _spg_db()
    a = _spg_server(srv, "pg_resume_a", dsn)
    b = _spg_server(srv, "pg_resume_b", dsn)
    try:
        ws = a.ws()
        w, first = hello(ws, lang="en")
        assert [m["seq"] for m in first] == [1], first
        ack, bot = ask(ws, EN_Q, "n1")
        assert (ack["seq"], bot["seq"]) == (2, 3), (ack, bot)
        ws.close()
        ws = b.ws()
        w2, msgs = hello(ws, token=w["token"], last_seq=0, lang="en")
        assert w2["resumed"] is True and w2["conversation"] == w["conversation"], w2
        assert [m["seq"] for m in msgs] == [1, 2, 3], msgs
        assert msgs[1]["client_id"] == "n1" and msgs[1]["text"] == EN_Q, msgs
        ack, bot = ask(ws, EN_Q, "n2")
        assert (ack["seq"], bot["seq"]) == (4, 5), (ack, bot)
        # the same client id again, on the first node: the stored seq, nothing written
        ws.close()
        ws = a.ws()
        hello(ws, token=w["token"], last_seq=5, lang="en")
        ws.send_json({"type": "message", "text": EN_Q, "client_id": "n2"})
        assert ws.expect("ack", client_id="n2")["seq"] == 4
        assert ws.sync() == []
        ws.close()
        assert _spg_seqs(db, w["conversation"]) == [1, 2, 3, 4, 5]
        assert _spg_psql(db, "SELECT last_seq, state FROM sanad_store.conversations WHERE id = '%s'"
                     % w["conversation"]) == "5|bot"
        # the dialogue went through as bytes (bytea) and came back: the resumed node answered
        assert int(_spg_psql(db, "SELECT length(dialogue) FROM sanad_store.conversations")) > 0
        for s in (a, b):
            assert not os.path.exists(s.store) or s.count(
                "SELECT count(*) FROM sqlite_master WHERE name = 'messages'") == 0 or s.count(
                "SELECT count(*) FROM messages") == 0
    finally:
        _spg_stop_all([a, b])


@test()
def pg_store_two_connections_add_to_one_conversation(srv):
    """Two connections (two processes: as two nodes) add 200 messages each to one
    conversation at the same time: seqs 1..400, none given twice, none skipped, last_seq 400.
    Then both add the same 100 client ids at once, in batches: each id is stored once and
    both connections are told the same seq for it."""
    db, dsn = _spg_db()
    d1, d2 = _SpgDriver(srv.sanad, "pg", dsn), _SpgDriver(srv.sanad, "pg", dsn)
    try:
        assert (d1.first, d2.first) == ("ready", "ready"), (d1.first, d2.first)
        assert d1.cmd("create c_race") == "ok"
        assert d2.cmd("create c_race").startswith("err -6 "), "a second create is a conflict"
        d1.send("many c_race 200 a 0")
        d2.send("many c_race 200 b 0")
        r1, r2 = d1.read(), d2.read()
        assert r1.startswith("ok ") and r2.startswith("ok "), (r1, r2)
        s1 = [int(x) for x in r1.split()[2].split(",")]
        s2 = [int(x) for x in r2.split()[2].split(",")]
        assert all(x > 0 for x in s1 + s2), "no duplicate among distinct client ids"
        assert sorted(s1 + s2) == list(range(1, 401)), (s1[:10], s2[:10])
        assert s1 == sorted(s1) and s2 == sorted(s2)  # each connection's own in order
        assert _spg_seqs(db, "c_race") == list(range(1, 401))
        assert _spg_psql(db, "SELECT last_seq FROM sanad_store.conversations") == "400"
        d1.send("many c_race 100 same 10")
        d2.send("many c_race 100 same 7")
        r1, r2 = d1.read(), d2.read()
        assert r1.startswith("ok ") and r2.startswith("ok "), (r1, r2)
        s1 = [int(x) for x in r1.split()[2].split(",")]
        s2 = [int(x) for x in r2.split()[2].split(",")]
        for x, y in zip(s1, s2):
            assert abs(x) == abs(y) and (x > 0) != (y > 0), (x, y)  # one stored, one dup
        assert sorted(abs(x) for x in s1) == list(range(401, 501))
        assert _spg_seqs(db, "c_race") == list(range(1, 501))
        assert _spg_psql(db, "SELECT count(DISTINCT client_id) FROM sanad_store.messages") == "500"
        assert d1.cmd("add nowhere - x").startswith("err -2 "), "no conversation: SN_ENOTFOUND"
    finally:
        for d in (d1, d2):
            rc, err = d.close()
            assert rc == 0, err


@test()
def pg_store_batches_crossing_two_conversations(srv):
    """Two nodes' batches that add to the same two conversations in opposite orders: the
    second writer of a conversation waits for the first batch's commit (the row lock), and the
    cycle is a deadlock PostgreSQL breaks by failing one batch: that one is lost whole
    (SN_EDB, nothing of it stored), the other commits, and its node's next batch works."""
    db, dsn = _spg_db()
    d1, d2 = _SpgDriver(srv.sanad, "pg", dsn), _SpgDriver(srv.sanad, "pg", dsn)
    try:
        assert d1.cmd("create c_x") == "ok" and d1.cmd("create c_y") == "ok"
        assert d1.cmd("begin") == "ok" and d2.cmd("begin") == "ok"
        assert d1.cmd("add c_x 1x one") == "ok 1 0"
        assert d2.cmd("add c_y 2y one") == "ok 1 0"
        d1.send("add c_y 1y two")  # waits for d2's batch
        d2.send("add c_x 2x two")  # waits for d1's: a cycle, one of them is failed
        r1, r2 = d1.read(), d2.read()
        # the winner's second message is the first of that conversation: the loser's is gone
        assert sorted([r1[:6], r2[:6]]) == ["err -4", "ok 1 0"], (r1, r2)
        assert "deadlock" in (r1 + r2)
        loser, winner = (d1, d2) if r1.startswith("err") else (d2, d1)
        assert loser.cmd("end").startswith("err -4 ")
        assert winner.cmd("end") == "ok"
        w = "2" if winner is d2 else "1"
        assert sorted(_spg_psql(db, "SELECT client_id FROM sanad_store.messages").split()) == \
            sorted([w + "x", w + "y"])
        assert _spg_psql(db, "SELECT string_agg(last_seq::text, ',' ORDER BY id) FROM"
                         " sanad_store.conversations") == "1,1"
        assert loser.cmd("begin") == "ok"
        assert loser.cmd("add c_x again -").startswith("ok 2 0")
        assert loser.cmd("end") == "ok"
    finally:
        for d in (d1, d2):
            rc, err = d.close()
            assert rc == 0, err


def _spg_listener(dsn, channel):
    """psql LISTENing on channel: notifications are printed when it next reads a statement."""
    p = subprocess.Popen([os.path.join(_SPG["pg"].bin, "psql"), "-X", "-q", "-A", "-t", "-d", dsn],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    p.stdin.write("LISTEN %s;\nSELECT 'listening';\n" % channel)
    p.stdin.flush()
    assert p.stdout.readline().strip() == "listening"
    return p


def _spg_heard(p):
    """The payloads p was told since, in order (psql prints them before the next result)."""
    out, _ = p.communicate("SELECT 'end';\n", timeout=30)
    return [l.split('payload "', 1)[1].rsplit('"', 1)[0] for l in out.splitlines()
            if "Asynchronous notification" in l]


@test()
def pg_store_msg_add_notifies_at_commit(srv):
    """Each stored message is announced on channel sanad_msg as "conv seq node" (the node
    that stored it, "" until store_pg_set_node), at commit: a batch's at its end, in order; a
    duplicate client id, a missing conversation and a lost batch announce nothing."""
    db, dsn = _spg_db()
    d = _SpgDriver(srv.sanad, "pg", dsn)
    ear = _spg_listener(dsn, "sanad_msg")
    try:
        assert d.cmd("create c_n") == "ok"
        assert d.cmd("add c_n k1 one") == "ok 1 0"
        assert d.cmd("node node-a:8080") == "ok"
        assert d.cmd("add c_n k1 again") == "ok 1 1"  # duplicate: nothing
        assert d.cmd("add c_x - lost").startswith("err -2 ")
        assert d.cmd("begin") == "ok"
        assert d.cmd("add c_n k2 two") == "ok 2 0"
        assert d.cmd("add c_n - three") == "ok 3 0"
        assert d.cmd("end") == "ok"
        assert _spg_heard(ear) == ["c_n 1 ", "c_n 2 node-a:8080", "c_n 3 node-a:8080"]
        ear = _spg_listener(dsn, "sanad_msg")
        assert d.cmd("begin") == "ok"
        assert d.cmd("add c_n k4 four") == "ok 4 0"
        _spg_psql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
              " application_name = '' AND pid <> pg_backend_pid() AND state LIKE 'idle in%'")
        assert d.cmd("add c_n k5 five").startswith("err -4 ")
        assert d.cmd("end").startswith("err -4 ")
        assert _spg_heard(ear) == []
        assert _spg_seqs(db, "c_n") == [1, 2, 3]
    finally:
        ear.kill()
        ear.wait()
        rc, err = d.close()
        assert rc == 0, err


@test()
def pg_store_hostile_values_are_data(srv):
    """Ids, client ids and texts full of SQL are stored and read back as they were (every
    statement takes parameters, none is built from input); a text that is not UTF-8 fails
    cleanly (SN_EDB) outside a batch, writes nothing, and the next call works."""
    db, dsn = _spg_db()
    d = _SpgDriver(srv.sanad, "pg", dsn)
    try:
        conv = "c'q\";--"
        assert d.cmd("create %s" % conv) == "ok"
        evil = ("x'); DROP TABLE sanad_store.messages; -- O'Brien \\ %% _ $1"
                " \u0645\u0631\u062d\u0628\u0627")
        assert d.cmd("add %s it's\"1 %s" % (conv, evil)) == "ok 1 0"
        assert d.cmd("add %s it's\"1 other" % conv) == "ok 1 1"
        assert d.cmd("add %s - \udcff\udcfe" % conv).startswith("err -4 ")
        assert d.cmd("add %s - fine" % conv) == "ok 2 0"
        assert d.cmd("each %s" % conv) == "ok 1:visitor:it's\"1,2:visitor:-"
        got = _spg_psql(db, "SELECT text FROM sanad_store.messages WHERE seq = 1")
        assert got == evil, got
        assert _spg_psql(db, "SELECT count(*) FROM sanad_store.conversations WHERE id = $$%s$$"
                     % conv) == "1"
        assert d.cmd("add nosuch' - x").startswith("err -2 ")
        # a read that fails inside a batch aborts its transaction: the batch reports it (a
        # COMMIT there would be a silent rollback) and nothing of it is stored
        assert d.cmd("begin") == "ok"
        assert d.cmd("add %s - in-the-batch" % conv) == "ok 3 0"
        assert d.cmd("each \udcff").startswith("err -4 ")
        assert d.cmd("end").startswith("err -4 ")
        assert d.cmd("add %s - after" % conv) == "ok 3 0"
    finally:
        rc, err = d.close()
        assert rc == 0, err


@test()
def pg_store_migrates_once_when_nodes_start_together(srv):
    """Three servers started at once on an empty database all come up on one schema (the
    migration under an advisory lock: one creates it, the others find it done). A database
    whose sanad_store_version is newer than the binary's is refused and left as it is."""
    db, dsn = _spg_db()
    # a reader (sanad stats opens the store read-only) never migrates: refused, nothing made
    p = subprocess.run([srv.sanad, "stats", "--store", "postgres", "--pg-dsn", dsn,
                        "--store-db", os.path.join(srv.tmp, "pg_none.db")],
                       capture_output=True, timeout=60)
    assert p.returncode == 3 and b"start the server once" in p.stderr, p.stderr
    assert _spg_psql(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'sanad_store'") == "0"
    servers, errors = [], []

    def start(i):
        try:
            servers.append(_spg_server(srv, "pg_mig_%d" % i, dsn))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
    threads = [threading.Thread(target=start, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    try:
        assert not errors and len(servers) == 3, errors
        assert _spg_psql(db, "SELECT v FROM sanad_store_version") == "1"
        assert _spg_psql(db, "SELECT count(*) FROM sanad_store_version") == "1"
        tables = _spg_psql(db, "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM"
                       " information_schema.tables WHERE table_schema = 'sanad_store'")
        assert tables.split() == sorted(
            ["conversations", "messages", "feedback", "csat", "tickets", "canned", "attachments",
             "profiles", "cases", "case_events", "audit", "stats_events"]), tables
        ws = servers[2].ws()
        hello(ws, lang="ar")
        ws.close()
    finally:
        _spg_stop_all(servers)
    before = _spg_psql(db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                   " c.relnamespace WHERE n.nspname = 'sanad_store'")
    _spg_psql(db, "UPDATE sanad_store_version SET v = 2")
    p = subprocess.run([srv.sanad, "serve", "--port", "0", "--bind", "127.0.0.1", "--db",
                        srv.kb_db, "--store-db", os.path.join(srv.tmp, "pg_newer.db"),
                        "--store", "postgres", "--pg-dsn", dsn], capture_output=True, timeout=60)
    assert p.returncode != 0 and b"newer than this binary" in p.stderr, p.stderr
    assert _spg_psql(db, "SELECT v FROM sanad_store_version") == "2"
    assert _spg_psql(db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                 " c.relnamespace WHERE n.nspname = 'sanad_store'") == before
    d = _SpgDriver(srv.sanad, "pg", dsn)
    assert d.first.startswith("err -4 ") and "newer" in d.first, d.first
    assert d.close()[0] == 3


@test()
def pg_store_survives_a_postgres_restart(srv):
    """PostgreSQL restarted between two store calls: the next call reconnects and works. A
    batch open across the restart fails as a whole (SN_EDB, its later writes refused too:
    none of it is stored) and the next batch works. Then a server: a visitor's message after
    the restart is stored and answered (the client may have to reconnect once)."""
    db, dsn = _spg_db()
    d = _SpgDriver(srv.sanad, "pg", dsn)
    try:
        assert d.cmd("create c_rs") == "ok"
        assert d.cmd("add c_rs m1 one") == "ok 1 0"
        _SPG["pg"].restart()
        assert d.cmd("add c_rs m2 two") == "ok 2 0"
        assert d.cmd("begin") == "ok"
        assert d.cmd("add c_rs m3 three") == "ok 3 0"
        _SPG["pg"].restart()
        assert d.cmd("add c_rs m4 four").startswith("err -4 ")
        assert d.cmd("add c_rs m5 five").startswith("err -4 ")
        assert d.cmd("end").startswith("err -4 ")
        assert d.cmd("begin") == "ok"
        assert d.cmd("add c_rs m6 six") == "ok 3 0"
        assert d.cmd("end") == "ok"
        assert d.cmd("each c_rs") == "ok 1:visitor:m1,2:visitor:m2,3:visitor:m6"
    finally:
        rc, err = d.close()
        assert rc == 0, err
    a = _spg_server(srv, "pg_restart", dsn)
    try:
        ws = a.ws()
        w, _ = hello(ws, lang="en")
        ask(ws, EN_Q, "r1")
        _SPG["pg"].restart()
        got = None
        for attempt in range(5):  # a batch cut by the restart closes the socket (1011)
            try:
                if attempt:
                    ws = a.ws()
                    hello(ws, token=w["token"], last_seq=3, lang="en")
                got = ask(ws, EN_Q, "r2")
                break
            except Closed:
                time.sleep(0.2)
        assert got, "no answer after the restart"
        assert got[0]["seq"] == 4 and got[1]["seq"] == 5, got
        ws.close()
        assert _spg_seqs(db, w["conversation"]) == [1, 2, 3, 4, 5]
    finally:
        _spg_stop_all([a])


@test()
def pg_store_canned_from_the_cli(srv):
    """sanad canned add/list/rm against the PostgreSQL store (--store postgres --pg-dsn, or
    a --config file naming it); an agent's console on a node of that store gets the
    library."""
    db, dsn = _spg_db()
    base = [srv.sanad, "canned"]
    pg = ["--store", "postgres", "--pg-dsn", dsn]

    def run(*args, stdin=None):
        return subprocess.run(base + list(args), capture_output=True, timeout=60,
                              input=stdin)
    p = run("add", "greet", "--lang", "en", "--text", "Hello there", *pg)
    assert p.returncode == 0, p.stderr
    conf = os.path.join(srv.tmp, "pg_canned.conf")
    with open(conf, "w") as f:
        f.write("store postgres\npg_dsn %s\n" % dsn)
    p = run("add", "greet", "--lang", "ar", "--config", conf, stdin="أهلا بك".encode())
    assert p.returncode == 0, p.stderr
    p = run("add", "greet", "--lang", "en", "--text", "Hello again", *pg)  # replaces
    assert p.returncode == 0, p.stderr
    p = run("list", "--json", *pg)
    assert p.returncode == 0, p.stderr
    got = [(c["shortcut"], c["lang"], c["text"]) for c in json.loads(p.stdout)]
    assert got == [("greet", "ar", "أهلا بك"), ("greet", "en", "Hello again")], got
    assert run("rm", "greet", "--lang", "ar", "--config", conf).returncode == 0
    assert run("rm", "greet", "--lang", "ar", *pg).returncode == 1  # not found
    assert _spg_psql(db, "SELECT shortcut || ' ' || lang FROM sanad_store.canned") == "greet en"
    # a bad DSN: a clear failure, exit 3
    p = run("list", "--store", "postgres", "--pg-dsn", "host=127.0.0.1 port=1 dbname=x")
    assert p.returncode == 3 and b"cannot connect" in p.stderr, p.stderr
    p = run("list", *pg, "--pg-password-file", os.path.join(srv.tmp, "no-such-password"))
    assert p.returncode == 3 and b"password file" in p.stderr, p.stderr
    pw = os.path.join(srv.tmp, "pg_canned.pw")
    with open(pw, "w") as f:
        f.write("not-needed-with-trust\n")
    p = run("list", "--json", *pg, "--pg-password-file", pw)
    assert p.returncode == 0 and len(json.loads(p.stdout)) == 1, p.stderr
    p = run("list", "--store", "postgres")  # no pg_dsn: refused as a config error
    assert p.returncode == 2 and p.stderr, p.stderr
    p = run("list", "--store", "mysql", "--pg-dsn", dsn)
    assert p.returncode == 2 and p.stderr, p.stderr
    a = _spg_server(srv, "pg_canned", dsn)
    try:
        add_user(a, "pgagent")
        ws, _, _, _ = agent_ws(a, "pgagent")
        assert [(c["shortcut"], c["lang"]) for c in ws.canned["items"]] == [("greet", "en")], \
            ws.canned
        ws.close()
    finally:
        _spg_stop_all([a])


@test()
def pg_store_handoff_queues_on_postgres(srv):
    """A visitor's handoff on a PostgreSQL node: the conversation is queued in PostgreSQL
    (conv_route), an agent's console on that node lists it (conv_each) with the start of the
    visitor's last message."""
    db, dsn = _spg_db()
    a = _spg_server(srv, "pg_handoff", dsn)
    try:
        add_user(a, "pgq")
        vis, w = visitor_handoff(a, "en", EN_Q)
        assert _spg_psql(db, "SELECT state FROM sanad_store.conversations WHERE id = '%s'"
                     % w["conversation"]) == "queued"
        assert int(_spg_psql(db, "SELECT queued_at FROM sanad_store.conversations")) > 0
        ws, _, q, _ = agent_ws(a, "pgq")
        convs = [e for e in q["items"] if e["conversation"] == w["conversation"]]
        assert convs and convs[0].get("last_question") == EN_Q, q
        ws.close()
        vis.close()
    finally:
        _spg_stop_all([a])


@test()
def pg_store_profile_feedback_and_left_message(srv):
    """The pre-chat form's profile, feedback on an answer and a left message are PostgreSQL
    rows; a second node sees the form done when the visitor resumes there."""
    db, dsn = _spg_db()
    form = {k: v for k, v in PRECHAT.items() if k in ("prechat", "departments")}
    a = _spg_server(srv, "pg_prof_a", dsn, **form)
    b = _spg_server(srv, "pg_prof_b", dsn, **form)
    try:
        ws = a.ws()
        w, _ = hello(ws, lang="en")
        ws.send_json({"type": "profile", "name": "Amal O'Neil", "email": "Amal@Example.COM",
                      "consent": True, "department": "tech"})
        ws.expect("profile_ok")
        assert _spg_psql(db, "SELECT name, email, consent, department FROM sanad_store.profiles") \
            == "Amal O'Neil|Amal@example.com|1|tech"
        ws.send_json({"type": "profile", "name": "Amal", "department": "billing"})  # replaces
        ws.expect("profile_ok")
        assert _spg_psql(db, "SELECT coalesce(name, '-'), coalesce(email, '-'), consent, department"
                     " FROM sanad_store.profiles") == "Amal|-|0|billing"
        ack, bot = ask(ws, EN_Q, "f1")
        ws.send_json({"type": "feedback", "seq": bot["seq"], "helpful": True})
        ws.expect("message", **{"from": "bot"})
        assert _spg_psql(db, "SELECT seq, helpful FROM sanad_store.feedback") == "%d|1" % bot["seq"]
        ws.close()
        ws = b.ws()
        w2, _ = hello(ws, token=w["token"], last_seq=0)
        assert w2["resumed"] and w2["prechat"]["done"] is True, w2
        ws.send_json({"type": "handoff"})
        until(ws, "offline")
        ws.send_json({"type": "leave_message", "text": "call me", "email": "sara@example.com",
                      "consent": True})
        until(ws, "message_left")
        assert _spg_psql(db, "SELECT conv_id, email, consent, text, status FROM sanad_store.tickets") \
            == "%s|sara@example.com|1|call me|open" % w["conversation"]
        ws.close()
    finally:
        _spg_stop_all([a, b])


@test()
def pg_store_attachments(srv):
    """Uploads on a PostgreSQL node: the row in sanad_store.attachments (att_add), served by
    id (att_get), the per-conversation cap counted there (att_count); another
    conversation's upload is its own."""
    db, dsn = _spg_db()
    a = _spg_server(srv, "pg_att", dsn, attachments_per_conversation=2)
    try:
        ws, w = visitor(a)
        st, _, j = upload(a, PNG, name="O'Brien's shot.png", token=w["token"])
        assert st == 201, (st, j)
        gst, gh, gb = a.get(j["url"])
        assert " 200 " in gst and gb == PNG and gh["content-type"] == "image/png", gst
        assert upload(a, PDF, token=w["token"])[0] == 201
        refused_upload(upload(a, GIF, token=w["token"]), 429, "too_many_attachments")
        assert _spg_psql(db, "SELECT count(*) FROM sanad_store.attachments WHERE conv_id = '%s'"
                     % w["conversation"]) == "2"
        assert _spg_psql(db, "SELECT name, type, size FROM sanad_store.attachments WHERE id = '%s'"
                     % j["id"]) == "O'Brien's shot.png|image/png|%d" % len(PNG)
        assert " 404 " in a.get("/api/attachments/" + "0" * 32)[0]
        other, ow = visitor(a)
        assert upload(a, GIF, token=ow["token"])[0] == 201
        ws.close()
        other.close()
    finally:
        _spg_stop_all([a])


@test()
def pg_store_agent_chat_note_close_and_rating(srv):
    """An agent's chat on a PostgreSQL node: assigned (conv_route), a reply stored once
    however often it is sent, an internal note in the agents' transcript and never in the
    visitor's replay (msg_each leaves it out), the close, and the visitor's rating (a second
    one replaces the first)."""
    db, dsn = _spg_db()
    a = _spg_server(srv, "pg_agent", dsn)
    try:
        add_user(a, "pgamal", name="Amal")
        ag, *_ = agent_ws(a, "pgamal")
        vis, vw = visitor_handoff(a, "en", EN_Q)
        conv = vw["conversation"]
        until(ag, "assigned", conversation=conv)
        t, _ = until(ag, "transcript", conversation=conv)
        assert [m["seq"] for m in t["messages"]] == list(range(1, len(t["messages"]) + 1)), t
        assert _spg_psql(db, "SELECT state FROM sanad_store.conversations") == "agent"
        assert int(_spg_psql(db, "SELECT agent_id FROM sanad_store.conversations")) > 0
        vis.expect("message", **{"from": "system"})
        vis.expect("agent_joined")
        for _ in range(2):  # the same client id twice: stored once
            ag.send_json({"type": "reply", "conversation": conv, "text": "hello",
                          "client_id": "r1"})
            ack, _ = until(ag, "ack", conversation=conv)
        assert vis.expect("message", **{"from": "agent"})["seq"] == ack["seq"]
        ag.send_json({"type": "note", "conversation": conv, "text": "SECRET-NOTE"})
        nack, _ = until(ag, "ack", conversation=conv)
        assert nack["seq"] == ack["seq"] + 1
        vis.drop()
        vis = a.ws()
        w2, msgs = hello(vis, token=vw["token"], last_seq=0)
        assert w2["state"] == "agent" and nack["seq"] not in [m["seq"] for m in msgs], msgs
        assert _spg_psql(db, "SELECT count(*) FROM sanad_store.messages WHERE sender = 'note'") == "1"
        assert _spg_psql(db, "SELECT count(*) FROM sanad_store.messages"
                     " WHERE client_id LIKE '%r1'") == "1"  # stored as a:r1
        ag.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
        until(vis, "closed")
        assert _spg_psql(db, "SELECT state, resolution FROM sanad_store.conversations") == \
            "closed|resolved"
        vis.send_json({"type": "csat", "rating": 4, "comment": "fast, 'thanks'"})
        assert vis.expect("csat_ok")["rating"] == 4
        assert _spg_psql(db, "SELECT rating, comment FROM sanad_store.csat") == "4|fast, 'thanks'"
        vis.send_json({"type": "csat", "rating": 5})
        assert vis.expect("csat_ok")["rating"] == 5
        assert _spg_psql(db, "SELECT rating, coalesce(comment, '-') FROM sanad_store.csat") == "5|-"
        vis.close()
        ag.close()
    finally:
        _spg_stop_all([a])
