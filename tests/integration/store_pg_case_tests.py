# The PostgreSQL store's cases, case search, privacy, audit and stats (issue 17, pg-cases:
# bot/store_pg_case.c). Run by tests/integration/run, whose helpers (test, Server, hello, ask,
# until, add_user, agent_ws, login, ...) and the cases, cases API, privacy and stats tests'
# it uses. One real PostgreSQL (tests/pgtemp.py) is started by the first test that needs it
# and stopped when the run ends; each test has its own database in it. The servers are real
# `sanad serve --store postgres --pg-dsn ...` on loopback ports, driven by real WebSocket
# clients; where the same activity can be scripted, it runs against a SQLite server too and
# the answers are compared field by field (ids, references and times aside).

import atexit
import inspect
import itertools
import threading

sys.path.insert(0, os.path.join(ROOT, "tests"))
import pgtemp  # noqa: E402


def _psycopg2():
    """psycopg2 (python3-psycopg2), imported when a test first needs it: the rest of the
    suite runs without it."""
    import psycopg2
    import psycopg2.extras
    return psycopg2


_CASE_PG = []
_CASE_PG_DBS = itertools.count(1)


def _pg_test(**kw):
    """test(**kw) for this file's tests: each starts PostgreSQL servers of its own (and the
    SQLite ones it compares them with), so with `run --store postgres` (where every server is
    on PostgreSQL already) they are listed as not run, when the harness can say so."""
    if "sqlite_only" in inspect.signature(test).parameters:
        kw["sqlite_only"] = True
    return test(**kw)


def _pg():
    """The run's PostgreSQL, started on first use and stopped at exit."""
    if not _CASE_PG:
        pg = pgtemp.PgTemp().start()
        atexit.register(pg.stop)
        _CASE_PG.append(pg)
    return _CASE_PG[0]


def _pg_dsn():
    """A new database of the run's PostgreSQL: its DSN."""
    return _pg().create_db("pgcase%d" % next(_CASE_PG_DBS))


class _PgRows:
    """sqlite3's connection face over psycopg2, for the helpers that read srv.db(): `?`
    parameters, the store's schema first on the search path; row_factory sqlite3.Row gives
    rows that dict() takes."""

    def __init__(self, dsn):
        self.pg = _psycopg2()
        self.conn = self.pg.connect(dsn)
        self.conn.autocommit = True
        self.row_factory = None

    def execute(self, sql, args=()):
        factory = self.pg.extras.RealDictCursor if self.row_factory is sqlite3.Row else None
        cur = self.conn.cursor(cursor_factory=factory)
        cur.execute("SET search_path = sanad_store, public")
        cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
        return cur

    def commit(self):
        pass  # autocommit

    def close(self):
        self.conn.close()


class PgServer(Server):
    """`sanad serve --store postgres` on a database of its own (or dsn, shared with other
    nodes): the store and the accounts (sanad_auth) in PostgreSQL, the node's local files
    under --store-db. db() and count() read the store; store_args() are the CLI's flags
    that reach it (the harness's add_user uses them where it has them; add_user below
    where it does not)."""

    def __init__(self, base, name, extra=None, dsn=None):
        self.dsn = dsn or _pg_dsn()
        Server.__init__(self, base.sanad, base.tmp, base.kb_db, name,
                        dict(extra or {}, store="postgres", **{"pg-dsn": self.dsn}))

    def db(self, write=False):
        return _PgRows(self.dsn)

    def store_args(self):
        return ["--store", "postgres", "--pg-dsn", self.dsn, "--store-db", self.store]

    def psql(self, sql, bare=False):
        """sql by psql on s's database, the store's schema first on the search path (bare:
        sql alone, for what cannot run in a transaction block: VACUUM)."""
        return _pg().psql(sql if bare else "SET search_path = sanad_store, public; " + sql,
                          self.dsn.rsplit("dbname=", 1)[1].split()[0])


def _sqlite_cases(path):
    """The cases in the SQLite file at path (the accounts' file of a PG server): none."""
    if not os.path.exists(path):
        return 0
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        t = c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'cases'").fetchone()[0]
        return c.execute("SELECT count(*) FROM cases").fetchone()[0] if t else 0
    finally:
        c.close()


_HARNESS_ADD_USER = add_user


def add_user(srv, login, role="agent", name="Agent Name", pw=PW):
    """The harness's add_user, but for a PgServer the account goes to its PostgreSQL (where
    `sanad serve --store postgres` reads accounts): `sanad user add` with its store_args().
    Defined over the harness's one, so the other files' tests that this file runs against
    PostgreSQL reach the same accounts."""
    if not isinstance(srv, PgServer):
        return _HARNESS_ADD_USER(srv, login, role=role, name=name, pw=pw)
    p = subprocess.run([srv.sanad, "user", "add", login, "--role", role, "--name", name] +
                       srv.store_args(), input=(pw + "\n").encode(), capture_output=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr


def _pg_run(srv, name, extra, fn):
    """fn(the PG server) on a fresh PostgreSQL server with extra config; stopped after. The
    cases it made are in PostgreSQL, none in the SQLite file."""
    s = PgServer(srv, name, extra)
    try:
        fn(s)
        assert s.count("SELECT count(*) FROM cases") > 0
        assert _sqlite_cases(s.store) == 0
    finally:
        s.stop()


# ---- the SQLite store's case tests, unchanged, against PostgreSQL ----

@_pg_test()
def pg_cases_search_by_each_filter_and_paging(srv):
    """cases_search_by_each_filter_and_paging on PostgreSQL: every filter, the text in any
    case of ASCII letters, % and _ plain, SQL as text, dates, keyset paging."""
    _pg_run(srv, "pg-search", CASES_API_SRV, cases_search_by_each_filter_and_paging)


@_pg_test()
def pg_case_view_timeline_transcript_and_past(srv):
    """case_view_timeline_transcript_and_past on PostgreSQL: the timeline in order, the
    transcript, the left message, the visitor's other cases (the search by visitor_id with
    exclude_id)."""
    _pg_run(srv, "pg-view", CASES_API_SRV, case_view_timeline_transcript_and_past)


@_pg_test()
def pg_cases_api_hostile_parameters(srv):
    """cases_api_hostile_parameters on PostgreSQL: refused with 400, nothing changes."""
    _pg_run(srv, "pg-hostile", CASES_API_SRV, cases_api_hostile_parameters)


@_pg_test()
def pg_case_made_at_handoff_with_its_ref_everywhere_and_a_timeline(srv):
    """case_made_at_handoff_with_its_ref_everywhere_and_a_timeline on PostgreSQL."""
    _pg_run(srv, "pg-case-made", CASE_SRV,
            case_made_at_handoff_with_its_ref_everywhere_and_a_timeline)


@_pg_test()
def pg_handoff_reason_asked_and_one_case_per_open_request(srv):
    """handoff_reason_asked_and_one_case_per_open_request on PostgreSQL (case_find by
    conversation and visitor)."""
    _pg_run(srv, "pg-one-case", CASE_SRV, handoff_reason_asked_and_one_case_per_open_request)


@_pg_test()
def pg_left_message_belongs_to_the_case_or_makes_one(srv):
    """left_message_belongs_to_the_case_or_makes_one on PostgreSQL (ticket_get, the left
    message in the search)."""
    _pg_run(srv, "pg-left", CASE_SRV, left_message_belongs_to_the_case_or_makes_one)


def _pg_move_solved_at(srv, ref, days):
    """_move_solved_at for a PG server: the same UPDATE, in PostgreSQL."""
    c = srv.db()
    try:
        c.execute("UPDATE cases SET solved_at = solved_at - ?, updated = updated - ?"
                  " WHERE ref = ?", (int(days * 86400000), int(days * 86400000), ref))
    finally:
        c.close()


def _rebound(target, name, repl, fn):
    """fn() with the helper name bound to repl meanwhile, where the test function target
    looks it up (its file's namespace: the run's globals, or the file's own when the harness
    gives each file one)."""
    g = target.__globals__
    old = g[name]
    g[name] = repl
    try:
        fn()
    finally:
        g[name] = old


def _pg_reopen_steps(s):
    """reopen_within_reopen_days_by_visitor_id_and_not_after's steps and checks on a PG
    server, the join notice awaited wherever it comes (with the cluster on PostgreSQL it is
    delivered by NOTIFY, possibly after the frames the SQLite test reads up to its pong)."""
    add_user(s, "reop1", name="Re Op")
    ag, _, _, _ = agent_ws(s, "reop1")
    vis, w, _ = _visitor(s, VISITOR_A)
    a, _ = until(ag, "assigned", conversation=w["conversation"])
    ref = a["case_ref"]
    _solve(s, ag, w["conversation"])
    vis.close()
    _pg_move_solved_at(s, ref, 2.5)  # solved 2.5 days ago: within 3
    v2, w2, after = _visitor(s, VISITOR_A)
    assert w2["conversation"] != w["conversation"]
    a2, _ = until(ag, "assigned", conversation=w2["conversation"])
    assert a2["case_ref"] == ref, (a2, ref)
    joined = [f for f in after if f["type"] == "agent_joined"]  # by the pong, or later
    joined = joined[0] if joined else until(v2, "agent_joined")[0]
    assert joined["case_ref"] == ref, joined
    row = _case(s, ref)
    assert row["conv_id"] == w2["conversation"] and row["status"] == "open", row
    assert row["solved_at"] is None, row
    tl = _timeline(s, ref)
    reo = [(a_, det) for k, a_, det, _ in tl if k == "reopened"]
    assert reo == [("visitor", {"previous_conversation": w["conversation"]})], tl
    assert [k for k, _, _, _ in tl][-4:] == ["reopened", "handoff", "queued", "assigned"], tl
    _solve(s, ag, w2["conversation"])
    v2.close()
    _pg_move_solved_at(s, ref, 3.01)  # solved 3 days ago and more: a new case
    v3, w3, _ = _visitor(s, VISITOR_A)
    a3, _ = until(ag, "assigned", conversation=w3["conversation"])
    assert REF.match(a3["case_ref"]) and a3["case_ref"] != ref, (a3, ref)
    assert _case(s, ref)["status"] == "solved"
    _solve(s, ag, w3["conversation"], "spam")
    v3.close()
    spam = a3["case_ref"]  # closed as spam: never reopened, even at once
    assert _case(s, spam)["status"] == "closed"
    v4, w4, _ = _visitor(s, VISITOR_A)
    a4, _ = until(ag, "assigned", conversation=w4["conversation"])
    assert a4["case_ref"] not in (ref, spam), a4
    _solve(s, ag, w4["conversation"])
    v4.close()
    v5, w5, _ = _visitor(s, VISITOR_B)  # another visitor id never reopens someone else's
    a5, _ = until(ag, "assigned", conversation=w5["conversation"])
    assert a5["case_ref"] != a4["case_ref"], a5
    v5.close()
    ag.close()


@_pg_test()
def pg_reopen_within_reopen_days_by_visitor_id_and_not_after(srv):
    """reopen_within_reopen_days_by_visitor_id_and_not_after on PostgreSQL: case_find by
    visitor, case_record moving the case to the new conversation with its reopened event,
    a new case after reopen_days, never for a case closed as spam or another visitor."""
    _pg_run(srv, "pg-reopen", dict(CASE_SRV, **{"reopen-days": 3}), _pg_reopen_steps)


@_pg_test()
def pg_case_department_and_priority_from_what_the_bot_matched(srv):
    """case_department_and_priority_from_what_the_bot_matched on PostgreSQL."""
    _pg_run(srv, "pg-routed", ROUTED, case_department_and_priority_from_what_the_bot_matched)


@_pg_test()
def pg_stats_events_written_at_the_source(srv):
    """stats_events_written_at_the_source on PostgreSQL: the rows, no text or identity in
    them, and /api/stats (the API worker's read-only PG store) counting them."""
    _pg_run(srv, "pg-stats-src", STATS_SRV, stats_events_written_at_the_source)


@_pg_test()
def pg_stats_repeat_contacts_by_visitor_and_email(srv):
    """stats_repeat_contacts_by_visitor_and_email on PostgreSQL (stats_email_seen: the same
    email in any case of its letters)."""
    _pg_run(srv, "pg-stats-rep", STATS_SRV, stats_repeat_contacts_by_visitor_and_email)


@_pg_test()
def pg_stats_transfer_counts_for_both_agents(srv):
    """stats_transfer_counts_for_both_agents on PostgreSQL."""
    _pg_run(srv, "pg-stats-xfer", STATS_SRV, stats_transfer_counts_for_both_agents)


# ---- privacy on PostgreSQL: privacy_tests' own tests, with their file helpers bound to
# PostgreSQL ----

_SQLITE_ALL_TEXT, _SQLITE_RAW = _all_text, _raw


def _pg_all_text(s):
    """Every value of every row of every table of schema sanad_store in s's database, and of
    the SQLite file of its accounts, as text."""
    c = s.db()
    out = []
    try:
        tables = [r[0] for r in c.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sanad_store'"
            " ORDER BY table_name").fetchall()]
        assert "messages" in tables and "case_events" in tables, tables
        for t in tables:
            for row in c.execute('SELECT * FROM sanad_store."%s"' % t).fetchall():
                out.extend(bytes(v).decode("latin-1") if isinstance(v, memoryview) else str(v)
                           for v in row)
    finally:
        c.close()
    if os.path.exists(s.store):
        out.append(_SQLITE_ALL_TEXT(s.store))
    return "\n".join(out)


class _PgPrivacy:
    """Within it, privacy_tests' helpers see PostgreSQL for the servers _smtp_server makes:
    _all_text(store) reads its database (and the accounts' file), _conf names the PG store for
    the CLI, _raw reads the accounts' file only (the raw bytes of PostgreSQL's own files are
    not the store's to clean: no secure_delete there, docs/privacy.md; measured by
    pg_privacy_what_stays_in_postgresql_files)."""

    def __init__(self, target):
        self.servers = {}
        self.ns = target.__globals__  # where the test's helpers look their names up

    def _smtp_server(self, srv, name, sink_port, **more):
        name = "pg-" + name  # apart from the SQLite run of the same test in the same run
        extra = {"smtp-url": "smtp://127.0.0.1:%d" % sink_port, "smtp-tls": "none",
                 "smtp-from": "support@najma.example", "smtp-from-name": "دعم نجمة",
                 "outbox-db": os.path.join(srv.tmp, name + "-outbox.db"), "outbox-poll": 1}
        extra.update(more)
        s = PgServer(srv, name, extra)
        s.outbox = extra["outbox-db"]
        self.servers[s.store] = s
        return s

    def _all_text(self, path):
        s = self.servers.get(path)
        return _pg_all_text(s) if s else _SQLITE_ALL_TEXT(path)

    def _conf(self, srv, outbox):
        path = os.path.join(srv.dir, "privacy-cli.conf")
        with open(path, "w") as f:
            f.write("store_db %s\noutbox_db %s\nattachments_dir %s\nstore postgres\n"
                    "pg_dsn \"%s\"\n" % (srv.store, outbox, os.path.join(srv.dir, "attachments"),
                                        srv.dsn))
        return path

    def __enter__(self):
        g = self.ns
        self.saved = {k: g[k] for k in ("_smtp_server", "_all_text", "_conf")}
        g.update(_smtp_server=self._smtp_server, _all_text=self._all_text, _conf=self._conf)
        return self

    def __exit__(self, *exc):
        self.ns.update(self.saved)
        for s in self.servers.values():  # each made a case in PostgreSQL, none in its file
            assert exc[0] is not None or _sqlite_cases(s.store) == 0
        return False


@_pg_test()
def pg_privacy_delete_by_each_key_leaves_nothing_of_the_subject(srv):
    """privacy_delete_by_each_key_leaves_nothing_of_the_subject on PostgreSQL: by visitor id
    (the CLI on the PG store), token and email (the API); nothing of A, B, C in any table;
    D untouched; the cases and timelines keep every row; /api/stats the same after; the
    audit (sanad privacy audit on PG) by hash."""
    with _PgPrivacy(privacy_delete_by_each_key_leaves_nothing_of_the_subject) as p:
        # the agent's reply by email to C's case: its email_sent event is recorded when the
        # outbox has sent it, which may come after the transcripts the test waits for; the
        # test counts the timelines' rows from then on, so it waits for that event too
        sqlite_wait = _wait

        def wait_mail_too(cond, what, *a, **kw):
            sqlite_wait(cond, what, *a, **kw)
            for s in p.servers.values():
                sqlite_wait(lambda: "mod=casereply event=mail_sent" in s.logtext(),
                            "the case reply's email_sent")
        _rebound(privacy_delete_by_each_key_leaves_nothing_of_the_subject, "_wait",
                 wait_mail_too,
                 lambda: privacy_delete_by_each_key_leaves_nothing_of_the_subject(srv))
    assert len(p.servers) == 1


@_pg_test()
def pg_privacy_export_has_everything_of_the_subject_and_is_audited(srv):
    """privacy_export_has_everything_of_the_subject_and_is_audited on PostgreSQL: the export
    by visitor, email (any case) and token (CLI, a 0600 file), an unknown subject, the audit
    rows."""
    with _PgPrivacy(privacy_export_has_everything_of_the_subject_and_is_audited) as p:
        privacy_export_has_everything_of_the_subject_and_is_audited(srv)
    assert len(p.servers) == 1


# ---- the same activity against SQLite and PostgreSQL: the same answers ----

VIS_Q = "vis_Q-0123456789abcdef"
# What people wrote in case D: every character LIKE, SQL and JSON treat specially
D_TEXT = "my path is C:\\Users\\O'Brien \"quoted\" 100% _done_ $1 $$ ::text"
D_LEFT = "call 'me'; DROP TABLE cases; -- \\ back at 5_%"
HOSTILE_Q = ["%", "_", "\\", "\\%", "%_", "'", "''", "\"", "' OR '1'='1", "\") OR 1=1 --",
             "'; DROP TABLE cases; --", "DROP TABLE", "$1", "$$", "::text", "\\\\", "C:\\Users",
             "C:\\\\Users", "O'Brien", "o'brien", "100%", "100% _", "_done_", "50%_off", "5_%",
             "%' ESCAPE '", "\\ back", "back at 5_%", "ORDER-12345", "oRdEr-12345", "فاتورة",
             "قاتورة", "call 'me'", "%%", "__", "x", "e", "{\"a\":1}", "null", "*", "OR"]


def _activity(s):
    """The same scripted activity on server s: _seed's cases A, B, C, then D (visitor Q:
    D_TEXT asked, a handoff nobody takes, D_LEFT left with an email) and E (a message left
    with the same email in other letters). Returns (an agent's cookie, an admin's cookie)."""
    add_user(s, "cag1", name="Case Agent")
    ck = _cookie(s, "cmp1", "agent")
    boss = _cookie(s, "cmpboss", "admin")
    _seed(s)
    v = s.ws()
    hello(v, lang="en", visitor=VIS_Q)
    ask(v, D_TEXT, "d0")
    v.send_json({"type": "handoff"})
    until(v, "offline")
    v.send_json({"type": "leave_message", "text": D_LEFT, "email": "Sam@Example.com",
                 "consent": True})
    until(v, "message_left")
    v.close()
    time.sleep(0.01)
    v = s.ws()
    hello(v, lang="ar")
    v.send_json({"type": "leave_message", "text": "اتصلوا بي", "email": "sam@example.COM",
                 "consent": True})
    until(v, "message_left")
    v.close()
    return ck, boss


_TIMES = ("created", "updated", "first_response_at", "solved_at", "ts")


def _norm(v, refs, convs):
    """v with what differs between two runs of the same activity replaced: references by
    their place in the newest-first list, conversation ids by theirs, times by whether there
    is one, ticket ids and seqs kept (both stores count from 1)."""
    if isinstance(v, dict):
        return {k: ((x is not None) if k in _TIMES else _norm(x, refs, convs))
                for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x, refs, convs) for x in v]
    if isinstance(v, str) and v in refs:
        return "<ref %d>" % refs.index(v)
    if isinstance(v, str) and v in convs:
        return "<conv %d>" % convs.index(v)
    return v


def _answers(s, ck, boss):
    """Everything the case and stats APIs say of s's store, normalized: the case list under
    each filter and hostile text, every case's view, the export of visitors P and Q, today's
    stats (counts; durations depend on the run's timing), `sanad stats --json` likewise."""
    st, full = _get(s, "/api/cases", ck)
    assert st == 200 and len(full["items"]) == 5, full
    refs = [i["ref"] for i in full["items"]]
    convs = [i["conversation"] for i in full["items"]]
    out = {"list": _norm(full, refs, convs)}
    queries = [dict(status="new"), dict(status="new,solved"), dict(department="billing"),
               dict(assignee="cag1"), dict(visitor=VIS_P), dict(visitor=VIS_Q),
               dict(limit=2), dict(q="Order-12345", status="solved"), dict(q="a", limit=1)]
    queries += [dict(q=q) for q in HOSTILE_Q]
    for q in queries:
        st, b = _get(s, "/api/cases" + _q(**q), ck)
        assert st == 200, (q, st, b)
        b["next"] = b["next"] is not None
        out[json.dumps(q, ensure_ascii=False)] = _norm(b, refs, convs)
    for r in refs:
        st, b = _get(s, "/api/cases/" + r, ck)
        assert st == 200, (r, st, b)
        out["view " + str(refs.index(r))] = _norm(b, refs, convs)
    for vis in (VIS_P, VIS_Q):
        st, b = _pget(s, "?visitor=" + vis, boss)
        assert " 200 " in st, (st, b)
        doc = json.loads(b)
        for c in doc["conversations"]:
            c.pop("updated")
            for m in c["messages"]:
                m.pop("meta", None)  # a bot turn's meta: the same keys, timing aside
        out["export " + vis] = _norm(doc, refs, convs)
    today = time.strftime("%Y-%m-%d", time.gmtime())

    def counts(t):
        return {k: (x["n"] if isinstance(x, dict) and "n" in x else x)
                for k, x in t.items() if not k.endswith("_ms") or isinstance(x, dict)}
    b = _stats(s, boss, **{"from": today, "to": today})
    out["stats"] = counts(b["total"])
    out["stats agents"] = [(a["login"], a["chats"], a["csat"]) for a in b["agents"]]
    args = [s.sanad, "stats", "--from", today, "--to", today, "--json"]
    args += (["--store", "postgres", "--pg-dsn", s.dsn] if isinstance(s, PgServer)
             else ["--store-db", s.store])
    p = subprocess.run(args, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    cli = json.loads(p.stdout)
    out["cli stats"] = counts(cli["total"])
    assert out["cli stats"] == out["stats"], (out["cli stats"], out["stats"])
    return out


@_pg_test(server=CASES_API_SRV)
def pg_same_answers_as_sqlite_for_the_same_activity(srv):
    """One scripted activity (handoffs, an agent's reply and note, solves, messages left with
    an email, text full of %, _, \\, quotes and SQL) against a SQLite server and a PostgreSQL
    server: the case list under every filter and 40 hostile texts, every case's view, the
    privacy export and the stats (API and CLI) are the same, field by field, ids and times
    aside."""
    ck, boss = _activity(srv)
    want = _answers(srv, ck, boss)
    pg = PgServer(srv, "pg-same", CASES_API_SRV)
    try:
        ck2, boss2 = _activity(pg)
        got = _answers(pg, ck2, boss2)
    finally:
        pg.stop()
    assert set(got) == set(want), set(got) ^ set(want)
    for k in want:
        assert got[k] == want[k], (k, want[k], got[k])
    # the hostile texts found what they should: % and _ in A and D only, \ in D only
    assert [i["ref"] for i in want[json.dumps({"q": "\\"})]["items"]] == ["<ref 1>"], want
    assert len(want[json.dumps({"q": "%"})]["items"]) == 2, want
    assert want[json.dumps({"q": "'; DROP TABLE cases; --"})]["items"][0]["ref"] == "<ref 1>"


# ---- case references: drawn again on a conflict, unique across nodes ----

# A trigger that makes the next `left` case inserts draw the reference of the oldest case: the
# conflicts two nodes drawing the same reference at once would give, on demand.
FORCE_DUP_REF = """
CREATE TABLE public.force_ref(left_ integer NOT NULL, hits integer NOT NULL);
INSERT INTO public.force_ref VALUES (%d, 0);
CREATE FUNCTION public.force_dup_ref() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF (SELECT left_ FROM public.force_ref) > 0 AND EXISTS (SELECT 1 FROM sanad_store.cases) THEN
    UPDATE public.force_ref SET left_ = left_ - 1, hits = hits + 1;
    NEW.ref := (SELECT ref FROM sanad_store.cases ORDER BY id LIMIT 1);
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER force_dup BEFORE INSERT ON sanad_store.cases FOR EACH ROW
  EXECUTE FUNCTION public.force_dup_ref();
"""


def _handoff_case(s, text, visitor=None):
    """A visitor asks text then for a person (nobody online); returns (conversation, the
    case reference of the queue frame)."""
    v = s.ws()
    kw = {"lang": "en"}
    if visitor:
        kw["visitor"] = visitor
    w, _ = hello(v, **kw)
    ask(v, text, "h0")
    v.send_json({"type": "handoff"})
    q, _ = until(v, "queue")
    v.close()
    return w["conversation"], q["case_ref"]


@_pg_test()
def pg_case_ref_conflict_draws_again_and_keeps_the_batch(srv):
    """A case whose first three references are taken (the unique index; forced by a trigger)
    gets the fourth: no failed statement (ON CONFLICT DO NOTHING), so the event loop's batch
    keeps the conversation's other writes; no case event for the refused tries; the queue
    frame names the reference stored. Eight taken in a row: that handoff gets no case (the
    error logged), and the store works on."""
    s = PgServer(srv, "pg-ref-conflict", CASE_SRV)
    try:
        conv1, ref1 = _handoff_case(s, "first question DUPREF1")
        s.psql(FORCE_DUP_REF % 3)
        conv2, ref2 = _handoff_case(s, "second question DUPREF2")
        assert s.psql("SELECT left_, hits FROM public.force_ref").strip() == "0|3"
        c = s.db()
        try:
            rows = c.execute("SELECT ref, conv_id FROM cases ORDER BY id").fetchall()
            assert rows == [(ref1, conv1), (ref2, conv2)] and ref1 != ref2, rows
            kinds = [r[0] for r in c.execute(
                "SELECT e.kind FROM case_events e JOIN cases k ON k.id = e.case_id"
                " WHERE k.ref = ? ORDER BY e.id", (ref2,)).fetchall()]
            assert kinds == ["created", "handoff", "queued"], kinds
            assert c.execute("SELECT count(*) FROM case_events").fetchone()[0] == 6
            texts = [r[0] for r in c.execute("SELECT text FROM messages WHERE conv_id = ?"
                                             " ORDER BY seq", (conv2,)).fetchall()]
            assert "second question DUPREF2" in texts and len(texts) >= 4, texts
            stats = [r[0] for r in c.execute("SELECT kind FROM stats_events WHERE conv = ?"
                                             " ORDER BY id", (conv2,)).fetchall()]
            assert stats.count("case") == 1 and "handoff" in stats, stats
        finally:
            c.close()
        # every try refused: no case, the error logged; the next one is made
        s.psql("UPDATE public.force_ref SET left_ = 8")
        v = s.ws()
        w3, _ = hello(v, lang="en")
        ask(v, "third question DUPREF3", "h0")
        v.send_json({"type": "handoff"})
        v.sync()
        v.close()
        assert s.psql("SELECT left_ FROM public.force_ref").strip() == "0"
        _wait(lambda: "no free reference after 8 tries" in s.logtext(), "the case error")
        conv4, ref4 = _handoff_case(s, "fourth question DUPREF4")
        # (the third conversation, queued without a case, may get one at a later event)
        assert s.count("SELECT count(*) FROM cases WHERE conv_id = ?", conv4) == 1
        assert s.count("SELECT count(*) FROM cases WHERE ref = ?", ref4) == 1
        assert s.count("SELECT count(DISTINCT ref) = count(*) FROM cases")
        assert s.count("SELECT count(*) FROM cases k WHERE (SELECT e.kind FROM case_events e"
                       " WHERE e.case_id = k.id ORDER BY e.id LIMIT 1) IS DISTINCT FROM"
                       " 'created'") == 0
        assert s.count("SELECT count(*) FROM messages WHERE conv_id = ? AND text = ?",
                       w3["conversation"], "third question DUPREF3") == 1
    finally:
        s.stop()


@_pg_test()
def pg_two_nodes_make_cases_at_once(srv):
    """Two servers on one PostgreSQL store, 15 visitors on each leaving a message at the same
    moment (each a ticket and a case): 30 cases, 30 references and ids, each case with its
    left message and its two events; every visitor was told the reference stored."""
    dsn = _pg_dsn()
    nodes = [PgServer(srv, "pg-node-a", CASE_SRV, dsn=dsn)]
    try:
        nodes.append(PgServer(srv, "pg-node-b", CASE_SRV, dsn=dsn))
        socks = []
        for i in range(30):
            v = nodes[i % 2].ws()
            hello(v, lang="en")
            socks.append(v)
        told, errors, go = {}, [], threading.Barrier(30)

        def leave(i):
            try:
                go.wait(30)
                socks[i].send_json({"type": "leave_message", "text": "LEFTAT%02d" % i})
                told[i] = until(socks[i], "message_left")[0]["case_ref"]
            except Exception as e:  # reported below
                errors.append(repr(e))
        ts = [threading.Thread(target=leave, args=(i,)) for i in range(30)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        for v in socks:
            v.close()
        assert not errors and len(told) == 30, errors
        c = nodes[0].db()
        try:
            rows = c.execute("SELECT k.id, k.ref, t.text FROM cases k JOIN tickets t"
                             " ON t.id = k.ticket_id ORDER BY k.id").fetchall()
            ev = dict(c.execute("SELECT case_id, count(*) FROM case_events GROUP BY case_id")
                      .fetchall())
        finally:
            c.close()
        assert len(rows) == 30 and len({r[0] for r in rows}) == 30, rows
        assert len({r[1] for r in rows}) == 30, rows
        assert {r[2]: r[1] for r in rows} == {"LEFTAT%02d" % i: told[i] for i in range(30)}
        assert all(ev[r[0]] == 2 for r in rows), ev
    finally:
        for n in nodes:
            n.stop()


# ---- the text search's window, on 6,000 cases ----

MANY_CASES = """
INSERT INTO sanad_store.conversations(id, token_hash, state, lang, created, updated)
  SELECT 'c_' || lpad(to_hex(i), 16, '0'), 'h' || i, 'closed', 'en', %(t0)d + i, %(t0)d + i
  FROM generate_series(1, %(n)d) i;
INSERT INTO sanad_store.messages(conv_id, seq, sender, text, ts)
  SELECT 'c_' || lpad(to_hex(i), 16, '0'), 1, 'visitor',
         'order ORD-' || lpad(i::text, 5, '0') || ' is late', %(t0)d + i
  FROM generate_series(1, %(n)d) i;
INSERT INTO sanad_store.cases(id, ref, conv_id, status, priority, created, updated)
  SELECT i, 'S-' || lpad(i::text, 6, '0'), 'c_' || lpad(to_hex(i), 16, '0'),
         CASE WHEN i %% 2 = 1 THEN 'solved' ELSE 'new' END, 1, %(t0)d + i, %(t0)d + i
  FROM generate_series(1, %(n)d) i;
SELECT setval(pg_get_serial_sequence('sanad_store.cases', 'id'), %(n)d);
ANALYZE sanad_store.cases;
"""


@_pg_test()
def pg_cases_text_search_looks_at_a_bounded_window_per_page(srv):
    """cases_text_search_looks_at_a_bounded_window_per_page's checks on PostgreSQL, the 6,000
    cases written by SQL into the running server's database: the text matched in the 5,000
    newest cases under the other conditions (scan), next below the window, a full page of
    200, a page of many matches."""
    s = PgServer(srv, "pg-window", CASE_SRV)
    try:
        n = 6000
        s.psql(MANY_CASES % {"t0": 1790000000000, "n": n})
        add_user(s, "cwin1", name="Win")
        ck = _cookie(s, "cwin2", "agent")
        st, p1 = _get(s, "/api/cases" + _q(q="ORD-00001 "), ck)
        assert st == 200 and p1["items"] == [] and p1["next"] == n - 5000 + 1, p1
        st, p2 = _get(s, "/api/cases" + _q(q="ORD-00001 ", before=p1["next"]), ck)
        assert [i["ref"] for i in p2["items"]] == ["S-000001"] and p2["next"] is None, p2
        st, p = _get(s, "/api/cases" + _q(q="ORD-05999"), ck)
        assert [i["ref"] for i in p["items"]] == ["S-005999"] and p["next"] == n - 5000 + 1, p
        st, p = _get(s, "/api/cases" + _q(q="ORD-05999", before=p["next"]), ck)
        assert p["items"] == [] and p["next"] is None, p
        st, p = _get(s, "/api/cases" + _q(q="ORD-00002 ", status="new"), ck)
        assert [i["ref"] for i in p["items"]] == ["S-000002"] and p["next"] is None, p
        st, p = _get(s, "/api/cases?limit=200", ck)
        assert st == 200 and len(p["items"]) == 200 and p["next"] == n - 199, (st, p.get("next"))
        assert p["items"][0]["ref"] == "S-006000" and p["items"][-1]["ref"] == "S-005801"
        assert p["items"][0]["summary"] == "order ORD-06000 is late", p["items"][0]
        st, p = _get(s, "/api/cases?limit=200&before=%d" % p["next"], ck)
        assert p["items"][0]["ref"] == "S-005800", p["items"][0]
        st, p = _get(s, "/api/cases" + _q(q="ORD-0", limit=10), ck)
        assert len(p["items"]) == 10 and p["next"] == 5991, p["next"]
        # in any case of its ASCII letters, and LIKE's characters plain on a large store too
        st, p = _get(s, "/api/cases" + _q(q="ord-05998 IS LATE"), ck)
        assert [i["ref"] for i in p["items"]] == ["S-005998"], p
        st, p = _get(s, "/api/cases" + _q(q="ORD-0599_"), ck)
        assert p["items"] == [], p
        # the planner walks an index for the equality filters, not the whole table
        for col in ("status", "department", "assignee"):
            plan = s.psql("EXPLAIN SELECT id FROM sanad_store.cases c WHERE c.%s = 'x'"
                          " AND c.id < 1099511627776 ORDER BY c.id DESC LIMIT 50" % col)
            assert "cases_" + col in plan, plan
    finally:
        s.stop()


# ---- the analytics record: SEED and 10,800 more rows, the same figures ----

def _bulk_rows():
    """1,200 conversations in March 2026, 9 rows each, deterministic: (ts, kind, conv, lang,
    channel, agent, sub, band, value, value2, start)."""
    rows, t0 = [], _ms("2026-03-02T00:00")
    for i in range(1200):
        t = t0 + i * 37 * MIN
        conv = "bulk-%04d" % i
        lang, agent = ("ar", "ann") if i % 3 else ("en", "bob")
        wait, fr, res = (i % 7 + 1) * MIN, (i % 11 + 1) * MIN, (i % 13 + 5) * MIN
        for dt, kind, a, sub, band, v, v2, lg, ch in (
                (0, "conv", None, None, None, None, None, lang, "widget"),
                (1000, "turn", None, "answer", "high" if i % 2 else "low", None, None, None, None),
                (2000, "case", None, None, None, i % 4, None, None, None),
                (2000, "handoff", None, "asked", None, None, None, None, None),
                (2000, "queued", None, None, None, None, None, None, None),
                (2000 + wait, "assigned", agent, None, None, wait, None, None, None),
                (2000 + wait + fr, "first_response", agent, None, None, fr, None, None, None),
                (2000 + res, "solved", agent, "solved", None, res, res - wait, None, None),
                (3000 + res, "csat", agent, None, None, i % 5 + 1, None, None, None)):
            rows.append((t + dt, kind, conv, lg, ch, a, sub, band, v, v2, t))
    for ts, kind, conv, f in SEED:
        rows.append((_ms(ts), kind, "stats-" + conv, f.get("lang"), f.get("channel"),
                     f.get("agent"), f.get("sub"), f.get("band"), f.get("value"),
                     f.get("value2"), None))
    starts = {r[2]: r[0] for r in rows if r[1] == "conv"}
    return [r[:10] + (starts.get(r[2]),) for r in rows]


STATS_INSERT = ("INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub, band,"
                " value, value2, start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
STATS_QUERIES = [
    {"from": "2026-01-05", "to": "2026-01-11", "group": "day"},
    {"from": "2026-01-01", "to": "2026-03-31", "group": "month"},
    {"from": "2026-02-23", "to": "2026-04-05", "group": "week"},
    {"from": "2026-03-10", "to": "2026-03-10", "group": "hour"},
    {"from": "2026-03-01", "to": "2026-03-31", "group": "day", "lang": "ar"},
    {"from": "2026-03-01", "to": "2026-03-31", "agent": "bob"},
    {"from": "2026-03-01", "to": "2026-03-31", "tz": "Asia/Riyadh", "group": "week"},
]


@_pg_test(server=STATS_SRV)
def pg_stats_same_figures_as_sqlite(srv):
    """SEED and 10,800 rows more (walked in several pages of the PG store's stats_each)
    written into a SQLite store and a PostgreSQL one: GET /api/stats and `sanad stats --json`
    give the same figures for seven queries (groups, filters, a time zone); the SEED week is
    the hand-computed one of stats_tests."""
    rows = _bulk_rows()
    assert len(rows) > 5 * 2000
    add_user(srv, "boss", role="admin", name="Boss")
    add_user(srv, "ann", role="agent", name="Ann Agent")
    srv.stop()
    c = sqlite3.connect(srv.store)
    c.executemany(STATS_INSERT, rows)
    c.commit()
    c.close()
    sq = Server(srv.sanad, srv.tmp, srv.kb_db, "stats-cmp-sqlite",
                dict(STATS_SRV, **{"store-db": srv.store}))
    sq.store = srv.store
    pg = None
    try:
        pg = PgServer(srv, "stats-cmp-pg", STATS_SRV)
        add_user(pg, "boss", role="admin", name="Boss")
        add_user(pg, "ann", role="agent", name="Ann Agent")
        psycopg2 = _psycopg2()
        conn = psycopg2.connect(pg.dsn)
        with conn, conn.cursor() as cur:
            psycopg2.extras.execute_values(
                cur, "INSERT INTO sanad_store.stats_events(ts, kind, conv, lang, channel, agent,"
                " sub, band, value, value2, start) VALUES %s", rows, page_size=1000)
        conn.close()
        cookies = []
        for s in (sq, pg):
            st, h, body = login(s, "boss")
            assert " 200 " in st, (st, body)
            cookies.append(session_cookie(h))
        for q in STATS_QUERIES:
            a, b = _stats(sq, cookies[0], **q), _stats(pg, cookies[1], **q)
            _eq(b, a, "PG /api/stats %s" % q)
            assert a["total"]["conversations"] > 0, (q, a["total"])
            args = [srv.sanad, "stats", "--json"] + sum((["--" + k, v] for k, v in q.items()), [])
            ca = subprocess.run(args + ["--store-db", sq.store], capture_output=True, timeout=60)
            cb = subprocess.run(args + ["--store", "postgres", "--pg-dsn", pg.dsn],
                                capture_output=True, timeout=60)
            assert ca.returncode == 0 and cb.returncode == 0, (ca.stderr, cb.stderr)
            _eq(json.loads(cb.stdout), json.loads(ca.stdout), "PG sanad stats %s" % q)
        b = _stats(pg, cookies[1], **STATS_QUERIES[0])
        _eq(b["total"], _p(JAN5, JAN5 + 7 * D, **WEEK1), "PG SEED week")
        _eq(b["periods"][0], _p(JAN5, JAN5 + D, **DAY5), "PG SEED Jan 5")
        b = _stats(pg, cookies[1], **STATS_QUERIES[1])
        want = sum(1 for r in rows if r[1] == "conv" and
                   _ms("2026-01-01T00:00") <= r[0] < _ms("2026-04-01T00:00"))
        assert b["total"]["conversations"] == want > 1000, (want, b["total"])
    finally:
        sq.stop()
        if pg:
            pg.stop()


# ---- privacy: a reopened case, details that are not JSON, retention ----

VIS_R = "vis_Reo-0123456789abcdef"


def _reopened(s):
    """Visitor R: a case solved by an agent with a transfer-like note in a timeline, then a
    new conversation that reopens it. Odd details written by SQL beside: a reopened event
    whose detail is not JSON, and a JSON scalar. Returns (first conv, second conv, ref)."""
    add_user(s, "reop1", name="Re Op")
    ag, _, _, _ = agent_ws(s, "reop1")
    vis, w, _ = _visitor(s, VIS_R)
    a, _ = until(ag, "assigned", conversation=w["conversation"])
    ref = a["case_ref"]
    ag.send_json({"type": "note", "conversation": w["conversation"], "text": "REONOTEQz",
                  "client_id": "n1"})
    until(ag, "ack", client_id="n1")
    _solve(s, ag, w["conversation"])
    vis.close()
    v2, w2, _ = _visitor(s, VIS_R)
    a2, _ = until(ag, "assigned", conversation=w2["conversation"])
    assert a2["case_ref"] == ref, (a2, ref)
    v2.send_json({"type": "message", "text": "REOMSGQz", "client_id": "m2"})
    until(v2, "ack", client_id="m2")  # the join notice may come first (another node)
    _solve(s, ag, w2["conversation"])
    v2.close()
    ag.close()
    c = s.db() if isinstance(s, PgServer) else sqlite3.connect(s.store, timeout=10)
    try:
        (cid,) = c.execute("SELECT id FROM cases WHERE ref = ?", (ref,)).fetchone()
        for kind, detail in (("reopened", "not json {REOBADQz"), ("note", "42"),
                             ("note", '{"note": "REODETQz", "keep": 1, "email": "r@x.example"}')):
            c.execute("INSERT INTO case_events(case_id, ts, kind, actor, detail)"
                      " VALUES (?, 1, ?, 'system', ?)", (cid, kind, detail))
        if not isinstance(s, PgServer):
            c.commit()
    finally:
        c.close()
    return w["conversation"], w2["conversation"], ref


@_pg_test(server=dict(CASE_SRV, **{"reopen-days": 3}))
def pg_privacy_reopened_case_and_details_not_json(srv):
    """A visitor's reopened case: the export by visitor id has both conversations (the one
    the case moved from is named by the reopened event), a detail that is not JSON neither
    breaks the walk nor the purge; the deletion by visitor purges both, keeps the case and
    every timeline row, takes the free-text keys out of the JSON details and leaves the
    others as they were; the same on SQLite and PostgreSQL (the removed counts too)."""
    results = []
    pg = None
    try:
        pg = PgServer(srv, "pg-reopen-priv", dict(CASE_SRV, **{"reopen-days": 3}))
        for s in (srv, pg):
            c1, c2, ref = _reopened(s)
            boss = _cookie(s, "reoboss", "admin")
            st, b = _pget(s, "?visitor=" + VIS_R, boss)
            assert " 200 " in st, (st, b)
            ids = [c["id"] for c in json.loads(b)["conversations"]]
            assert ids == [c1, c2], (ids, c1, c2)
            st, _, b = _pdel(s, {"visitor": VIS_R}, boss)
            assert " 200 " in st, (st, b)
            removed = json.loads(b)["removed"]
            assert removed["conversations"] == 2, removed
            c = s.db()
            try:
                ev = c.execute("SELECT e.kind, e.detail FROM case_events e JOIN cases k"
                               " ON k.id = e.case_id WHERE k.ref = ? ORDER BY e.id",
                               (ref,)).fetchall()
                row = c.execute("SELECT conv_id, visitor_id, ticket_id, status FROM cases"
                                " WHERE ref = ?", (ref,)).fetchone()
                left = c.execute("SELECT count(*) FROM messages WHERE conv_id IN (?, ?)",
                                 (c1, c2)).fetchone()[0]
            finally:
                c.close()
            assert tuple(row) == (None, None, None, "solved"), row
            assert left == 0
            det = [json.loads(d) if d and d[0] in "{[" else d for _, d in ev]
            assert ["not json {REOBADQz", "42", {"keep": 1}] == det[-3:], det
            assert all("note" not in d for d in det if isinstance(d, dict)), det
            assert {"previous_conversation": c1} in det, det
            results.append((removed, [(k, {"previous_conversation": "<c1>"}
                                       if d == {"previous_conversation": c1} else d)
                                      for (k, _), d in zip(ev, det)]))
    finally:
        if pg:
            pg.stop()
    assert results[0] == results[1], results


@_pg_test()
def pg_privacy_retention_purges_old_conversations(srv):
    """Retention on the PG store (conv_stale, then the one purge path): a conversation idle
    for 40 days goes, a new one and a queued one (however old) stay, the case keeps its rows,
    a retention row in the audit; the store works on."""
    s = PgServer(srv, "pg-retention", dict(CASE_SRV, **{"retention-days": 30,
                                                        "retention-interval": 1}))
    try:
        add_user(s, "ret1", name="Ret")
        ag, _, _, _ = agent_ws(s, "ret1")
        convs = {}
        for tag in ("OLD", "NEW"):
            vis, w, _ = _visitor(s, "vis_%s-0123456789abcdef" % tag)
            until(ag, "assigned", conversation=w["conversation"])
            vis.send_json({"type": "message", "text": "RET%sQz" % tag, "client_id": "m"})
            until(vis, "ack", client_id="m")
            _solve(s, ag, w["conversation"])
            vis.close()
            convs[tag] = w["conversation"]
        ag.send_json({"type": "presence", "status": "away"})
        until(ag, "presence", status="away")
        vq, wq, _ = _visitor(s)
        vq.close()
        ag.close()
        cases, events = s.count("SELECT count(*) FROM cases"), s.count(
            "SELECT count(*) FROM case_events")
        day = 86400000
        c = s.db()
        try:
            c.execute("UPDATE conversations SET updated = updated - 40 * ?::bigint,"
                      " created = created - 40 * ?::bigint WHERE id IN (?, ?)", (day, day, convs["OLD"], wq["conversation"]))
        finally:
            c.close()
        _wait(lambda: s.count("SELECT count(*) FROM conversations WHERE id = ?",
                              convs["OLD"]) == 0, "the retention purge", timeout=20)
        _wait(lambda: "event=purged" in s.logtext(), "the retention log line")
        assert s.count("SELECT count(*) FROM conversations WHERE id IN (?, ?)", convs["NEW"],
                       wq["conversation"]) == 2
        assert s.count("SELECT count(*) FROM messages WHERE text = 'RETOLDQz'") == 0
        assert s.count("SELECT count(*) FROM messages WHERE text = 'RETNEWQz'") == 1
        assert s.count("SELECT count(*) FROM audit WHERE action = 'retention'"
                       " AND actor = 'retention' AND conversations = 1") == 1
        assert (s.count("SELECT count(*) FROM cases"),
                s.count("SELECT count(*) FROM case_events")) == (cases, events)
        assert s.count("SELECT count(*) FROM cases WHERE visitor_id = ?",
                       "vis_OLD-0123456789abcdef") == 0
        ws = s.ws()
        hello(ws, lang="en")
        ask(ws, "i lost my phone", "after")
        ws.close()
    finally:
        s.stop()


def _pg_files_with(words, sub):
    """Which of words are in some file under the run's PostgreSQL data directory's sub."""
    root = os.path.join(_pg().data, sub)
    found = set()
    for d, _, names in os.walk(root):
        for n in names:
            try:
                with open(os.path.join(d, n), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            found.update(w for w in words if w.encode() in data)
    return found


@_pg_test()
def pg_privacy_what_stays_in_postgresql_files(srv):
    """What a deletion leaves in PostgreSQL's own files (there is no secure_delete): the
    subject's text is in no table at once; the dead rows' bytes may stay in the table files
    until VACUUM FULL rewrites them (the operator's, docs/privacy.md), after which they are
    in none; the WAL keeps them until PostgreSQL recycles its segments. Printed as measured."""
    s = PgServer(srv, "pg-raw", CASE_SRV)
    try:
        boss = _cookie(s, "rawboss", "admin")
        v = s.ws()
        w, _ = hello(v, lang="en")
        ask(v, "RAWMSGQz where is my order", "q1")
        v.send_json({"type": "leave_message", "text": "RAWLEFTQz call me",
                     "email": "rawmail-qz@example.com", "consent": True})
        until(v, "message_left")
        v.close()
        words = ["RAWMSGQz", "RAWLEFTQz", "rawmail-qz@example.com"]
        oid = s.psql("SELECT oid FROM pg_database WHERE datname = current_database()").strip()
        s.psql("CHECKPOINT")
        assert _pg_files_with(words, "base/" + oid) == set(words)
        st, _, b = _pdel(s, {"token": w["token"]}, boss)
        assert " 200 " in st and json.loads(b)["removed"]["conversations"] == 1, (st, b)
        text = _pg_all_text(s)
        assert not [x for x in words if x in text], words
        s.psql("CHECKPOINT")
        dead = _pg_files_with(words, "base/" + oid)
        wal = _pg_files_with(words, "pg_wal")
        for t in ("messages", "tickets", "profiles", "conversations", "case_events", "cases",
                  "csat"):
            s.psql("VACUUM FULL sanad_store.%s" % t, bare=True)
        s.psql("CHECKPOINT")
        after = _pg_files_with(words, "base/" + oid)
        print("# measured: after the deletion, in the table files: %d of %d markers; after"
              " VACUUM FULL: %d; in pg_wal: %d" % (len(dead), len(words), len(after), len(wal)),
              flush=True)
        assert after == set(), after
    finally:
        s.stop()


@_pg_test()
def pg_case_for_a_conversation_purged_meanwhile(srv):
    """The CLI purges a conversation whose visitor still has the tab open (it cannot see the
    server's sockets, docs/privacy.md); the visitor then leaves a message: the left message
    is stored and acknowledged, its case is refused as a failed write (no conversation, the
    error logged), not a foreign key error that would take the loop's batch and the ticket
    with it; the server goes on."""
    s = PgServer(srv, "pg-purged-meanwhile", CASE_SRV)
    try:
        v = s.ws()
        w, _ = hello(v, lang="en")
        ask(v, "GONEQz question", "q1")
        conf = os.path.join(s.dir, "purge.conf")
        with open(conf, "w") as f:
            f.write("store_db %s\nstore postgres\npg_dsn \"%s\"\n" % (s.store, s.dsn))
        p = subprocess.run([s.sanad, "privacy", "delete", "--token", w["token"], "--yes",
                            "--config", conf], capture_output=True, timeout=60)
        assert p.returncode == 0 and json.loads(p.stdout)["conversations"] == 1, p
        v.send_json({"type": "leave_message", "text": "GONELEFTQz call me"})
        m = until(v, "message_left")[0]
        assert "case_ref" not in m and isinstance(m["ticket"], int), m
        _wait(lambda: "for the case" in s.logtext(), "the case error")
        assert s.count("SELECT count(*) FROM tickets WHERE id = ? AND text = ?", m["ticket"],
                       "GONELEFTQz call me") == 1
        assert s.count("SELECT count(*) FROM cases") == 0
        v.close()
        conv, ref = _handoff_case(s, "after GONEQz")
        assert s.count("SELECT count(*) FROM cases WHERE ref = ? AND conv_id = ?", ref,
                       conv) == 1
    finally:
        s.stop()
