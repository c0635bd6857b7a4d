# `sanad migrate --from sqlite --to postgres` (issue 17, bot/cli_migrate.c). Run by
# tests/integration/run, whose helpers (test, Server, hello, ask, add_user, agent_ws, until,
# login, canned_cli, store_args_for) and those of privacy_tests.py (_seed_full, _seed_left,
# PRIV_SRV), attach_tests.py (upload) and cases_api_tests.py (_get, _q) it uses.
#
# Real activity on a SQLite server, the server stopped, the file migrated into a fresh
# database of a real PostgreSQL (the run's with --store postgres, else one of these tests'
# own), then `sanad serve --store postgres` on it: the visitor resumes with its token and
# sees its whole transcript, the agent logs in with the same password, the case is found by
# its reference, `sanad stats --json` gives the same figures. The source is a SQLite file,
# so these tests are sqlite_only: under --store postgres they are listed as not run.

import atexit

MIG_SRV = dict(PRIV_SRV, prechat="name email")
MIG_TABLES = ["conversations", "messages", "feedback", "csat", "tickets", "canned",
              "attachments", "profiles", "cases", "case_events", "audit", "stats_events",
              "users", "agent_sessions"]
_MIG_PG = []


def _mig_pg():
    """The run's PostgreSQL (postgres mode) or one of these tests' own, stopped at exit."""
    if STORE["pg"] is not None:
        return STORE["pg"]
    if not _MIG_PG:
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        from pgtemp import PgTemp
        pg = PgTemp().start()
        atexit.register(pg.stop)
        _MIG_PG.append(pg)
    return _MIG_PG[0]


def _mig_db(name):
    """A fresh database: (its name, its DSN)."""
    STORE["n"] += 1
    db = "mig%d_%s" % (STORE["n"], name)
    return db, _mig_pg().create_db(db)


def _migrate(srv, *args):
    p = subprocess.run([srv.sanad, "migrate"] + list(args), capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def _pg_counts(db):
    """Every table's row count and a digest of its rows' text, from psql: what must not move."""
    out = {}
    for t in MIG_TABLES:
        schema = "sanad_auth" if t in ("users", "agent_sessions") else "sanad_store"
        if _mig_pg().psql("SELECT to_regclass('%s.%s') IS NULL" % (schema, t), db).strip() == "t":
            out[t] = "none"
            continue
        out[t] = _mig_pg().psql("SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ','"
                                " ORDER BY x::text)), '') FROM %s.%s x" % (schema, t), db).strip()
    return out


def _schemas(db):
    return _mig_pg().psql("SELECT count(*) FROM information_schema.schemata WHERE schema_name"
                          " LIKE 'sanad%%'", db).strip()


def _resume(srv, token):
    """What a visitor resuming with token from the start sees: (welcome, the frames)."""
    ws = srv.ws()
    w, frames = hello(ws, token=token, last_seq=0)
    ws.close()
    return w, [(f.get("type"), f.get("from"), f.get("text"), f.get("seq")) for f in frames]


def _stats_json(srv, store_flags):
    p = subprocess.run([srv.sanad, "stats", "--json", "--db", srv.kb_db] + store_flags,
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p
    return json.loads(p.stdout)


@test(server=MIG_SRV, sqlite_only=True)
def migrate_sqlite_store_into_postgres_and_serve_on_it(srv):
    """Every kind of row on a SQLite server, migrated: each table's count copied and checked,
    the same sanad stats --json from both, then a server on PostgreSQL where the visitor
    resumes with the whole transcript, the agent logs in, the case is found by reference."""
    add_user(srv, "migag", name="Migrating Agent")
    add_user(srv, "migboss", role="admin", name="Boss")
    ag, *_ = agent_ws(srv, "migag")
    convs = {}
    # visitors, a handoff taken by the agent, a reply, a note, the close, a rating with a
    # comment, an attachment, a profile with an email: every kind of row
    wa, welcome_a, marks = _seed_full(srv, ag, convs, "MIGA", visitor="vis_M-0123456789abcdef")
    wa.close()
    # a bot answer rated helpful (feedback)
    v = srv.ws()
    hello(v, lang="en")
    _, b = ask(v, EN_Q, "fb1")
    v.send_json({"type": "feedback", "seq": b["seq"], "helpful": True})
    v.sync()
    v.close()
    ag.close()
    # a left message: a ticket and its case
    wl, _, ml = _seed_left(srv, "MIGL", "mig.l@example.com")
    wl.close()
    ar = "نعتذر عن التأخير.\tسنعيد\\المبلغ"
    assert canned_cli(srv, "add", "sorry", "--lang", "ar", text=ar + "\n")[0] == 0
    conv_a = welcome_a["conversation"]
    ref = srv.count("SELECT ref FROM cases WHERE conv_id = ?", conv_a)
    before_resume = _resume(srv, welcome_a["token"])
    srv.stop()
    counts = {t: srv.count("SELECT count(*) FROM %s" % t) for t in MIG_TABLES}
    assert all(counts[t] > 0 for t in MIG_TABLES if t != "audit"), counts
    sq_stats = _stats_json(srv, ["--store-db", srv.store])

    db, dsn = _mig_db("full")
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.store,
                            "--pg-dsn", dsn)
    assert rc == 0, (rc, out, err)
    lines = out.strip().split("\n")
    assert lines == ["%s: %d rows copied, %d checked" % (t, counts[t], counts[t])
                     for t in MIG_TABLES], (lines, counts)
    assert "copied into the PostgreSQL store and checked" in err, err
    # the identities go on past the copied ids
    # sanad stats --json: the same figures from both
    assert _stats_json(srv, ["--store", "postgres", "--pg-dsn", dsn]) == sq_stats
    nxt = _mig_pg().psql("SELECT nextval(pg_get_serial_sequence('sanad_store.cases', 'id'))"
                         " > (SELECT max(id) FROM sanad_store.cases)", db).strip()
    assert nxt == "t", nxt

    s = Server(srv.sanad, srv.tmp, srv.kb_db, "migrated-pg",
               dict(MIG_SRV, store="postgres", **{"pg-dsn": dsn,
                    "attachments-dir": os.path.join(srv.dir, "attachments")}))
    try:
        # the visitor resumes with its token and sees its whole transcript
        w2, frames = _resume(s, welcome_a["token"])
        assert w2["resumed"] is True and w2["conversation"] == conv_a, w2
        assert frames == before_resume[1], (frames, before_resume[1])
        assert any(marks["REPLY"] == f[2] for f in frames), frames
        # the agent logs in with the same password
        st, h, body = login(s, "migag")
        assert " 200 " in st, (st, body)
        st, h, body = login(s, "migag", pw="wrong password")
        assert " 401 " in st, (st, body)
        st, h, _ = login(s, "migboss")
        ck = session_cookie(h)
        # the case found by its reference
        st, page = _get(s, "/api/cases" + _q(ref=ref), ck)
        assert st == 200 and [i["ref"] for i in page["items"]] == [ref], page
        st, view = _get(s, "/api/cases/" + ref, ck)
        assert st == 200 and view["conversation"] == conv_a, view
        # the canned response, tab and backslash kept
        ag2, *_ = agent_ws(s, "migag")
        assert {"shortcut": "sorry", "lang": "ar", "text": ar} in ag2.canned["items"], ag2.canned
        ag2.close()
        # a new conversation works on: ids after the copied ones
        v = s.ws()
        hello(v, lang="en")
        ask(v, EN_Q, "after")
        v.close()
    finally:
        s.stop()


@test(server=MIG_SRV, sqlite_only=True)
def migrate_refuses_hostile_targets_and_sources(srv):
    """A target with rows is refused and left unchanged (no merge); a bad DSN, a missing
    source, a running server on the source, bad options: clear errors, exit 2 or 3, nothing
    written to the target."""
    add_user(srv, "mhag")
    v = srv.ws()
    hello(v, lang="en")
    ask(v, EN_Q, "h1")
    v.close()
    # a running server on the source: refused (its store is being written)
    db0, dsn0 = _mig_db("running")
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.store,
                            "--pg-dsn", dsn0)
    assert rc == 2 and "a server is running on the source" in err, (rc, err)
    assert _schemas(db0) == "0", _schemas(db0)
    srv.stop()
    db, dsn = _mig_db("twice")
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.store,
                            "--pg-dsn", dsn)
    assert rc == 0, (rc, out, err)
    # a target with rows: refused, unchanged
    snap = _pg_counts(db)
    assert snap["conversations"].startswith("1 "), snap
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.store,
                            "--pg-dsn", dsn)
    assert rc == 2 and "has rows" in err and "does not merge" in err and out == "", (rc, out, err)
    assert _pg_counts(db) == snap
    # rows in one table only (the accounts): refused all the same
    db2, dsn2 = _mig_db("accounts")
    p = subprocess.run([srv.sanad, "user", "add", "early", "--role", "agent", "--name", "E",
                        "--store", "postgres", "--pg-dsn", dsn2, "--store-db",
                        os.path.join(srv.dir, "other.db")], input=(PW + "\n").encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p
    snap2 = _pg_counts(db2)
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.store,
                            "--pg-dsn", dsn2)
    assert rc == 2 and "sanad_auth.users has rows" in err, (rc, err)
    assert _pg_counts(db2) == snap2
    # a bad DSN: the connection's error, exit 3, the source untouched
    src = open(srv.store, "rb").read()
    for bad in ("host=127.0.0.1 port=1 dbname=nope user=sanad connect_timeout=3",
                "this is = not a dsn", "postgresql://127.0.0.1:%d/no_such_db?user=sanad"
                % _mig_pg().port):
        rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db",
                                srv.store, "--pg-dsn", bad)
        assert rc == 3 and err.startswith("sanad migrate: the target: ") and out == "", (bad, rc,
                                                                                        err)
    assert open(srv.store, "rb").read() == src
    # a missing source: exit 2, nothing made on either side
    db3, dsn3 = _mig_db("nosource")
    missing = os.path.join(srv.dir, "no", "store.db")
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", missing,
                            "--pg-dsn", dsn3)
    assert rc == 2 and "no store at the source" in err, (rc, err)
    assert not os.path.exists(os.path.dirname(missing)) and _schemas(db3) == "0"
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", srv.dir,
                            "--pg-dsn", dsn3)  # a directory
    assert rc == 2 and "no store at the source" in err, (rc, err)
    # a source that is not a store: exit 3, nothing written
    junk = os.path.join(srv.dir, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"not a database" * 100)
    rc, out, err = _migrate(srv, "--from", "sqlite", "--to", "postgres", "--store-db", junk,
                            "--pg-dsn", dsn3)
    assert rc == 3 and "the source" in err, (rc, err)
    assert _schemas(db3) == "0"
    # bad options
    for args, want in [([], "--from sqlite --to postgres"),
                       (["--from", "postgres", "--to", "sqlite", "--pg-dsn", dsn3], "--from"),
                       (["--from", "sqlite", "--to", "mysql", "--pg-dsn", dsn3], "--to"),
                       (["--from", "sqlite", "--to", "postgres", "--store-db", srv.store],
                        "--pg-dsn"),
                       (["--from", "sqlite", "--to", "postgres", "--force"], "unknown option"),
                       (["--from", "sqlite", "--to", "postgres", "extra"], "unexpected"),
                       (["--from"], "missing value"),
                       (["--from", "sqlite", "--to", "postgres", "--pg-dsn", dsn3, "--store-db",
                         srv.store, "--port", "1"], "unknown option")]:
        rc, out, err = _migrate(srv, *args)
        assert rc == 2 and want in err, (args, rc, err)
    assert _schemas(db3) == "0"
    rc, out, err = _migrate(srv, "--help")
    assert rc == 0 and "does not merge two stores" in out, (rc, out)
