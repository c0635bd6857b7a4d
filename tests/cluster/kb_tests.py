# The knowledge base across nodes (issue 17, bot/kbsync.h): every node answers from its own
# SQLite/FTS5 copy, and an entry an editor publishes through the API of one node is answered
# on every node; an unpublish reaches every node the same way. Run by tests/cluster/run (this
# file is executed in a namespace that has its @test, Cluster and helpers).

KB_Q = "can i book a slot for falcon grooming on a friday"
KB_ENTRY = {"id": "cluster-falcon", "lang": "en", "category": "sync",
            "question": "can i book a slot for falcon grooming",
            "answer": "Yes: falcon grooming slots open every morning at nine.",
            "status": "published"}


def kb_api(node, method, path, body, cookie):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\nCookie: %s\r\n"
            % (method, path, node.port, cookie))
    if body is not None:
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(data)
    st, _, b = http(node, (head + "\r\n").encode() + data)
    return int(st.split(" ")[1]), b


def kb_answer(node, text):
    """What a real visitor on node is answered: (kind, kb_id)."""
    ws = node.ws()
    try:
        hello(ws, lang="en")
        ws.send_json({"type": "message", "text": text, "client_id": "kq"})
        ws.expect("ack", client_id="kq")
        m = ws.expect("message", **{"from": "bot"})
        return m.get("kind"), m.get("kb_id")
    finally:
        ws.close()


@test(nodes=3)
def kb_published_entry_is_answered_on_every_node(cl):
    add_user(cl, "ed.kb", name="Editor", role="editor")
    n1, n2, n3 = cl.nodes
    for n in cl.nodes:  # the demo base has no such entry: nobody answers with it yet
        assert kb_answer(n, KB_Q)[1] != KB_ENTRY["id"], n.name
    cookie = agent_cookie(n1, "ed.kb")
    st, b = kb_api(n1, "POST", "/api/entries", KB_ENTRY, cookie)
    assert st == 201, (st, b)
    t0 = time.time()
    lag = {}
    for n in (n1, n2, n3):
        eventually(lambda: kb_answer(n, KB_Q) == ("answer", KB_ENTRY["id"]),
                   "the published entry answered on " + n.name, timeout=30)
        lag[n.name] = time.time() - t0
    log("published on n1, answered on every node: %s (s, since the 201; each check is a "
        "visitor's question)" % ", ".join("%s %.3f" % kv for kv in sorted(lag.items())))
    # an unpublish on another node's API reaches every node too
    cookie3 = agent_cookie(n3, "ed.kb")
    st, b = kb_api(n3, "POST", "/api/entries/%s/unpublish" % KB_ENTRY["id"], {}, cookie3)
    assert st == 200, (st, b)
    for n in (n1, n2, n3):
        eventually(lambda: kb_answer(n, KB_Q)[1] != KB_ENTRY["id"],
                   "the unpublished entry no longer answered on " + n.name, timeout=30)
