# Attachments (issue 14, docs/api.md "Attachments"): uploads over HTTP with the conversation's
# token or an agent's cookie, hostile files (HTML named .png, oversize, zero bytes, a path in
# the name, a lying Content-Length), the headers a GET is served with, the files on disk
# (content-hashed names, nothing elsewhere, the same bytes once), attachments in messages
# both ways (live, replayed, the agent's transcript), another conversation's file refused,
# a restart, and the store's v3 → v4 step. Run by tests/integration/run, whose helpers
# (test, Server, hello, ask, add_user, agent_cookie, agent_ws, until, visitor_handoff,
# api_error) it uses.

import hashlib
import urllib.parse

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
       b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload(srv, data, name=None, token=None, cookie=None, conv=None, origin=None, cl=None,
           ctype="application/octet-stream", body=None):
    """POST /api/attachments; returns (status, headers, JSON or bytes). cl: a Content-Length
    to claim instead of the body's; body: the bytes actually sent (default data)."""
    q = []
    if name is not None:
        q.append("name=" + urllib.parse.quote(name, safe=""))
    if conv is not None:
        q.append("conversation=" + urllib.parse.quote(conv, safe=""))
    path = "/api/attachments" + ("?" + "&".join(q) if q else "")
    head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % (path, srv.port)
    if token is not None:
        head += "X-Sanad-Token: %s\r\n" % token
    if cookie:
        head += "Cookie: %s\r\n" % cookie
    if origin:
        head += "Origin: %s\r\n" % origin
    if ctype:
        head += "Content-Type: %s\r\n" % ctype
    if cl != "none":
        head += "Content-Length: %d\r\n" % (len(data) if cl is None else cl)
    st, h, b = srv.http(head.encode() + b"\r\n" + (data if body is None else body))
    status = int(st.split(" ")[1]) if st.startswith("HTTP/") else 0
    if h.get("content-type", "").startswith("application/json"):
        return status, h, json.loads(b)
    return status, h, b


def att_dir(srv):
    return os.path.join(os.path.dirname(srv.store), "attachments")


def att_files(srv):
    return sorted(os.listdir(att_dir(srv)))


def visitor(srv, lang="en"):
    ws = srv.ws()
    w, _ = hello(ws, lang=lang)
    return ws, w


def refused_upload(r, status, code):
    st, h, j = r
    assert st == status, (st, j)
    assert isinstance(j, dict) and j["error"]["code"] == code and j["error"]["message"], j
    return j


@test(server={})
def attach_upload_kinds_and_served_headers(srv):
    ws, w = visitor(srv)
    tok = w["token"]
    for data, name, typ, inline in [(PNG, "shot.png", "image/png", True),
                                    (JPEG, "photo.jpeg", "image/jpeg", True),
                                    (GIF, "a.gif", "image/gif", True),
                                    (WEBP, "w.webp", "image/webp", True),
                                    (PDF, "فاتورة.pdf", "application/pdf", False)]:
        st, h, j = upload(srv, data, name=name, token=tok)
        assert st == 201, (st, j)
        assert j["type"] == typ and j["size"] == len(data) and j["name"] == name, j
        assert len(j["id"]) == 32 and j["url"] == "/api/attachments/" + j["id"], j
        gst, gh, gb = srv.get(j["url"])
        assert " 200 " in gst, gst
        assert gb == data
        assert gh["content-type"] == typ, gh
        assert gh["x-content-type-options"] == "nosniff", gh
        assert "default-src 'none'" in gh["content-security-policy"], gh
        assert "sandbox" in gh["content-security-policy"], gh
        assert gh["cache-control"].startswith("private"), gh
        disp = gh["content-disposition"]
        assert disp.startswith("inline" if inline else "attachment;"), disp
        assert ("filename*=UTF-8''" + urllib.parse.quote(name, safe="")) in disp, disp
    # an unknown id, a malformed one, a path
    for path in ["/api/attachments/" + "0" * 32, "/api/attachments/xyz",
                 "/api/attachments/..%2F..%2Fstore.db", "/api/attachments/" + "a" * 33]:
        st, h, b = srv.get(path)
        assert " 404 " in st, (path, st, b)
    ws.close()


@test(server={"attachment_max_bytes": 4096})
def attach_hostile_files_are_refused_and_change_nothing(srv):
    ws, w = visitor(srv)
    tok = w["token"]
    rows = lambda: srv.count("SELECT count(*) FROM attachments")  # noqa: E731
    # an HTML file named .png (and claiming image/png): the bytes decide
    j = refused_upload(upload(srv, HTML, name="cat.png", token=tok, ctype="image/png"), 415,
                       "unsupported_media_type")
    assert "PDF" in j["error"]["message"], j
    # SVG (scripts), text, a zip
    for data in [b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", b"hello",
                 b"PK\x03\x04" + b"\0" * 30]:
        refused_upload(upload(srv, data, name="x.png", token=tok), 415, "unsupported_media_type")
    # zero bytes
    refused_upload(upload(srv, b"", name="empty.png", token=tok), 400, "empty")
    # oversize: refused from its Content-Length, before a byte is read
    big = PNG + b"\0" * 5000
    refused_upload(upload(srv, big, name="big.png", token=tok), 413, "too_big")
    # a lying Content-Length: over the cap, with a small body sent
    refused_upload(upload(srv, PNG, name="big.png", token=tok, cl=10 ** 9), 413, "too_big")
    refused_upload(upload(srv, PNG, name="big.png", token=tok, cl=99999999999999999999999), 413,
                   "too_big")
    # and one under the cap with more sent: only Content-Length bytes are ever read
    st, h, j = upload(srv, PNG, name="short.png", token=tok, cl=len(PNG), body=PNG + b"\0" * 9000)
    assert st == 201 and j["size"] == len(PNG), (st, j)
    # no Content-Length at all (chunked): 411, never an unbounded read
    st, h, j = upload(srv, PNG, token=tok, cl="none", body=b"")
    assert st == 411, (st, j)
    assert rows() == 1, rows()
    assert att_files(srv) == [hashlib.blake2b(PNG, digest_size=32).hexdigest()], att_files(srv)
    assert srv.ws  # the server is still serving
    ask(ws, "hello", "h1")
    ws.close()


@test(server={})
def attach_name_with_a_path_is_sanitized_and_stored_by_hash_only(srv):
    before = set(os.listdir(srv.dir))
    ws, w = visitor(srv)
    tok = w["token"]
    for raw, shown in [("../../etc/passwd.png", "passwd.png"),
                       ("..\\..\\boot.ini", "boot.ini.png"),
                       ("/tmp/evil\r\nX-Injected: 1.png", None),  # lws cuts the query at %0D
                       (".hidden", "hidden.png"), ("", "attachment.png"),
                       ("page.html", "page.html.png")]:
        st, h, j = upload(srv, PNG, name=raw, token=tok)
        assert st == 201 and j["name"] == (shown or j["name"]), (raw, st, j)
        assert not set(j["name"]) & set("/\\\r\n:") and j["name"].endswith(".png"), j
        gst, gh, _ = srv.get(j["url"])
        assert "x-injected" not in gh, gh
        assert "\r" not in gh["content-disposition"] and ".." not in gh["content-disposition"]
    digest = hashlib.blake2b(PNG, digest_size=32).hexdigest()
    assert att_files(srv) == [digest], att_files(srv)  # one file, named by its hash
    assert not os.path.exists("/etc/passwd.png") and not os.path.exists("/tmp/evil")
    after = set(os.listdir(srv.dir))
    new = after - before
    assert new <= {"attachments", "store.db-wal", "store.db-shm"}, new
    assert srv.count("SELECT count(DISTINCT hash) FROM attachments") == 1
    assert srv.count("SELECT count(*) FROM attachments") == 6
    ws.close()


@test(server={"allowed_origins": "https://shop.example"})
def attach_needs_a_token_or_an_agents_chat(srv):
    ws, w = visitor(srv)
    refused_upload(upload(srv, PNG), 401, "unauthorized")
    refused_upload(upload(srv, PNG, token=""), 401, "unauthorized")
    refused_upload(upload(srv, PNG, token="0" * 64), 401, "unauthorized")
    refused_upload(upload(srv, PNG, token="x" * 5000), 401, "unauthorized")
    refused_upload(upload(srv, PNG, cookie="sanad_session=" + "0" * 64, conv=w["conversation"]),
                   401, "unauthorized")
    add_user(srv, "ed", role="editor", name="Ed")
    refused_upload(upload(srv, PNG, cookie=agent_cookie(srv, "ed"), conv=w["conversation"]), 401,
                   "unauthorized")
    add_user(srv, "amal", name="Amal")
    ck = agent_cookie(srv, "amal")
    refused_upload(upload(srv, PNG, cookie=ck), 400, "bad_argument")
    refused_upload(upload(srv, PNG, cookie=ck, conv="../x"), 400, "bad_argument")
    # a conversation that is not hers (with the bot)
    refused_upload(upload(srv, PNG, cookie=ck, conv=w["conversation"]), 403, "forbidden")
    # another site's page: refused; the widget's allowed site: answered with CORS
    refused_upload(upload(srv, PNG, token=w["token"], origin="https://evil.example"), 403,
                   "bad_origin")
    st, h, j = upload(srv, PNG, token=w["token"], origin="https://shop.example")
    assert st == 201 and h["access-control-allow-origin"] == "https://shop.example", (st, h)
    pst, ph, _ = srv.http(("OPTIONS /api/attachments HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Origin: https://shop.example\r\nAccess-Control-Request-Method: POST\r\n"
                           "Access-Control-Request-Headers: x-sanad-token\r\nConnection: close"
                           "\r\n\r\n" % srv.port).encode())
    assert " 204 " in pst and ph["access-control-allow-origin"] == "https://shop.example", (pst, ph)
    assert "X-Sanad-Token" in ph["access-control-allow-headers"], ph
    pst, ph, _ = srv.http(("OPTIONS /api/attachments HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Origin: https://evil.example\r\nConnection: close\r\n\r\n"
                           % srv.port).encode())
    assert "access-control-allow-origin" not in ph, ph
    assert srv.count("SELECT count(*) FROM attachments") == 1
    ws.close()


@test(server={"rate": 1000, "burst": 1000})
def attach_in_messages_both_ways(srv):
    add_user(srv, "amal", name="Amal")
    ck = agent_cookie(srv, "amal")
    ag, _, _, _ = agent_ws(srv, cookie=ck)
    other, ow = visitor(srv)
    st, _, theirs = upload(srv, PNG, name="theirs.png", token=ow["token"])
    assert st == 201
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    conv = vw["conversation"]
    vis.expect("message", **{"from": "system"})
    vis.expect("agent_joined")
    until(ag, "transcript", conversation=conv)

    # the visitor sends an image with no words
    st, _, mine = upload(srv, PNG, name="screen.png", token=vw["token"])
    assert st == 201, mine
    vis.send_json({"type": "message", "text": "", "client_id": "f1", "attachment": mine["id"]})
    ack = vis.expect("ack", client_id="f1")
    rel, _ = until(ag, "message", conversation=conv)
    want = {k: mine[k] for k in ("id", "url", "type", "size", "name")}
    assert rel["seq"] == ack["seq"] and rel["attachment"] == want and rel["text"] == "", rel
    # with words too, text absent is fine with an attachment
    vis.send_json({"type": "message", "client_id": "f2", "attachment": mine["id"]})
    vis.expect("ack", client_id="f2")
    until(ag, "message", conversation=conv)
    # another conversation's file, a malformed id, a non-string: refused, nothing stored
    n = srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv)
    refused(vis, "not_found", {"type": "message", "text": "x", "client_id": "f3",
                               "attachment": theirs["id"]})
    refused(vis, "not_found", {"type": "message", "text": "x", "client_id": "f3",
                               "attachment": "f" * 32})
    for bad in ["../../etc/passwd", "F" * 32, 7, {"id": mine["id"]}]:
        refused(vis, "bad_field", {"type": "message", "text": "x", "client_id": "f3",
                                   "attachment": bad})
    refused(vis, "bad_field", {"type": "message", "client_id": "f3"})  # no text, no file
    assert srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv) == n

    # the agent sends a PDF: uploaded with her cookie to her chat, then replied
    st, _, pdf = upload(srv, PDF, name="guide.pdf", cookie=ck, conv=conv)
    assert st == 201 and pdf["type"] == "application/pdf", pdf
    ag.send_json({"type": "reply", "conversation": conv, "client_id": "r1",
                  "attachment": pdf["id"], "text": "the guide"})
    rack, _ = until(ag, "ack", conversation=conv)
    m = vis.expect("message", seq=rack["seq"])
    assert m["from"] == "agent" and m["text"] == "the guide", m
    assert m["attachment"] == {k: pdf[k] for k in ("id", "url", "type", "size", "name")}, m
    ag.send_json({"type": "reply", "conversation": conv, "client_id": "r2",
                  "attachment": theirs["id"]})
    e, _ = until(ag, "error")
    assert e["code"] == "not_found", e
    assert vis.sync() == []

    # replayed to the visitor and in the agent's transcript after a reconnect
    vis.drop()
    vis = srv.ws()
    _, msgs = hello(vis, token=vw["token"], last_seq=0)
    withatt = [x for x in msgs if x.get("attachment")]
    assert [x["attachment"]["id"] for x in withatt] == [mine["id"], mine["id"], pdf["id"]], msgs
    ag.close()
    ag, _, _, _ = agent_ws(srv, cookie=ck)
    t, _ = until(ag, "transcript", conversation=conv)
    assert [x["attachment"]["id"] for x in t["messages"] if x.get("attachment")] == \
        [mine["id"], mine["id"], pdf["id"]], t
    for x in (vis, ag, other):
        x.close()


@test(server={})
def attach_same_bytes_stored_once_and_kept_across_a_restart(srv):
    ws, w = visitor(srv)
    a = upload(srv, PDF, name="a.pdf", token=w["token"])[2]
    b = upload(srv, PDF, name="b.pdf", token=w["token"])[2]
    assert a["id"] != b["id"] and a["name"] == "a.pdf" and b["name"] == "b.pdf", (a, b)
    assert att_files(srv) == [hashlib.blake2b(PDF, digest_size=32).hexdigest()]
    ws.send_json({"type": "message", "text": "see", "client_id": "m1", "attachment": a["id"]})
    ws.expect("ack", client_id="m1")
    ws.close()
    srv.stop()
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "attach-restart", extra={"store-db": srv.store})
    try:
        st, h, body = s2.get(b["url"])
        assert " 200 " in st and body == PDF, st
        assert "filename*=UTF-8''b.pdf" in h["content-disposition"], h
        ws = s2.ws()
        _, msgs = hello(ws, token=w["token"], last_seq=0)
        assert [x["attachment"]["name"] for x in msgs if x.get("attachment")] == ["a.pdf"], msgs
        ws.close()
    finally:
        s2.stop()


@test(server={}, sqlite_only=True)
def attach_store_v3_is_migrated_to_v4(srv):
    """A store of schema 3 (before attachments): the step adds the table in the migration's
    one transaction; conversations are kept and resume."""
    ws, w = visitor(srv)
    ask(ws, EN_Q, "q1")
    ws.close()
    srv.stop()
    path = os.path.join(srv.tmp, "v3-store.db")
    shutil.copy(srv.store, path)
    c = sqlite3.connect(path)
    c.execute("DROP TABLE attachments")
    c.execute("DROP TABLE profiles")  # a real v3 file had neither (profiles came in v5)
    c.execute("PRAGMA user_version = 3")
    c.commit()
    c.close()
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "attach-v3", extra={"store-db": path})
    try:
        c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        cols = [r[1] for r in c.execute("PRAGMA table_info(attachments)")]
        assert cols == ["id", "conv_id", "hash", "type", "size", "name", "created"], cols
        assert c.execute("SELECT count(*) FROM profiles").fetchone()[0] == 0  # v4 → v5 too
        c.close()
        ws = s2.ws()
        w2, msgs = hello(ws, token=w["token"], last_seq=0)
        assert w2["resumed"] and [m["seq"] for m in msgs] == [1, 2, 3], (w2, msgs)
        st, _, j = upload(s2, PNG, token=w["token"])
        assert st == 201, j
        ws.close()
    finally:
        s2.stop()


@test(server={})
def attach_dir_that_cannot_be_made_is_a_config_error(srv):
    blocker = os.path.join(srv.tmp, "not-a-dir")
    open(blocker, "w").close()
    p = subprocess.run([srv.sanad, "serve", "--port", "0", "--bind", "127.0.0.1", "--db",
                        srv.kb_db, "--store-db", os.path.join(srv.tmp, "cfg-err.db"),
                        "--attachments-dir", os.path.join(blocker, "sub")],
                       capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0 and "attachments_dir" in err, (p.returncode, err)


@test(server={})
def attach_large_file_round_trips(srv):
    """A file just under the default cap (5 MiB) goes up and comes back byte for byte: the
    answer is larger than one socket write."""
    ws, w = visitor(srv)
    data = PNG + os.urandom((5 << 20) - len(PNG) - 1)
    st, _, j = upload(srv, data, name="big.png", token=w["token"])
    assert st == 201 and j["size"] == len(data), (st, j)
    gst, gh, gb = srv.get(j["url"])
    assert " 200 " in gst and len(gb) == len(data) and gb == data, (gst, len(gb))
    # one byte over: refused from its Content-Length (the body is not read: only its start is
    # sent here, as a client that reads the early answer would stop)
    refused_upload(upload(srv, data, name="big.png", token=w["token"], cl=(5 << 20) + 1,
                          body=data[:1000]), 413, "too_big")
    ws.close()


@test(server={"attachments_per_conversation": 2})
def attach_uploads_per_conversation_are_capped(srv):
    """A conversation cannot fill the disk: past attachments_per_conversation uploads the next
    gets 429 and nothing is stored; another conversation still uploads."""
    ws, w = visitor(srv)
    for data in (PNG, PDF):
        assert upload(srv, data, token=w["token"])[0] == 201
    refused_upload(upload(srv, GIF, token=w["token"]), 429, "too_many_attachments")
    assert srv.count("SELECT count(*) FROM attachments") == 2
    assert len(att_files(srv)) == 2
    other, ow = visitor(srv)
    assert upload(srv, GIF, token=ow["token"])[0] == 201
    ws.close()
    other.close()
