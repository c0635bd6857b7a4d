# The PostgreSQL store's cases, case search, privacy, audit and stats (issue 17, pg-cases:
# bot/store_pg_case.c). Run by tests/integration/run, whose helpers (test, Server, hello, ask,
# until, add_user, agent_ws, login, ...) and the cases, cases API, privacy and stats tests'
# it uses. One real PostgreSQL (tests/pgtemp.py) is started by the first test that needs it
# and stopped when the run ends; each test has its own database in it. The servers are real
# `sanad serve --store postgres --pg-dsn ...` on loopback ports, driven by real WebSocket
# clients; where the same activity can be scripted, it runs against a SQLite server too and
# the answers are compared field by field (ids, references and times aside).

import atexit
import itertools
import re
import threading

sys.path.insert(0, os.path.join(ROOT, "tests"))
import pgtemp  # noqa: E402

import psycopg2  # noqa: E402
import psycopg2.extras  # noqa: E402

_PG = []
_PG_DBS = itertools.count(1)


def _pg():
    """The run's PostgreSQL, started on first use and stopped at exit."""
    if not _PG:
        pg = pgtemp.PgTemp().start()
        atexit.register(pg.stop)
        _PG.append(pg)
    return _PG[0]


def _pg_dsn():
    """A new database of the run's PostgreSQL: its DSN."""
    return _pg().create_db("pgcase%d" % next(_PG_DBS))


class _PgRows:
    """sqlite3's connection face over psycopg2, for the helpers that read srv.db(): `?`
    parameters, the store's schema first on the search path; row_factory sqlite3.Row gives
    rows that dict() takes."""

    def __init__(self, dsn):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.row_factory = None

    def execute(self, sql, args=()):
        factory = psycopg2.extras.RealDictCursor if self.row_factory is sqlite3.Row else None
        cur = self.conn.cursor(cursor_factory=factory)
        cur.execute("SET search_path = sanad_store, public")
        cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
        return cur

    def close(self):
        self.conn.close()


class PgServer(Server):
    """`sanad serve --store postgres` on a database of its own (or dsn, shared with other
    nodes). The accounts stay in the SQLite file at --store-db until they move to
    PostgreSQL (kbsync), so add_user works unchanged. db() and count() read PostgreSQL."""

    def __init__(self, base, name, extra=None, dsn=None):
        self.dsn = dsn or _pg_dsn()
        Server.__init__(self, base.sanad, base.tmp, base.kb_db, name,
                        dict(extra or {}, store="postgres", **{"pg-dsn": self.dsn}))

    def db(self):
        return _PgRows(self.dsn)

    def psql(self, sql):
        return _pg().psql("SET search_path = sanad_store, public; " + sql,
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

@test()
def pg_cases_search_by_each_filter_and_paging(srv):
    """cases_search_by_each_filter_and_paging on PostgreSQL: every filter, the text in any
    case of ASCII letters, % and _ plain, SQL as text, dates, keyset paging."""
    _pg_run(srv, "pg-search", CASES_API_SRV, cases_search_by_each_filter_and_paging)


@test()
def pg_case_view_timeline_transcript_and_past(srv):
    """case_view_timeline_transcript_and_past on PostgreSQL: the timeline in order, the
    transcript, the left message, the visitor's other cases (the search by visitor_id with
    exclude_id)."""
    _pg_run(srv, "pg-view", CASES_API_SRV, case_view_timeline_transcript_and_past)


@test()
def pg_cases_api_hostile_parameters(srv):
    """cases_api_hostile_parameters on PostgreSQL: refused with 400, nothing changes."""
    _pg_run(srv, "pg-hostile", CASES_API_SRV, cases_api_hostile_parameters)


@test()
def pg_case_made_at_handoff_with_its_ref_everywhere_and_a_timeline(srv):
    """case_made_at_handoff_with_its_ref_everywhere_and_a_timeline on PostgreSQL."""
    _pg_run(srv, "pg-case-made", CASE_SRV,
            case_made_at_handoff_with_its_ref_everywhere_and_a_timeline)


@test()
def pg_handoff_reason_asked_and_one_case_per_open_request(srv):
    """handoff_reason_asked_and_one_case_per_open_request on PostgreSQL (case_find by
    conversation and visitor)."""
    _pg_run(srv, "pg-one-case", CASE_SRV, handoff_reason_asked_and_one_case_per_open_request)


@test()
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


def _rebound(name, repl, fn):
    """fn() with the run's global helper name bound to repl meanwhile."""
    g = globals()
    old = g[name]
    g[name] = repl
    try:
        fn()
    finally:
        g[name] = old


@test()
def pg_reopen_within_reopen_days_by_visitor_id_and_not_after(srv):
    """reopen_within_reopen_days_by_visitor_id_and_not_after on PostgreSQL (case_record moves
    the case to the new conversation with its reopened event)."""
    _pg_run(srv, "pg-reopen", dict(CASE_SRV, **{"reopen-days": 3}), lambda s: _rebound(
        "_move_solved_at", _pg_move_solved_at,
        lambda: reopen_within_reopen_days_by_visitor_id_and_not_after(s)))


@test()
def pg_case_department_and_priority_from_what_the_bot_matched(srv):
    """case_department_and_priority_from_what_the_bot_matched on PostgreSQL."""
    _pg_run(srv, "pg-routed", ROUTED, case_department_and_priority_from_what_the_bot_matched)


@test()
def pg_stats_events_written_at_the_source(srv):
    """stats_events_written_at_the_source on PostgreSQL: the rows, no text or identity in
    them, and /api/stats (the API worker's read-only PG store) counting them."""
    _pg_run(srv, "pg-stats-src", STATS_SRV, stats_events_written_at_the_source)


@test()
def pg_stats_repeat_contacts_by_visitor_and_email(srv):
    """stats_repeat_contacts_by_visitor_and_email on PostgreSQL (stats_email_seen: the same
    email in any case of its letters)."""
    _pg_run(srv, "pg-stats-rep", STATS_SRV, stats_repeat_contacts_by_visitor_and_email)


@test()
def pg_stats_transfer_counts_for_both_agents(srv):
    """stats_transfer_counts_for_both_agents on PostgreSQL."""
    _pg_run(srv, "pg-stats-xfer", STATS_SRV, stats_transfer_counts_for_both_agents)
