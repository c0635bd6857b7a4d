# Attachments across nodes (issue 17, bot/attach_pg.c): with `store postgres` an upload on one
# node is kept in PostgreSQL too (schema sanad_attach, table blobs) and served by another node
# that never saw it, byte for byte; a blob changed in the database is refused (nothing written,
# logged); a purge drops the blob when no row needs it and the other node's copy goes at its
# sweep; PostgreSQL down gives a 503 with Retry-After, not a hang; hostile ids. A real
# PostgreSQL (tests/pgtemp.py) and real `sanad serve --store postgres` nodes. Run by
# tests/integration/run after attach_tests.py, privacy_tests.py and auth_pg_tests.py, whose
# helpers (upload, visitor, PNG, PDF, GIF, JPEG, _pdel, pg_db, pg_add, Nodes) and the run's
# (test, Server, agent_cookie, me) it uses.

import hashlib


def apg_node(srv, dsn, name):
    """One `sanad serve --store postgres` node on dsn with its own files."""
    kb = os.path.join(srv.tmp, name + "-kb.db")
    shutil.copy(srv.kb_db, kb)
    return Server(srv.sanad, srv.tmp, kb, name, {"store": "postgres", "pg-dsn": dsn,
                                                 "node-id": name})


def apg_dir(node):
    return os.path.join(node.dir, "attachments")


def apg_files(node):
    return sorted(os.listdir(apg_dir(node)))


def apg_upload(node, data, name):
    """A visitor on node uploads data; returns (the visitor's socket, token, the answer)."""
    ws, w = visitor(node)
    st, _, j = upload(node, data, name=name, token=w["token"])
    assert st == 201, (st, j)
    return ws, w["token"], j


def apg_blobs(pg, db):
    out = pg.psql("SELECT hash, size, octet_length(bytes) FROM sanad_attach.blobs ORDER BY hash",
                  db)
    return [tuple(l.split("|")) for l in out.split()]


def apg_pdf(n):
    """A PDF of n bytes (sniffed as one: the magic, then filler)."""
    head = b"%PDF-1.4\n"
    return head + bytes((i * 7 + 13) % 251 for i in range(n - len(head)))


@test()
def attach_pg_upload_on_one_node_served_by_another(srv):
    pg, dsn = pg_db("attach_nodes")
    pg_add(srv.sanad, dsn, "huda", name="Huda")
    big = apg_pdf(1 << 20)
    with Nodes(srv, dsn, 2, "attn") as (n1, n2):
        ws, _, j = apg_upload(n1, PNG, "shot.png")
        ws2, _, jb = apg_upload(n1, big, "big.pdf")
        h = hashlib.blake2b(PNG, digest_size=32).hexdigest()
        hb = hashlib.blake2b(big, digest_size=32).hexdigest()
        # the bytes are in PostgreSQL before the 201, once per hash
        assert apg_blobs(pg, "attach_nodes") == sorted(
            [(h, str(len(PNG)), str(len(PNG))), (hb, str(len(big)), str(len(big)))])
        assert apg_files(n2) == []
        # the agent logged in on node 1 opens them on node 2
        cookie = agent_cookie(n1, "huda")
        st, _, body = me(n2, cookie)
        assert " 200 " in st, (st, body)
        for a, data, typ in [(j, PNG, "image/png"), (jb, big, "application/pdf")]:
            for _ in range(2):  # fetched once, then served from node 2's own file
                gst, gh, gb = n2.get(a["url"], "Cookie: %s\r\n" % cookie)
                assert " 200 " in gst, gst
                assert gb == data and gh["content-type"] == typ, (gh, len(gb))
                assert gh["x-content-type-options"] == "nosniff", gh
        assert apg_files(n2) == sorted([h, hb]), apg_files(n2)
        with open(os.path.join(apg_dir(n2), hb), "rb") as f:
            assert f.read() == big
        assert n2.logtext().count("event=fetched") == 2, n2.logtext()
        # the same bytes again: one blob still
        ws3, _, j3 = apg_upload(n2, PNG, "again.png")
        assert j3["id"] != j["id"]
        assert len(apg_blobs(pg, "attach_nodes")) == 2
        for w in (ws, ws2, ws3):
            w.close()


HOSTILE_ATT_IDS = ["0" * 32, "A" * 32, "0" * 31, "0" * 33, "xyz", "..%2F..%2Fstore.db",
                   "%00" + "0" * 29, "'%20OR%201=1--" + "0" * 18, "0" * 32 + "%2F..",
                   "0" * 4000]


@test()
def attach_pg_hostile_ids_are_404_and_change_nothing(srv):
    pg, dsn = pg_db("attach_hostile")
    with Nodes(srv, dsn, 1, "atth") as (n1,):
        ws, _, j = apg_upload(n1, PNG, "x.png")
        for aid in HOSTILE_ATT_IDS:
            st, _, b = n1.get("/api/attachments/" + aid)
            code = int(st.split(" ")[1])
            # the router's refusals (a path with a slash in it: no such route) or a 404
            assert code in (404, 405, 414, 431), (aid[:40], st, b)
            assert code == 404 or aid.startswith("0" * 32 + "%") or len(aid) > 100, (aid, st)
        assert len(apg_blobs(pg, "attach_hostile")) == 1
        assert "blob_fetch_failed" not in n1.logtext()
        ws.close()


@test()
def attach_pg_tampered_blob_is_refused(srv):
    pg, dsn = pg_db("attach_tamper")
    with Nodes(srv, dsn, 2, "attt") as (n1, n2):
        ws, _, j = apg_upload(n1, PDF, "invoice.pdf")
        pg.psql("UPDATE sanad_attach.blobs SET bytes = overlay(bytes placing 'X'::bytea from 12)",
                "attach_tamper")
        st, _, b = n2.get(j["url"])
        assert " 500 " in st, (st, b)
        assert json.loads(b)["error"]["code"] == "internal", b
        assert apg_files(n2) == []  # nothing written, no temporary file left either
        assert "event=blob_fetch_failed" in n2.logtext() and "hash to" in n2.logtext()
        # the same size but the wrong length recorded: refused too
        pg.psql("UPDATE sanad_attach.blobs SET size = size + 1", "attach_tamper")
        st, _, b = n2.get(j["url"])
        assert " 500 " in st or " 404 " in st, (st, b)
        assert apg_files(n2) == []
        # a blob and row over attachment_max_bytes (5 MiB): refused before the transfer
        pg.psql("UPDATE sanad_attach.blobs SET bytes = '%PDF-'::bytea ||"
                " decode(repeat('00', 6000000), 'hex'), size = 6000005;"
                " UPDATE sanad_store.attachments SET size = 6000005", "attach_tamper")
        st, _, b = n2.get(j["url"])
        assert " 500 " in st, (st, b)
        assert "more than 5242880" in n2.logtext(), n2.logtext()
        assert apg_files(n2) == []
        pg.psql("UPDATE sanad_store.attachments SET size = %d" % len(PDF), "attach_tamper")
        # node 1 serves its own copy, untouched
        st, _, b = n1.get(j["url"])
        assert " 200 " in st and b == PDF, st
        ws.close()


def apg_conf(node, dsn):
    conf = os.path.join(node.dir, "privacy-pg.conf")
    with open(conf, "w") as f:
        f.write("store postgres\npg_dsn %s\nattachments_dir %s\n" % (dsn, apg_dir(node)))
    return conf


@test()
def attach_pg_purge_drops_the_blob_and_the_other_nodes_copy(srv):
    pg, dsn = pg_db("attach_purge")
    n1 = apg_node(srv, dsn, "attp-n1")
    n2 = None
    try:
        n2 = apg_node(srv, dsn, "attp-n2")
        wa, ta, ja = apg_upload(n1, PNG, "a.png")
        wb, tb, jb = apg_upload(n1, PNG, "b.png")  # another conversation, the same bytes
        wa.close()
        wb.close()
        for a in (ja, jb):
            st, _, b = n2.get(a["url"])
            assert " 200 " in st and b == PNG, st
        h = hashlib.blake2b(PNG, digest_size=32).hexdigest()
        assert apg_files(n2) == [h]
        conf = apg_conf(n1, dsn)
        # A purged: B still needs the bytes, the blob stays
        p = subprocess.run([srv.sanad, "privacy", "delete", "--token", ta, "--yes", "--config",
                            conf], capture_output=True, timeout=60)
        assert p.returncode == 0, p
        assert json.loads(p.stdout)["attachments"] == 1, p.stdout
        assert len(apg_blobs(pg, "attach_purge")) == 1
        assert " 404 " in n2.get(ja["url"])[0]
        st, _, b = n2.get(jb["url"])
        assert " 200 " in st and b == PNG, st
        # B purged: no row needs the hash, the blob goes, every node answers 404
        p = subprocess.run([srv.sanad, "privacy", "delete", "--token", tb, "--yes", "--config",
                            conf], capture_output=True, timeout=60)
        assert p.returncode == 0, p
        assert apg_blobs(pg, "attach_purge") == []
        assert apg_files(n1) == []  # the purging side's files (its attachments_dir)
        for node in (n1, n2):
            st, _, b = node.get(jb["url"])
            assert " 404 " in st, (st, b)
        # through the API on node 2 (its own connection): a PDF node 1 took, purged there
        pg_add(srv.sanad, dsn, "boss.p", role="admin", name="Boss")
        wc, tc, jc = apg_upload(n1, PDF, "c.pdf")
        wc.close()
        hc = hashlib.blake2b(PDF, digest_size=32).hexdigest()
        assert " 200 " in n2.get(jc["url"])[0]
        st, _, b = _pdel(n2, {"token": tc}, agent_cookie(n2, "boss.p"))
        assert " 200 " in st and json.loads(b)["removed"]["attachments"] == 1, (st, b)
        assert apg_blobs(pg, "attach_purge") == [], (apg_blobs(pg, "attach_purge"), hc)
        assert hc not in apg_files(n2)  # the purging node's own copy
        assert hc in apg_files(n1)  # node 1's goes at its sweep
        assert pg.psql("SELECT count(*) FROM sanad_attach.purged", "attach_purge").strip() == "2"
        # node 2's copy goes at its sweep (at the start, then from the tick)
        assert apg_files(n2) == [h]
        old = apg_dir(n2)
        keep = os.path.join(old, ".tmp-not-a-hash")  # not a hash: not the sweep's to judge
        with open(keep, "wb") as f:
            f.write(b"x")
        n2.stop()
        n2 = None
        kb = os.path.join(srv.tmp, "attp-n2b-kb.db")
        shutil.copy(srv.kb_db, kb)
        n2 = Server(srv.sanad, srv.tmp, kb, "attp-n2b",
                    {"store": "postgres", "pg-dsn": dsn, "node-id": "attp-n2b",
                     "attachments-dir": old})
        assert os.listdir(old) == [".tmp-not-a-hash"], os.listdir(old)
        assert "event=swept files=1" in n2.logtext(), n2.logtext()
    finally:
        n1.stop()
        if n2:
            n2.stop()


@test()
def attach_pg_sweep_sends_missing_blobs_and_keeps_unknown_files(srv):
    """A store migrated from SQLite has rows and files but no blobs: the sweep at the start
    sends them (checked first); a file PostgreSQL knows nothing of is never removed."""
    pg, dsn = pg_db("attach_backfill")
    n1 = apg_node(srv, dsn, "attf-n1")
    n2 = None
    try:
        n2 = apg_node(srv, dsn, "attf-n2")
        wa, _, ja = apg_upload(n1, PNG, "a.png")
        wb, _, jb = apg_upload(n1, GIF, "b.gif")
        wa.close()
        wb.close()
        pg.psql("DELETE FROM sanad_attach.blobs", "attach_backfill")  # as `sanad migrate` leaves it
        st, _, b = n2.get(ja["url"])
        assert " 404 " in st, (st, b)
        old = apg_dir(n1)
        hg = hashlib.blake2b(GIF, digest_size=32).hexdigest()
        with open(os.path.join(old, hg), "wb") as f:  # a file not what its name says
            f.write(GIF + b"changed")
        stray = hashlib.blake2b(JPEG, digest_size=32).hexdigest()
        with open(os.path.join(old, stray), "wb") as f:  # no row, no purge: not ours to judge
            f.write(JPEG)
        n1.stop()
        kb = os.path.join(srv.tmp, "attf-n1b-kb.db")
        shutil.copy(srv.kb_db, kb)
        n1 = Server(srv.sanad, srv.tmp, kb, "attf-n1b",
                    {"store": "postgres", "pg-dsn": dsn, "node-id": "attf-n1b",
                     "attachments-dir": old})
        assert "event=swept files=0 blobs_sent=1" in n1.logtext(), n1.logtext()
        assert "event=backfill_skipped hash=%s" % hg in n1.logtext(), n1.logtext()
        hp = hashlib.blake2b(PNG, digest_size=32).hexdigest()
        assert [r[0] for r in apg_blobs(pg, "attach_backfill")] == [hp]
        assert stray in os.listdir(old)
        st, _, b = n2.get(ja["url"])
        assert " 200 " in st and b == PNG, st
        st, _, b = n2.get(jb["url"])
        assert " 404 " in st, st  # never sent: no node serves other bytes under its name
    finally:
        n1.stop()
        if n2:
            n2.stop()


@test()
def attach_pg_postgres_down_is_a_503_not_a_hang(srv):
    from pgtemp import PgTemp
    own = PgTemp().start()  # its own server: killing the file's shared one would end others'
    try:
        dsn = own.create_db("attach_down")
        with Nodes(srv, dsn, 2, "attd") as (n1, n2):
            ws, _, j = apg_upload(n1, PNG, "x.png")
            ws.close()
            own.kill()
            t0 = time.monotonic()
            st, h, b = n2.get(j["url"])
            assert " 503 " in st, (st, b)
            assert h.get("retry-after") == "5", h
            assert json.loads(b)["error"]["code"] == "unavailable", b
            assert time.monotonic() - t0 < 30  # bounded by the connect timeout, not a hang
            assert apg_files(n2) == []
            own.restart()
            for _ in range(50):  # the connection comes back on the next call
                st, _, b = n2.get(j["url"])
                if " 200 " in st:
                    break
                time.sleep(0.2)
            assert " 200 " in st and b == PNG, st
    finally:
        own.stop()


@test()
def attach_pg_upload_latency_sqlite_vs_postgres(srv):
    """Figures only (printed): 1 MiB uploads on SQLite and on PostgreSQL."""
    pg, dsn = pg_db("attach_bench")
    data = apg_pdf(1 << 20)
    kb = os.path.join(srv.tmp, "attb-lite-kb.db")
    shutil.copy(srv.kb_db, kb)
    lite = Server(srv.sanad, srv.tmp, kb, "attb-lite", {"attachments-per-conversation": 100})
    try:
        with Nodes(srv, dsn, 1, "attb", {"attachments-per-conversation": 100}) as (node,):
            figs = {}
            for label, s in (("sqlite", lite), ("postgres", node)):
                ws, w = visitor(s)
                times = []
                for i in range(10):
                    d = data[:-8] + b"%08d" % i  # new bytes each time: a new blob
                    t0 = time.monotonic()
                    st, _, j = upload(s, d, name="b.pdf", token=w["token"])
                    times.append(time.monotonic() - t0)
                    assert st == 201, (st, j)
                ws.close()
                times.sort()
                figs[label] = (times[len(times) // 2] * 1000, times[-1] * 1000)
            print("    1 MiB upload: sqlite median %.1f ms (max %.1f), postgres median %.1f ms"
                  " (max %.1f)" % (figs["sqlite"] + figs["postgres"]))
    finally:
        lite.stop()
