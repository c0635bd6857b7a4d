# The knowledge base distributed through PostgreSQL (issue 17, bot/kbsync.c): an editor's
# change through the API on one node is answered on every node; edits and unpublishing
# propagate; concurrent edits on two nodes land in one order everywhere; a stopped node catches
# up when it starts, a node with an empty base starts from the latest snapshot; every node's
# gaps are listed on any node; a corrupt version is refused by every node, which keeps serving.
# Real PostgreSQL (auth_pg_tests.py's pg_db), three real `sanad serve --store postgres` nodes,
# real HTTP and WebSocket clients. Run by tests/integration/run after auth_pg_tests.py, whose
# helpers (pg_db, pg_add, Nodes) and api_kb.py's (api, q) it uses.

import hashlib
import threading

SYNC_WAIT = 30  # seconds a change may take to reach every node (a bound, not a speed)


def sync_entry(i, **kw):
    e = {"id": "sync-%03d" % i, "lang": "en", "category": "sync",
         "question": "can i book a slot for %s" % NUMBERS[i % len(NUMBERS)],
         "answer": "Yes: grooming slot %d is open every morning." % i, "status": "published"}
    e.update(kw)
    return e


NUMBERS = ["falcon grooming", "camel racing", "pearl diving", "dune bashing", "dhow sailing",
           "henna painting", "oud lessons", "date tasting", "sand boarding", "souk tours",
           "pottery classes", "kite surfing"]


def answered_with(node, question, kb_id, lang="en"):
    """What a real visitor on node is answered: True when it is entry kb_id."""
    ws = node.ws()
    try:
        hello(ws, lang=lang)
        _, bot = ask(ws, question, "s%d" % int(time.time() * 1000))
        return bot.get("kind") == "answer" and bot.get("kb_id") == kb_id, bot
    finally:
        ws.close()


def wait_until(what, fn, timeout=SYNC_WAIT):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        ok, last = fn()
        if ok:
            return
        time.sleep(0.1)
    raise AssertionError("%s: not within %ds: %r" % (what, timeout, last))


def base_of(node, cookie):
    """The node's entries (their content: the local version numbers aside) and synonyms."""
    st, _, body = api(node, "GET", "/api/export?format=jsonl", None, cookie)
    assert st == 200, st
    if isinstance(body, (bytes, bytearray)):
        body = body.decode()
    out = {}
    for line in body.splitlines():
        if line.strip():
            e = json.loads(line)
            for k in ("version", "created", "updated"):
                e.pop(k, None)
            out[e["id"]] = e
    syn = api(node, "GET", "/api/synonyms", None, cookie)[2]
    return out, json.dumps(syn, sort_keys=True)


def same_base(node, cookie, want):
    """(True, None) when node's base is want, else (False, what differs)."""
    got = base_of(node, cookie)
    if got == want:
        return True, None
    ids = sorted(set(got[0]) ^ set(want[0]))
    diff = [i for i in set(got[0]) & set(want[0]) if got[0][i] != want[0][i]]
    return False, {"only_one_side": ids[:10], "different": [(got[0][i], want[0][i])
                                                            for i in diff[:3]],
                   "synonyms_differ": got[1] != want[1]}


def start_node(srv, dsn, kb, name, extra=None):
    conf = {"store": "postgres", "pg-dsn": dsn, "node-id": name}
    conf.update(extra or {})
    return Server(srv.sanad, srv.tmp, kb, name, conf)


@test()
def kbsync_publish_edit_unpublish_reach_every_node(srv):
    pg, dsn = pg_db("kbsync_basic")
    pg_add(srv.sanad, dsn, "ed.s", role="editor", name="Editor")
    with Nodes(srv, dsn, 3, "kbs") as nodes:
        n1, n2, n3 = nodes
        c1 = agent_cookie(n1, "ed.s")
        e = sync_entry(1)
        t0 = time.time()
        st, _, r = api(n1, "POST", "/api/entries", e, c1)
        assert st == 201, r
        seen = {}
        for node in nodes:
            wait_until("answered on " + node.dir, lambda node=node: answered_with(
                node, e["question"], e["id"]))
            seen[os.path.basename(node.dir)] = time.time() - t0
        print("# kbsync lag publish -> answered: %s (max %.2fs)" % (
            ", ".join("%s %.2fs" % kv for kv in sorted(seen.items())), max(seen.values())),
            flush=True)
        # an edit on node 2 reaches 1 and 3: the new answer is given there
        c2 = agent_cookie(n2, "ed.s")
        cur = api(n2, "GET", "/api/entries/sync-001", None, c2)[2]
        st, _, r = api(n2, "PUT", "/api/entries/sync-001",
                       dict(e, answer="Edited on node 2.", version=cur["version"]), c2)
        assert st == 200, r
        for node in (n1, n3):
            wait_until("edit on " + node.dir, lambda node=node: (
                api(node, "GET", "/api/entries/sync-001", None, c1)[2].get("answer")
                == "Edited on node 2.", None))
        # the editor's next save on node 2 is not a conflict: its own version came back as is
        cur2 = api(n2, "GET", "/api/entries/sync-001", None, c2)[2]
        assert cur2["version"] == r["version"], (cur2, r)
        # unpublished on node 3: no node answers it any more
        c3 = agent_cookie(n3, "ed.s")
        st, _, r = api(n3, "POST", "/api/entries/sync-001/unpublish", {}, c3)
        assert st == 200, r
        for node in nodes:
            wait_until("unpublished on " + node.dir, lambda node=node: (
                not answered_with(node, e["question"], e["id"])[0], None))
        # a synonym and a removal go the same way
        st, _, r = api(n1, "POST", "/api/synonyms", {"term": "falconz", "canonical": "falcon"},
                       c1)
        assert st == 201, r
        st, _, r = api(n1, "DELETE", "/api/entries/sync-001", None, c1)
        assert st == 200, r
        want = base_of(n1, c1)
        for node in (n2, n3):
            wait_until("same base on " + node.dir, lambda node=node: same_base(node, c1, want))
        assert "sync-001" not in want[0] and "falconz" in want[1]


@test()
def kbsync_concurrent_edits_land_in_one_order(srv):
    pg, dsn = pg_db("kbsync_race")
    pg_add(srv.sanad, dsn, "ed.a", role="editor", name="A")
    pg_add(srv.sanad, dsn, "ed.b", role="editor", name="B")
    with Nodes(srv, dsn, 3, "kbr") as nodes:
        n1, n2, n3 = nodes
        ca, cb = agent_cookie(n1, "ed.a"), agent_cookie(n2, "ed.b")
        errors = []

        def editor(node, cookie, base):
            try:
                for i in range(8):
                    # each its own entries, and both the same one (last writer wins, in the
                    # one order PostgreSQL gave the versions)
                    st, _, r = api(node, "POST", "/api/entries", sync_entry(base + i), cookie)
                    assert st == 201, r
                    st, _, r = api(node, "POST", "/api/import", json.dumps(
                        sync_entry(99, answer="by %s %d" % (cookie[-6:], i))) + "\n", cookie,
                        ctype="application/x-ndjson")
                    assert st == 200, r
            except Exception as e:  # reported by the main thread
                errors.append(e)

        ts = [threading.Thread(target=editor, args=(n1, ca, 10)),
              threading.Thread(target=editor, args=(n2, cb, 30))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert not errors, errors
        # every version is in PostgreSQL once the requests are answered; the last of
        # sync-099's is what every node must end with
        last = pg.psql("SELECT convert_from(payload, 'UTF8') FROM sanad_kb.kb_versions"
                       " WHERE kind = 'put' AND convert_from(payload, 'UTF8') LIKE '%sync-099%'"
                       " ORDER BY version DESC LIMIT 1", "kbsync_race")
        final = json.loads(last)["entries"][0]["answer"]
        ids = ["sync-%03d" % i for i in list(range(10, 18)) + list(range(30, 38))]

        def settled(node):
            b = base_of(node, ca)[0]
            missing = [i for i in ids if i not in b]
            return (not missing and b["sync-099"]["answer"] == final,
                    (missing, b.get("sync-099", {}).get("answer"), final))
        for node in nodes:
            wait_until("settled on " + node.dir, lambda node=node: settled(node))
        want = base_of(n1, ca)
        for node in (n2, n3):
            ok, diff = same_base(node, ca, want)
            assert ok, diff
        n = int(pg.psql("SELECT count(*) FROM sanad_kb.kb_versions", "kbsync_race"))
        assert n == 1 + 2 * 16, n  # the first snapshot, then one version per edit


@test()
def kbsync_stopped_node_and_new_node_catch_up(srv):
    pg, dsn = pg_db("kbsync_restart")
    pg_add(srv.sanad, dsn, "ed.r", role="editor", name="R")
    kb3 = os.path.join(srv.tmp, "kbc-n3-kb.db")
    shutil.copy(srv.kb_db, kb3)
    with Nodes(srv, dsn, 2, "kbc") as (n1, n2):
        c = agent_cookie(n1, "ed.r")
        n3 = start_node(srv, dsn, kb3, "kbc-n3")
        try:
            e0 = sync_entry(1)
            assert api(n1, "POST", "/api/entries", e0, c)[0] == 201
            wait_until("n3 before its stop", lambda: answered_with(n3, e0["question"], e0["id"]))
        finally:
            n3.stop()
        # edits while node 3 is down
        e1, e2 = sync_entry(2), sync_entry(3)
        assert api(n1, "POST", "/api/entries", e1, c)[0] == 201
        assert api(n2, "POST", "/api/entries", e2, c)[0] == 201
        assert api(n2, "DELETE", "/api/entries/sync-001", None, c)[0] == 200
        head = int(pg.psql("SELECT max(version) FROM sanad_kb.kb_versions", "kbsync_restart"))
        n3 = start_node(srv, dsn, kb3, "kbc-n3b")
        try:
            # before it listens it has applied what was new, and only that
            log = n3.logtext()
            assert "event=ready node=\"kbc-n3b\" version=%d" % head in log, log[-2000:]
            applied = [l for l in log.splitlines() if "event=version_applied" in l]
            assert len(applied) == 3, applied
            for e in (e1, e2):
                ok, bot = answered_with(n3, e["question"], e["id"])
                assert ok, bot
            assert not answered_with(n3, e0["question"], e0["id"])[0]
        finally:
            n3.stop()
        # a new node on an empty base: the latest snapshot, then the log after it
        empty = os.path.join(srv.tmp, "kbc-new-kb.db")
        subprocess.run([srv.sanad, "kb", "init", "--db", empty], check=True,
                       capture_output=True)
        n4 = start_node(srv, dsn, empty, "kbc-n4")
        try:
            assert base_of(n4, c) == base_of(n1, c)
            ok, bot = answered_with(n4, e2["question"], e2["id"])
            assert ok, bot
        finally:
            n4.stop()


@test()
def kbsync_gaps_of_every_node_listed_on_any(srv):
    pg, dsn = pg_db("kbsync_gaps")
    pg_add(srv.sanad, dsn, "ed.g", role="editor", name="G")
    with Nodes(srv, dsn, 2, "kbg") as (n1, n2):
        c = agent_cookie(n1, "ed.g")
        question = "do you rent camels for a desert wedding"
        ws = n2.ws()
        hello(ws, lang="en")
        _, bot = ask(ws, question, "g1")
        assert bot.get("kind") != "answer", bot
        ws.close()

        def listed():
            gaps = api(n1, "GET", "/api/gaps", None, c)[2]["gaps"]
            return [g for g in gaps if g["sample"] == question], gaps
        wait_until("gap of node 2 on node 1", listed)
        g = listed()[0][0]
        assert g["count"] == 1 and g["lang"] == "en", g
        # asked on node 1 too: one gap, counted twice
        ws = n1.ws()
        hello(ws, lang="en")
        ask(ws, question, "g2")
        ws.close()
        wait_until("counted on both", lambda: (listed()[0] and listed()[0][0]["count"] == 2,
                                               listed()[0]))
        st, _, r = api(n1, "GET", "/api/gaps?lang=ar", None, c)
        assert st == 200 and not [x for x in r["gaps"] if x["sample"] == question], r


def _bad_version(pg, db, version, kind, payload, digest=None):
    hexp = payload.hex()
    dg = digest or hashlib.blake2b(payload, digest_size=32).hexdigest()
    pg.psql("INSERT INTO sanad_kb.kb_versions(version, created, node, author, kind, payload,"
            " digest) VALUES (%d, 0, 'evil', 'evil', '%s', '\\x%s', '%s');"
            " NOTIFY sanad_kb" % (version, kind, hexp, dg), db)


@test()
def kbsync_corrupt_versions_refused_by_every_node(srv):
    pg, dsn = pg_db("kbsync_bad")
    pg_add(srv.sanad, dsn, "ed.x", role="editor", name="X")
    with Nodes(srv, dsn, 2, "kbx") as nodes:
        n1, n2 = nodes
        c = agent_cookie(n1, "ed.x")
        before = base_of(n1, c)
        head = int(pg.psql("SELECT max(version) FROM sanad_kb.kb_versions", "kbsync_bad"))
        evil = sync_entry(7, question="what is the evil question")
        bad = [
            ("put", b"\x00\xffnot json at all", None),                           # garbage
            ("put", json.dumps({"entries": [evil]}).encode(), "0" * 64),          # wrong digest
            ("put", json.dumps({"entries": [dict(evil, lang="xx")]}).encode(), None),  # invalid
            ("put", json.dumps({"entries": [evil, {"id": "x y"}]}).encode(), None),    # half bad
            ("rm", json.dumps({"ids": [1, 2]}).encode(), None),
            ("snapshot", json.dumps({"entries": []}).encode(), None),  # would empty the base
            ("drop_all", b"{}", None),
            ("put", json.dumps([evil]).encode(), None),
        ]
        for i, (kind, payload, dg) in enumerate(bad):
            _bad_version(pg, "kbsync_bad", head + 1 + i, kind, payload, dg)
        for node in nodes:
            wait_until("refused on " + node.dir, lambda node=node: (
                node.logtext().count("event=version_refused") == len(bad), None))
            healthz(node)
            assert base_of(node, c) == before
            assert not answered_with(node, evil["question"], evil["id"])[0]
        # and the versions after them are applied
        e = sync_entry(8)
        assert api(n2, "POST", "/api/entries", e, c)[0] == 201
        wait_until("after the bad ones", lambda: answered_with(n1, e["question"], e["id"]))


@test()
def kbsync_survives_a_postgres_restart(srv):
    """PostgreSQL restarted under two nodes: the next edit still reaches the other node (the
    connections are reset and LISTEN again) and a session made before it is still valid;
    while it is down visitors are answered and an edit is refused, changing nothing."""
    pg, dsn = pg_db("kbsync_restart_pg")
    pg_add(srv.sanad, dsn, "ed.p", role="editor", name="P")
    with Nodes(srv, dsn, 2, "kbp") as (n1, n2):
        c = agent_cookie(n1, "ed.p")
        pg.restart()
        e = sync_entry(4)
        assert api(n1, "POST", "/api/entries", e, c)[0] == 201
        wait_until("after the restart", lambda: answered_with(n2, e["question"], e["id"]))
        st, _, body = me(n2, c)
        assert " 200 " in st, (st, body)
        # down: the store is PostgreSQL, so a new visitor is answered only while the killed
        # server's backends linger (they notice the postmaster's death within moments), and
        # otherwise gets a clear error, never a hang or a crash; an editor's session cannot be
        # checked, so the edit is refused and changes nothing; back, it is accepted
        pg.kill()
        try:
            ws = n2.ws()
            try:
                ws.send_json({"type": "hello", "lang": "en"})
                first = ws.recv_json()
                assert first.get("type") == "welcome" or (
                    first.get("type") == "error" and first.get("code") == "internal"), first
            finally:
                ws.close()
            e2 = sync_entry(5)
            st = api(n1, "POST", "/api/entries", e2, c)[0]
            assert st in (401, 500, 503), st
            healthz(n1)
        finally:
            pg.restart()
        c = agent_cookie(n1, "ed.p")
        assert api(n1, "POST", "/api/entries", e2, c)[0] == 201
        wait_until("the edit after it is back", lambda: answered_with(n2, e2["question"],
                                                                      e2["id"]))
        healthz(n2)


@test()
def kbsync_snapshot_every_hundred_versions(srv):
    """After BOT_KBSYNC_SNAPSHOT_EVERY (100) versions a node at the head writes a snapshot; a
    new node on an empty base applies it and only the versions after it."""
    pg, dsn = pg_db("kbsync_snap")
    pg_add(srv.sanad, dsn, "ed.n", role="editor", name="N")
    with Nodes(srv, dsn, 1, "kbn") as (n1,):
        c = agent_cookie(n1, "ed.n")
        for i in range(105):
            st, _, r = api(n1, "POST", "/api/synonyms",
                           {"term": "zword%d" % i, "canonical": "falcon"}, c)
            assert st == 201, r

        def snaps():
            s = pg.psql("SELECT version FROM sanad_kb.kb_versions WHERE kind = 'snapshot'"
                        " ORDER BY version", "kbsync_snap").split()
            return len(s) == 2, s
        wait_until("a second snapshot", snaps)
        snap = int(snaps()[1][1])
        assert snap >= 101, snap
        # edits after it, then a new node on an empty base
        e = sync_entry(6)
        assert api(n1, "POST", "/api/entries", e, c)[0] == 201
        head = int(pg.psql("SELECT max(version) FROM sanad_kb.kb_versions", "kbsync_snap"))
        empty = os.path.join(srv.tmp, "kbn-new-kb.db")
        subprocess.run([srv.sanad, "kb", "init", "--db", empty], check=True,
                       capture_output=True)
        n2 = start_node(srv, dsn, empty, "kbn-n2")
        try:
            applied = [l for l in n2.logtext().splitlines() if "event=version_applied" in l]
            assert len(applied) == 1 + head - snap, (applied, head, snap)
            assert "version=%d " % snap in applied[0], applied[0]
            assert base_of(n2, c) == base_of(n1, c)
            ok, bot = answered_with(n2, e["question"], e["id"])
            assert ok, bot
        finally:
            n2.stop()
