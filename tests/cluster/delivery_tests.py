# Delivery across nodes (issue 17, bot/cluster.h): a visitor and the agent serving it on
# different nodes, two tabs of one conversation on two nodes, resuming elsewhere with the token,
# kill -9 of a node mid-chat and a PostgreSQL restart under load. Run by tests/cluster/run
# (this file is executed in a namespace that has its @test, Cluster and helpers).

EN_Q = "i lost my phone"


def handoff_on(node, text=None):
    """A visitor on node who asks for a person: (ws, welcome)."""
    ws = node.ws()
    w, _ = hello(ws, lang="en")
    if text:
        ws.send_json({"type": "message", "text": text, "client_id": "q0"})
        ws.expect("ack", client_id="q0")
        ws.expect("message", **{"from": "bot"})
    ws.send_json({"type": "handoff"})
    m = ws.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    return ws, w


def stored_frames(frames):
    """The transcript messages among frames: [(seq, from, text)]."""
    return [(f["seq"], f["from"], f.get("text")) for f in frames
            if f.get("type") == "message" and "seq" in f]


def read_until(ws, pred, what, limit=500):
    m, before = until(ws, pred, what, limit)
    return before + [m]


def visitor_msg(ws, text, cid):
    ws.send_json({"type": "message", "text": text, "client_id": cid})
    frames = read_until(ws, lambda f: f.get("type") == "ack" and f.get("client_id") == cid,
                        "ack " + cid)
    return frames[-1]["seq"], frames[:-1]


def agent_reply(aws, conv, text, cid):
    aws.send_json({"type": "reply", "conversation": conv, "text": text, "client_id": cid})
    frames = read_until(aws, lambda f: f.get("type") == "ack" and f.get("client_id") == cid,
                        "agent ack " + cid)
    return frames[-1]["seq"], frames[:-1]


def relayed(frames, conv):
    return [f["text"] for f in frames if f.get("type") == "message" and
            f.get("conversation") == conv and f.get("from") == "visitor"]


@test(nodes=3)
def visitor_and_agent_on_two_nodes(cl):
    """Visitor on n1, its agent on n2: the agent-joined notice and frame reach the visitor,
    visitor messages reach the agent and replies the visitor, in order and each once; a second
    tab on n3 gets what follows too; the close notice and frame reach both tabs; a visitor who
    reconnects with its token to n3 gets the whole transcript, as the store has it."""
    add_user(cl, "ag1", name="Agent One")
    aws, _ = agent_ws(cl[1], "ag1")
    v, w = handoff_on(cl[0], EN_Q)
    conv, token = w["conversation"], w["token"]
    f = read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined on n1")
    joined = [m for m in stored_frames(f) if m[1] == "system"]
    assert len(joined) == 1, f
    until(aws, lambda f: f.get("type") == "assigned" and f.get("conversation") == conv,
          "assigned on n2")
    # visitor -> agent, across nodes, in order, each once
    sent = []
    for i in range(5):
        seq, extra = visitor_msg(v, "visitor line %d" % i, "v%d" % i)
        assert not [x for x in stored_frames(extra) if x[1] == "bot"], extra  # the bot is quiet
        sent.append("visitor line %d" % i)
    got = []
    frames = read_until(aws, lambda f: relayed([f], conv) == ["visitor line 4"], "relays")
    got = relayed(frames, conv)
    assert got == sent, got
    # agent -> visitor
    replies = []
    for i in range(5):
        agent_reply(aws, conv, "agent line %d" % i, "a%d" % i)
        replies.append("agent line %d" % i)
    frames = read_until(v, lambda f: f.get("text") == "agent line 4", "replies on n1")
    assert [m[2] for m in stored_frames(frames) if m[1] == "agent"] == replies, frames
    # a second tab on n3
    v3 = cl[2].ws()
    w3, replay = hello(v3, token=token, lang="en")
    assert w3["conversation"] == conv and w3["resumed"] is True and w3["state"] == "agent", w3
    visible = [r for r in messages(cl, conv) if r[1] != "note"]
    assert transcript(replay) == visible, (transcript(replay), visible)
    agent_reply(aws, conv, "to both tabs", "a9")
    for tab in (v, v3):
        frames = read_until(tab, lambda f: f.get("text") == "to both tabs", "reply to a tab")
        assert [m for m in stored_frames(frames) if m[2] == "to both tabs"].__len__() == 1
    # the tab on n3 writes: the agent gets it once
    visitor_msg(v3, "from the third node", "t1")
    frames = read_until(aws, lambda f: relayed([f], conv) == ["from the third node"], "relay")
    assert relayed(frames, conv) == ["from the third node"], frames
    # close: the notice (stored) and the closed frame on both tabs
    aws.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    for tab in (v, v3):
        frames = read_until(tab, lambda f: f.get("type") == "closed", "closed frame")
        assert [m for m in stored_frames(frames) if m[1] == "system"], frames
        assert tab.sync() == []  # nothing twice
    eventually(lambda: cl.sql("SELECT state FROM sanad_store.conversations WHERE id = '%s'"
                              % conv) == [["closed"]], "closed in the store")
    # resume on n3 from nothing: the whole transcript, each row once, as stored
    v4 = cl[2].ws()
    w4, replay = hello(v4, token=token, lang="en")
    assert w4["state"] == "closed", w4
    visible = [r for r in messages(cl, conv) if r[1] != "note"]
    assert transcript(replay) == visible, (transcript(replay), visible)
    seqs = [s for s, _, _ in visible]
    assert seqs == sorted(set(seqs)), seqs
    for ws in (v, v3, v4, aws):
        ws.close()


@test(nodes=3)
def killed_visitor_node_resumes_elsewhere(cl):
    """kill -9 of the node holding the visitor mid-chat: the visitor reconnects to another node
    with its token and has every message it was acknowledged (and every reply it got), as the
    store has them; then kill -9 of the agent's node: the visitor, on a third node, keeps its
    whole transcript."""
    add_user(cl, "ag2", name="Agent Two")
    aws, _ = agent_ws(cl[1], "ag2")
    v, w = handoff_on(cl[0], EN_Q)
    conv, token = w["conversation"], w["token"]
    read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    acked, got, agent_seen = {}, {}, []
    for i in range(6):
        seq, extra = visitor_msg(v, "before kill %d" % i, "k%d" % i)
        acked[seq] = "before kill %d" % i
        for s, snd, t in stored_frames(extra):
            got[s] = t
        _, extra = agent_reply(aws, conv, "answer %d" % i, "r%d" % i)
        agent_seen += relayed(extra, conv)
    frames = read_until(v, lambda f: f.get("text") == "answer 5", "the last answer")
    for s, snd, t in stored_frames(frames):
        got[s] = t
    cl[0].kill9()
    v2 = cl[2].ws()
    w2, replay = hello(v2, token=token, lang="en")
    assert w2["resumed"] is True and w2["conversation"] == conv, w2
    have = {s: t for s, _, t in stored_frames(replay)}
    for s, t in list(acked.items()) + list(got.items()):
        assert have.get(s) == t, (s, t, have)
    rows = [r for r in messages(cl, conv) if r[1] != "note"]
    assert transcript(replay) == rows, (transcript(replay), rows)
    # the chat goes on from n3
    seq, _ = visitor_msg(v2, "after the kill", "k9")
    frames = read_until(aws, lambda f: relayed([f], conv) == ["after the kill"], "relay")
    agent_seen += relayed(frames, conv)
    assert agent_seen == ["before kill %d" % i for i in range(6)] + ["after the kill"], \
        agent_seen  # the agent got every visitor line, in order, once
    agent_reply(aws, conv, "still here", "r9")
    read_until(v2, lambda f: f.get("text") == "still here", "reply on n3")
    # kill -9 of the agent's node: the visitor keeps its transcript (the requeue is the
    # queue's, tests/cluster/queue_tests.py)
    cl[1].kill9()
    v2.close()
    v3 = cl[2].ws()
    w3, replay = hello(v3, token=token, lang="en")
    rows = [r for r in messages(cl, conv) if r[1] != "note"]
    assert transcript(replay) == rows, (transcript(replay), rows)
    v3.close()


@test(nodes=3)
def postgres_restart_under_load(cl):
    """PostgreSQL restarted while visitors on every node send (bounded: 3 visitors, a few
    messages each, an agent on n1 serving the one on n3): every node reconnects its listener
    (sanad_cluster_reconnects_total rises), every acknowledged message is in the store exactly
    once, and deliveries across nodes resume: messages sent after the restart arrive, and a
    reply written while n3's listener was still down is caught up from the rows."""
    add_user(cl, "ag3", name="Agent Three")
    aws, _ = agent_ws(cl[0], "ag3")
    v, w = handoff_on(cl[2], EN_Q)
    conv = w["conversation"]
    read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    bots = []
    for n in cl.nodes:
        b = n.ws()
        bw, _ = hello(b, lang="en")
        bots.append((b, bw["conversation"]))
    acked = {}  # conversation -> {client_id: seq}

    def send_round(tag):
        for b, bc in bots:
            try:
                b.send_json({"type": "message", "text": EN_Q, "client_id": tag})
                f = read_until(b, lambda f: f.get("type") in ("ack", "error"), "ack or error")
                if f[-1]["type"] == "ack":
                    acked.setdefault(bc, {})[tag] = f[-1]["seq"]
            except (Closed, OSError, AssertionError):
                pass  # a batch lost to the restart closes the socket (1011): not acked

    for i in range(3):
        send_round("b%d" % i)
    cl.pg.restart()
    for i in range(3, 6):
        send_round("b%d" % i)
        time.sleep(0.2)
    for n in cl.nodes:
        eventually(lambda: (metric(n, "sanad_cluster_reconnects_total") or 0) >= 1,
                   "%s reconnected" % n.name, timeout=40)
    # after the restart: both ways across nodes
    seq, _ = visitor_msg(v, "after the restart", "p1")
    frames = read_until(aws, lambda f: relayed([f], conv) == ["after the restart"], "relay")
    agent_reply(aws, conv, "got it", "p2")
    read_until(v, lambda f: f.get("text") == "got it", "reply after the restart")
    for bc, cids in acked.items():
        rows = cl.sql("SELECT client_id, count(*), min(seq) FROM sanad_store.messages WHERE "
                      "conv_id = '%s' AND client_id IS NOT NULL GROUP BY client_id" % bc)
        stored = {r[0]: (int(r[1]), int(r[2])) for r in rows}
        for cid, s in cids.items():
            assert stored.get(cid) == (1, s), (bc, cid, s, stored)
    for b, _ in bots:
        try:
            b.close()
        except OSError:
            pass
    v.close()
    aws.close()


@test(nodes=2)
def missed_notifications_are_caught_up(cl):
    """The listener of the visitor's node is cut (pg_terminate_backend of its LISTEN
    connection) and a reply is stored while it is down: when it reconnects, the reply reaches
    the visitor from the rows, once."""
    add_user(cl, "ag4", name="Agent Four")
    aws, _ = agent_ws(cl[1], "ag4")
    v, w = handoff_on(cl[0], EN_Q)
    conv = w["conversation"]
    read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    before = metric(cl[0], "sanad_cluster_reconnects_total") or 0
    # n1's listening connection: the backend that LISTENs on sanad_msg
    cut = cl.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE query LIKE 'LISTEN sanad_msg;%'")  # every node's listener
    assert len(cut) == 2, cut
    agent_reply(aws, conv, "while you were away", "m1")
    frames = read_until(v, lambda f: f.get("text") == "while you were away", "caught up",
                        limit=200)
    assert len([m for m in stored_frames(frames) if m[2] == "while you were away"]) == 1
    eventually(lambda: (metric(cl[0], "sanad_cluster_reconnects_total") or 0) > before,
               "n1 reconnected")
    assert v.sync() == []  # not twice
    v.close()
    aws.close()


@test(nodes=2, extra={"rate": 10000, "burst": 10000, "abuse-limit": 10000})
def relay_latency_measured(cl):
    """A figure, not a bound: the time from a visitor's send to its relay on the agent's
    socket and from an agent's reply to its arrival at the visitor, with the two on one node
    and on two nodes (50 of each; medians printed as # lines). Asserts only that every message
    arrived, in order, once."""
    import statistics
    add_user(cl, "ag5", name="Agent Five")
    out = {}
    for label, vnode in (("same node", cl[1]), ("two nodes", cl[0])):
        aws, _ = agent_ws(cl[1], "ag5")
        v, w = handoff_on(vnode)
        conv = w["conversation"]
        read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
        until(aws, lambda f: f.get("type") == "assigned" and f.get("conversation") == conv,
              "assigned")
        up, down = [], []
        for i in range(50):
            t0 = time.time()
            v.send_json({"type": "message", "text": "m%d" % i, "client_id": "m%d" % i})
            until(aws, lambda f: relayed([f], conv) == ["m%d" % i], "relay m%d" % i)
            up.append(time.time() - t0)
            t0 = time.time()
            aws.send_json({"type": "reply", "conversation": conv, "text": "r%d" % i,
                           "client_id": "r%d" % i})
            until(v, lambda f: f.get("type") == "message" and f.get("text") == "r%d" % i,
                  "reply r%d" % i)
            down.append(time.time() - t0)
        out[label] = (statistics.median(up) * 1000, statistics.median(down) * 1000)
        aws.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
        until(v, lambda f: f.get("type") == "closed", "closed")
        v.close()
        aws.close()
        eventually(lambda: metric(cl[1], "sanad_agents", presence="online") == 0,
                   "the agent gone")
    for label, (u, d) in out.items():
        print("# measured %s: visitor->agent median %.2f ms, agent->visitor median %.2f ms"
              % (label, u, d), flush=True)


@test(nodes=2, extra={"departments": "billing:الفواتير:Billing, tier2:الخط الثاني:Second line",
                      "escalation": "*=tier2"})
def escalation_reaches_the_visitor_on_another_node(cl):
    """The agent on n2 escalates the chat of a visitor on n1 to billing: the visitor gets the
    stored notice naming the department and the live `case` frame (department billing, tier 2),
    as on one node."""
    add_user(cl, "ag6", name="Agent Six")
    aws, _ = agent_ws(cl[1], "ag6")
    v, w = handoff_on(cl[0], EN_Q)
    conv = w["conversation"]
    read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    until(aws, lambda f: f.get("type") == "assigned" and f.get("conversation") == conv,
          "assigned")
    aws.send_json({"type": "escalate", "conversation": conv, "note": "to billing",
                   "department": "billing"})
    until(aws, lambda f: f.get("type") == "closed" and f.get("conversation") == conv, "closed")
    frames = read_until(v, lambda f: f.get("type") == "case" and
                        (f.get("department") or {}).get("id") == "billing", "case frame")
    case = frames[-1]
    assert case["tier"] == 2, case
    assert [m for m in transcript(frames) if m[1] == "system"], frames  # the stored notice
    v.close()
    aws.close()


@test(nodes=2)
def typing_across_nodes(cl):
    """Typing indicators cross nodes both ways (live, never stored): the agent's on n2 reaches
    the visitor's tab on n1, the visitor's reaches the agent; a stored message still comes
    once after them."""
    add_user(cl, "ag7", name="Agent Seven")
    aws, _ = agent_ws(cl[1], "ag7")
    v, w = handoff_on(cl[0], EN_Q)
    conv = w["conversation"]
    read_until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    until(aws, lambda f: f.get("type") == "assigned" and f.get("conversation") == conv,
          "assigned")
    time.sleep(0.3)  # the visitor's node has the move (its state is the agent's)
    aws.send_json({"type": "typing", "conversation": conv, "on": True})
    t, _ = until(v, lambda f: f.get("type") == "typing", "the agent's typing on n1")
    assert t == {"type": "typing", "from": "agent", "on": True}, t
    v.send_json({"type": "typing", "on": True})
    t, _ = until(aws, lambda f: f.get("type") == "typing", "the visitor's typing on n2")
    assert t == {"type": "typing", "conversation": conv, "on": True}, t
    agent_reply(aws, conv, "typed", "ty1")
    frames = read_until(v, lambda f: f.get("text") == "typed", "the reply")
    assert len([m for m in transcript(frames) if m[1] == "agent"]) == 1
    v.close()
    aws.close()
