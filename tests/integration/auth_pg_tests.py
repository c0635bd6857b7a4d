# Accounts and agent sessions on PostgreSQL (issue 17, bot/auth_pg.c): `sanad user` against
# schema sanad_auth, a session made on one node valid on another, a logout, a disable or a new
# password on one node ending it on every node, and hostile logins answered exactly as with
# SQLite. A real PostgreSQL (tests/pgtemp.py) started here on first use and stopped when the
# run ends; real `sanad serve --store postgres` nodes. Run by tests/integration/run, whose
# helpers (test, Server, login, post, me, session_cookie, api_error, agent_ws, expect_close,
# visitor_handoff, until) it uses.

import atexit

sys.path.insert(0, os.path.join(ROOT, "tests"))
from pgtemp import PgTemp  # noqa: E402

_PG = []


def pg_server():
    """The file's PostgreSQL, started on first use; stopped at exit."""
    if not _PG:
        _PG.append(PgTemp().start())
        atexit.register(_PG[0].stop)
    return _PG[0]


def pg_db(name):
    """A new database for one test: (the PgTemp, its DSN)."""
    pg = pg_server()
    return pg, pg.create_db(name.replace("-", "_"))


def pg_user(srv_or_sanad, dsn, *args, stdin=None, extra=()):
    """`sanad user ARGS --store postgres --pg-dsn DSN`; returns the CompletedProcess."""
    sanad = getattr(srv_or_sanad, "sanad", srv_or_sanad)
    return subprocess.run([sanad, "user"] + list(args) + ["--store", "postgres", "--pg-dsn", dsn]
                          + list(extra), input=stdin, capture_output=True, timeout=60)


def pg_add(sanad, dsn, who, role="agent", name="Agent Name", pw=PW):
    p = pg_user(sanad, dsn, "add", who, "--role", role, "--name", name,
                stdin=(pw + "\n").encode())
    assert p.returncode == 0, p.stderr


class Nodes:
    """n `sanad serve --store postgres` nodes on one database, each with its own files."""

    def __init__(self, srv, dsn, n, tag, extra=None):
        self.nodes = []
        try:
            for i in range(n):
                kb = os.path.join(srv.tmp, "%s-n%d-kb.db" % (tag, i + 1))
                shutil.copy(srv.kb_db, kb)
                conf = {"store": "postgres", "pg-dsn": dsn, "node-id": "%s-n%d" % (tag, i + 1)}
                conf.update(extra or {})
                self.nodes.append(Server(srv.sanad, srv.tmp, kb, "%s-n%d" % (tag, i + 1), conf))
        except Exception:
            self.stop()
            raise

    def __enter__(self):
        return self.nodes

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        errs = []
        for s in self.nodes:
            try:
                s.stop()
            except Exception as e:  # every node is stopped; the first failure is raised
                errs.append(e)
        self.nodes = []
        if errs:
            raise errs[0]


@test()
def auth_pg_user_cli(srv):
    pg, dsn = pg_db("auth_cli")
    sanad = srv.sanad
    pg_add(sanad, dsn, "zaid", role="admin", name="زيد")
    pg_add(sanad, dsn, "amal.b", name="Amal")
    p = pg_user(sanad, dsn, "add", "amal.b", "--role", "agent", "--name", "Again",
                stdin=(PW + "\n").encode())
    assert p.returncode == 2 and b"exists" in p.stderr, p
    p = pg_user(sanad, dsn, "list", "--json")
    assert p.returncode == 0, p.stderr
    users = json.loads(p.stdout)
    assert [(u["login"], u["role"], u["name"], u["disabled"]) for u in users] == [
        ("amal.b", "agent", "Amal", False), ("zaid", "admin", "زيد", False)], users
    # the rows are PostgreSQL's, schema sanad_auth; only an Argon2id hash is kept
    rows = pg.psql("SELECT login, role, pw_hash LIKE '$argon2id$%' FROM sanad_auth.users"
                   " ORDER BY login", "auth_cli").split()
    assert rows == ["amal.b|agent|t", "zaid|admin|t"], rows
    assert PW not in pg.psql("SELECT string_agg(pw_hash, ',') FROM sanad_auth.users", "auth_cli")
    # nothing went to a SQLite file
    assert not os.path.exists(os.path.join(os.getcwd(), "data", "store.db"))
    # the same through a config file
    conf = os.path.join(srv.tmp, "auth-cli.conf")
    with open(conf, "w") as f:
        f.write("store postgres\npg_dsn %s\n" % dsn)
    p = subprocess.run([sanad, "user", "disable", "amal.b", "--config", conf],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([sanad, "user", "list", "--config", conf], capture_output=True,
                       timeout=30)
    assert p.returncode == 0 and b"disabled" in p.stdout, p
    p = pg_user(sanad, dsn, "passwd", "zaid", stdin=b"a brand new password\n")
    assert p.returncode == 0, p.stderr
    p = pg_user(sanad, dsn, "passwd", "nobody", stdin=b"a brand new password\n")
    assert p.returncode == 1, p
    p = pg_user(sanad, dsn, "disable", "nobody")
    assert p.returncode == 1, p
    # bad input changes nothing: no dsn, a dead server, a bad login
    p = subprocess.run([sanad, "user", "list", "--store", "postgres"], capture_output=True,
                       timeout=30)
    assert p.returncode == 2 and b"pg_dsn" in p.stderr, p
    p = subprocess.run([sanad, "user", "list", "--store", "postgres", "--pg-dsn",
                        "host=127.0.0.1 port=1 dbname=x connect_timeout=2"],
                       capture_output=True, timeout=30)
    assert p.returncode == 3 and b"cannot connect" in p.stderr, p
    # the password from a file (trust authentication ignores it; the file is read), and a
    # missing file said plainly
    pwf = os.path.join(srv.tmp, "auth-cli.pw")
    with open(pwf, "w") as f:
        f.write("not-needed\n")
    p = pg_user(sanad, dsn, "list", extra=("--pg-password-file", pwf))
    assert p.returncode == 0 and b"zaid" in p.stdout, p
    p = pg_user(sanad, dsn, "list", extra=("--pg-password-file", pwf + ".missing"))
    assert p.returncode != 0 and b"password file" in p.stderr, p
    p = pg_user(sanad, dsn, "add", "Robert'); DROP TABLE sanad_auth.users;--", "--role", "agent",
                "--name", "x", stdin=(PW + "\n").encode())
    assert p.returncode == 2, p
    assert pg.psql("SELECT count(*) FROM sanad_auth.users", "auth_cli").strip() == "2"


@test()
def auth_pg_session_valid_on_every_node(srv):
    pg, dsn = pg_db("auth_nodes")
    pg_add(srv.sanad, dsn, "nour", name="Nour")
    with Nodes(srv, dsn, 2, "authn") as (n1, n2):
        st, h, body = login(n1, "nour")
        assert " 200 " in st, (st, body)
        cookie = session_cookie(h)
        token = cookie.split("=", 1)[1]
        for node in (n1, n2):
            st, _, body = me(node, cookie)
            assert " 200 " in st and json.loads(body)["login"] == "nour", (st, body)
        # the session row is PostgreSQL's (a hash of the token only), not a node's file
        assert pg.psql("SELECT count(*) FROM sanad_auth.agent_sessions", "auth_nodes").strip() \
            == "1"
        assert token not in pg.psql("SELECT token_hash FROM sanad_auth.agent_sessions",
                                    "auth_nodes")
        # the agent socket on node 2 with node 1's login; another on node 1
        ag2, w, _, _ = agent_ws(n2, cookie=cookie)
        assert w["agent"]["login"] == "nour", w
        ag1, _, _, _ = agent_ws(n1, cookie=cookie)
        # logout on node 2 ends the session on node 1 too: GET /api/me, then the socket
        st, _, body = post(n2, "/api/logout", b"", "Cookie: %s\r\n" % cookie)
        assert " 200 " in st, (st, body)
        api_error(*me(n1, cookie)[::2], 401)
        c = expect_close(ag1, 4001)  # node 1's tick finds the session gone
        assert c.reason == "session ended", c.reason
        expect_close(ag2, 4001)
        for node in (n1, n2):
            assert PW not in node.logtext() and token not in node.logtext()


@test()
def auth_pg_disable_and_passwd_revoke_on_other_nodes(srv):
    pg, dsn = pg_db("auth_revoke")
    pg_add(srv.sanad, dsn, "rev.a", name="Rev A")
    pg_add(srv.sanad, dsn, "stay.b", name="Stays")
    with Nodes(srv, dsn, 2, "authr") as (n1, n2):
        ag, _, _, _ = agent_ws(n2, cookie=agent_cookie(n1, "rev.a"))
        other, _, _, _ = agent_ws(n2, cookie=agent_cookie(n1, "stay.b"))
        other.send_json({"type": "presence", "status": "away"})
        until(other, "presence", status="away")
        # disabled through node 1's API? `sanad user disable` (another process, PG)
        p = pg_user(srv.sanad, dsn, "disable", "rev.a")
        assert p.returncode == 0, p.stderr
        c = expect_close(ag, 4001)
        assert c.reason == "session ended", c.reason
        api_error(*login(n1, "rev.a")[::2], 401, "unauthorized")
        api_error(*login(n2, "rev.a")[::2], 401, "unauthorized")
        other.send_json({"type": "ping"})
        until(other, "pong")
        # a new password ends the other account's sessions on both nodes
        cookie = agent_cookie(n2, "stay.b")
        p = pg_user(srv.sanad, dsn, "passwd", "stay.b", stdin=b"another long password\n")
        assert p.returncode == 0, p.stderr
        expect_close(other, 4001)
        for node in (n1, n2):
            api_error(*me(node, cookie)[::2], 401)
        api_error(*login(n1, "stay.b")[::2], 401)
        st, _, _ = login(n2, "stay.b", "another long password")
        assert " 200 " in st, st


HOSTILE_LOGINS = [
    {"login": "' OR 1=1 --", "password": "x' OR '1'='1"},
    {"login": "ward'; DROP TABLE sanad_auth.users; --", "password": PW},
    {"login": "ward", "password": "' OR ''='"},
    {"login": "ward", "password": "p" * 1024},
    {"login": "ward", "password": "p" * 1025},
    {"login": "ward", "password": "ب" * 3000},
    {"login": "w" * 65, "password": PW},
    {"login": "WARD", "password": PW},
    {"login": "ward\\u0000x", "password": PW},
    {"login": "ward%", "password": PW},
    {"login": "war_", "password": PW},
    {"login": "", "password": ""},
    {"login": "ward", "password": PW},  # the right one: a session on both
]


@test()
def auth_pg_hostile_logins_answer_as_sqlite(srv):
    pg, dsn = pg_db("auth_hostile")
    pg_add(srv.sanad, dsn, "ward", name="Ward")
    kb = os.path.join(srv.tmp, "authh-sqlite-kb.db")
    shutil.copy(srv.kb_db, kb)
    lite = Server(srv.sanad, srv.tmp, kb, "authh-sqlite")
    try:
        add_user(lite, "ward", name="Ward")
        with Nodes(srv, dsn, 1, "authh") as (node,):
            for body in HOSTILE_LOGINS:
                raw = json.dumps(body).replace("\\\\u0000", "\\u0000").encode()
                a = post(lite, "/api/login", raw)
                b = post(node, "/api/login", raw)
                assert a[0] == b[0] and a[2] == b[2], (body["login"][:40], a[0], a[2], b[0],
                                                         b[2])
                assert "set-cookie" in a[1] or " 200 " not in a[0]
            st, _, b = post(node, "/api/login", b"{\"login\":\"ward\",\"password\":\"" +
                            b"x" * 20000 + b"\"}")
            api_error(st, b, 413, "too_big")
            st, _, b = post(node, "/api/me", b"{}")
            api_error(st, b, 405)
            # the tables are whole, one session (the right password's) made
            out = pg.psql("SELECT (SELECT count(*) FROM sanad_auth.users),"
                          " (SELECT count(*) FROM sanad_auth.agent_sessions)", "auth_hostile")
            assert out.strip() == "1|1", out
    finally:
        lite.stop()
