# The agent queue across nodes (issue 17, bot/cluster_queue.h): FIFO and capacity across
# nodes, presence seen by every node, a killed node's chats requeued, hostile takes. Executed
# by tests/cluster/run in its namespace (@test, Cluster, Node, add_user, agent_ws, until,
# eventually, hello); its helpers are prefixed _q so that they never replace the harness's.
# Every wait is bounded (the sockets' 10 s timeout, eventually's deadline); nothing asserts a
# speed. Nodes are cl[0..2] (n1..n3), with node_lease 3 and agent_grace 2 from the harness.

_Q_EN = "i lost my phone"


def _q_handoff(node, text=None):
    """A visitor on node who asks for a person; returns (ws, conversation, the frames after
    the handoff up to its queue or agent_joined frame); ws.token is its token."""
    ws = node.ws()
    w, _ = hello(ws, lang="en")
    ws.token = w["token"]
    if text:
        ws.send_json({"type": "message", "text": text, "client_id": "q1"})
        ws.expect("ack", client_id="q1")
        ws.expect("message", **{"from": "bot"})
    ws.send_json({"type": "handoff"})
    m = ws.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    f, seen = until(ws, lambda f: f.get("type") in ("queue", "agent_joined"), "queue")
    return ws, w["conversation"], seen + [f]


def _q_queued(cl):
    return [r[0] for r in cl.sql("SELECT id FROM sanad_store.conversations"
                                 " WHERE state = 'queued' ORDER BY queued_at, id")]


def _q_holder(cl, conv):
    r = cl.sql("SELECT state, COALESCE(agent_id, 0) FROM sanad_store.conversations"
               " WHERE id = '%s'" % conv)
    return (r[0][0], int(r[0][1])) if r else None


def _q_uid(cl, login):
    return int(cl.sql("SELECT id FROM sanad_auth.users WHERE login = '%s'" % login)[0][0])


def _q_presence(ag, status):
    ag.send_json({"type": "presence", "status": status})
    until(ag, lambda f: f.get("type") == "presence" and f.get("status") == status, "presence")


def _q_assigned(ag, conv=None, limit=500):
    """The next `assigned` frame's conversation (of conv when given), over several socket
    timeouts (a lease and a grace), bounded."""
    deadline = time.time() + 30
    while True:
        try:
            f, _ = until(ag, lambda f: f.get("type") == "assigned" and
                         (conv is None or f.get("conversation") == conv), "assigned", limit)
            return f["conversation"]
        except OSError:  # socket.timeout: the lease and the grace take a few seconds
            if time.time() > deadline:
                raise


def _q_error(ag):
    return until(ag, lambda f: f.get("type") == "error", "error")[0]


def _q_timeline(cl):
    """conversation -> how many `assigned` events its cases have."""
    rows = cl.sql("SELECT k.conv_id, count(*) FROM sanad_store.case_events e"
                  " JOIN sanad_store.cases k ON k.id = e.case_id WHERE e.kind = 'assigned'"
                  " GROUP BY k.conv_id")
    return {r[0]: int(r[1]) for r in rows}



@test(nodes=3, extra={"agent-capacity": 1})
def queue_fifo_across_nodes(cl):
    """Visitors queued in order on nodes 1, 2, 3, 1, 2 are served in that order by agents on
    nodes 2 and 3, each of capacity 1 freeing up in turn: every node takes the head of the
    store's one order, never of its own view."""
    add_user(cl, "f2")
    add_user(cl, "f3")
    a2, _ = agent_ws(cl[1], "f2")
    a3, _ = agent_ws(cl[2], "f3")
    _q_presence(a2, "away")
    _q_presence(a3, "away")
    vis, convs = [], []
    for i in (0, 1, 2, 0, 1):
        ws, conv, _ = _q_handoff(cl[i])
        vis.append(ws)
        convs.append(conv)
        eventually(lambda: conv in _q_queued(cl), "%s queued" % conv)
    assert _q_queued(cl) == convs, (_q_queued(cl), convs)
    served = []
    _q_presence(a2, "online")
    served.append(_q_assigned(a2))
    _q_presence(a3, "online")
    served.append(_q_assigned(a3))
    for ag, login in ((a2, "f2"), (a3, "f3"), (a2, "f2")):  # each frees up in turn
        mine = [x for x in served if _q_holder(cl, x) == ("agent", _q_uid(cl, login))]
        assert len(mine) == 1, (login, mine, served)
        ag.send_json({"type": "close", "conversation": mine[0], "resolution": "resolved"})
        served.append(_q_assigned(ag))
    assert served == convs, (served, convs)
    assert _q_queued(cl) == []
    for ws in vis + [a2, a3]:
        ws.close()


@test(nodes=3, extra={"agent-capacity": 2})
def queue_capacity_across_nodes(cl):
    """An agent of capacity 2 never holds a third chat whichever node its visitors are on;
    two agents on two nodes freeing up at once never get the same chat: each conversation is
    assigned once (the agents' frames, the store, the case timeline)."""
    add_user(cl, "k2")
    add_user(cl, "k3")
    a2, _ = agent_ws(cl[1], "k2")
    vis, convs = [], []
    for i in (0, 1, 2):
        ws, conv, _ = _q_handoff(cl[i])
        vis.append(ws)
        convs.append(conv)
    got2 = [_q_assigned(a2) for _ in range(2)]
    assert got2 == convs[:2], (got2, convs)
    eventually(lambda: _q_queued(cl) == convs[2:], "the third chat to wait")
    time.sleep(2.5)  # two more ticks of every node: still nobody gives k2 a third
    assert _q_queued(cl) == convs[2:], _q_queued(cl)
    held = [r[0] for r in cl.sql("SELECT id FROM sanad_store.conversations WHERE agent_id = %d"
                                 " AND state = 'agent'" % _q_uid(cl, "k2"))]
    assert sorted(held) == sorted(got2), held
    a3, _ = agent_ws(cl[2], "k3")
    got3 = [_q_assigned(a3)]
    assert got3 == convs[2:], got3
    for i in (0, 1, 2, 0):  # four more: one fills k3, three wait
        ws, conv, _ = _q_handoff(cl[i])
        vis.append(ws)
        convs.append(conv)
    got3.append(_q_assigned(a3))
    eventually(lambda: len(_q_queued(cl)) == 3, "three chats to wait")
    # both free a chat at once: the two heads go one to each, never one to both
    a2.send_json({"type": "close", "conversation": got2[0], "resolution": "resolved"})
    a3.send_json({"type": "close", "conversation": got3[0], "resolution": "resolved"})
    got2.append(_q_assigned(a2))
    got3.append(_q_assigned(a3))
    assert got2[-1] != got3[-1], (got2, got3)
    eventually(lambda: len(_q_queued(cl)) == 1, "one chat to wait")
    every = got2 + got3
    assert len(every) == len(set(every)), every  # each assigned once
    for login in ("k2", "k3"):
        n = int(cl.sql("SELECT count(*) FROM sanad_store.conversations WHERE agent_id = %d"
                       " AND state = 'agent'" % _q_uid(cl, login))[0][0])
        assert n == 2, (login, n)
    tl = _q_timeline(cl)
    assert all(tl.get(x) == 1 for x in every), tl
    for ws in vis + [a2, a3]:
        ws.close()


@test(nodes=3, extra={"routing": "pick"})
def queue_nobody_online_anywhere(cl):
    """Nobody online on any node: a handoff on every node is offered to leave a message; an
    agent online on node 2 only: nobody on node 1 or 3 is; away again: every node offers."""
    add_user(cl, "o2")

    def offered(i):
        ws, _, seen = _q_handoff(cl[i])
        ws.close()
        off = [f for f in seen if f["type"] == "offline"]
        return off[0]["reason"] if off else None

    for i in (0, 1, 2):
        assert offered(i) == "nobody_online", i
    a2, _ = agent_ws(cl[1], "o2")
    for i in (0, 2):  # the other nodes see o2 at their next tick
        eventually(lambda: offered(i) is None, "n%d to see o2 online" % (i + 1))
    assert offered(1) is None
    _q_presence(a2, "away")
    for i in (0, 2):
        eventually(lambda: offered(i) == "nobody_online", "n%d to see o2 away" % (i + 1))
    assert offered(1) == "nobody_online"
    a2.close()


@test(nodes=3)
def queue_killed_node_chats_requeued(cl):
    """kill -9 of the node of an agent mid-chat (its visitor is there too, and resumes on
    another node with its token): after the node's lease and agent_grace the chat is back in
    the queue, and an agent on another node gets it with the whole transcript."""
    add_user(cl, "p3", name="Pat")
    add_user(cl, "q2", name="Quinn")
    p, _ = agent_ws(cl[2], "p3")
    v, conv, _ = _q_handoff(cl[2], _Q_EN)
    _q_assigned(p, conv)
    v.send_json({"type": "message", "text": "are you there?", "client_id": "v2"})
    v.expect("ack", client_id="v2")
    until(p, lambda f: f.get("type") == "message" and f.get("text") == "are you there?", "relay")
    p.send_json({"type": "reply", "conversation": conv, "text": "yes, I am", "client_id": "r1"})
    until(v, lambda f: f.get("type") == "message" and f.get("text") == "yes, I am", "reply")
    q, _ = agent_ws(cl[1], "q2")
    assert _q_holder(cl, conv) == ("agent", _q_uid(cl, "p3")), _q_holder(cl, conv)
    cl[2].kill9()
    v2 = cl[0].ws()  # the visitor resumes on node 1
    w2, _ = hello(v2, token=v.token, lang="en")
    assert w2["resumed"] is True and w2["conversation"] == conv, w2
    _q_assigned(q, conv)
    t, _ = until(q, lambda f: f.get("type") == "transcript" and f.get("conversation") == conv,
                 "transcript")
    texts = [m.get("text") for m in t["messages"]]
    for want in (_Q_EN, "are you there?", "yes, I am"):
        assert want in texts, (want, texts)
    assert _q_holder(cl, conv) == ("agent", _q_uid(cl, "q2"))
    left = cl.sql("SELECT count(*) FROM sanad_cluster_queue.agents_live WHERE node = 'n3'")
    assert left == [["0"]], left
    for ws in (v2, q):
        ws.close()


@test(nodes=3, extra={"routing": "pick"})
def queue_hostile_take_and_transfer(cl):
    """A take of a chat another node's agent has: a clear error, nothing changes; a transfer
    to an agent on another node: refused with a clear error, nothing changes; takes of
    unknown or malformed conversations: errors."""
    add_user(cl, "h2")
    add_user(cl, "h3")
    a2, _ = agent_ws(cl[1], "h2")
    a3, _ = agent_ws(cl[2], "h3")
    v, conv, _ = _q_handoff(cl[0])
    until(a3, lambda f: f.get("type") == "queue" and
          conv in [i["conversation"] for i in f["items"]], "queue")  # node 3 has it queued
    a2.send_json({"type": "take", "conversation": conv})
    _q_assigned(a2, conv)
    a3.send_json({"type": "take", "conversation": conv})
    err = _q_error(a3)
    assert err["code"] == "not_found", err
    assert "taken by another agent" in err["message"] or "not in the queue" in err["message"], err
    h2 = _q_uid(cl, "h2")
    assert _q_holder(cl, conv) == ("agent", h2)
    # a named agent on another node: refused, the chat stays h2's
    eventually(lambda: cl.sql("SELECT count(*) FROM sanad_cluster_queue.agents_live"
                              " WHERE login = 'h3'") == [["1"]], "h3 in agents_live")
    time.sleep(1.5)  # node 2's next tick has read it
    a2.send_json({"type": "transfer", "conversation": conv, "to": "h3", "note": None})
    err = _q_error(a2)
    assert err["code"] == "bad_field" and "another node" in err["message"], err
    assert _q_holder(cl, conv) == ("agent", h2)
    for bad in ("c_nosuchconversation", "x' OR '1'='1", ""):
        a3.send_json({"type": "take", "conversation": bad})
        err = _q_error(a3)
        assert err["code"] in ("not_found", "bad_field"), err
    assert _q_holder(cl, conv) == ("agent", h2)
    assert int(cl.sql("SELECT count(*) FROM sanad_store.conversations WHERE agent_id = %d"
                      % _q_uid(cl, "h3"))[0][0]) == 0
    for ws in (v, a2, a3):
        ws.close()


_Q_DEPTS = {"departments": "billing:الفواتير:Billing, general:عام:General",
            "category-departments": "billing=billing, *=general",
            "department-agents": "billing: bill2"}
_Q_BILL = "When is my postpaid bill issued and when is it due?"  # en-001, billing


@test(nodes=3, extra=_Q_DEPTS)
def queue_department_fallback_across_nodes(cl):
    """A billing chat waits for billing's agent on node 2 rather than fall back to the
    general agent on node 3 (billing has an agent online, on another node); once billing's
    agent is away, node 3's agent gets the next one as a fallback."""
    add_user(cl, "bill2")
    add_user(cl, "gen3")
    b, _ = agent_ws(cl[1], "bill2")
    g, _ = agent_ws(cl[2], "gen3")
    eventually(lambda: cl.sql("SELECT count(*) FROM sanad_cluster_queue.agents_live") ==
               [["2"]], "both agents in agents_live")
    time.sleep(1.5)  # every node's next tick has read them
    convs = []
    for i in (2, 0):  # on gen3's node, then another
        v, conv, _ = _q_handoff(cl[i], _Q_BILL)
        convs.append((v, conv))
        _q_assigned(b, conv)
    for _, conv in convs:
        assert _q_holder(cl, conv) == ("agent", _q_uid(cl, "bill2")), conv
    _q_presence(b, "away")
    eventually(lambda: cl.sql("SELECT presence FROM sanad_cluster_queue.agents_live"
                              " WHERE login = 'bill2'") == [["away"]], "bill2 away")
    time.sleep(1.5)
    v, conv, _ = _q_handoff(cl[0], _Q_BILL)
    _q_assigned(g, conv)
    rows = cl.sql("SELECT e.detail FROM sanad_store.case_events e JOIN sanad_store.cases k"
                  " ON k.id = e.case_id WHERE k.conv_id = '%s' AND e.kind = 'assigned'" % conv)
    assert len(rows) == 1 and '"fallback":true' in rows[0][0], rows
    for ws in [x for x, _ in convs] + [v, b, g]:
        ws.close()


@test(nodes=2)
def queue_duplicate_node_id_leaves_the_live_nodes_agents(cl):
    """A node started with a live node's id is refused (the cluster) and touches nothing of
    the live node's: its agent stays in agents_live, online, and still gets chats."""
    add_user(cl, "d1")
    a1, _ = agent_ws(cl[0], "d1")
    eventually(lambda: cl.sql("SELECT node, presence FROM sanad_cluster_queue.agents_live") ==
               [["n1", "online"]], "d1 in agents_live")
    dup = Node(cl, 0, {})
    dup.dir = os.path.join(cl.tmp, "dup")
    os.makedirs(dup.dir)
    dup.store = os.path.join(dup.dir, "store.db")
    line = dup.start(expect_ok=False)
    assert not line.startswith("listening"), line
    assert dup.proc.wait(30) != 0
    dup.logf.close()
    assert cl.sql("SELECT node, presence FROM sanad_cluster_queue.agents_live") == \
        [["n1", "online"]]
    v, conv, _ = _q_handoff(cl[1])  # node 2 still sees d1 online: no leave-a-message offer
    _q_assigned(a1, conv)
    for ws in (v, a1):
        ws.close()


@test(nodes=3, extra={"routing": "pick"})
def queue_positions_across_nodes(cl):
    """Visitors queued in order on nodes 1, 2, 3 are told positions 1, 2, 3 (every node has the
    one queue, each tells its own visitors); a take of the first on node 2 moves the others up
    on their nodes."""
    add_user(cl, "t2")
    vis = []
    for i in (0, 1, 2):
        ws, conv, seen = _q_handoff(cl[i])
        vis.append((ws, conv))
        first = [f for f in seen if f["type"] == "queue"][-1]
        assert first["position"] == i + 1, (i, first)  # its place among every node's

    def told(ws, pos):
        until(ws, lambda f: f.get("type") == "queue" and f.get("position") == pos,
              "position %d" % pos)

    a2, _ = agent_ws(cl[1], "t2")
    a2.send_json({"type": "take", "conversation": vis[0][1]})
    _q_assigned(a2, vis[0][1])
    told(vis[1][0], 1)
    told(vis[2][0], 2)
    for ws, _ in vis:
        ws.close()
    a2.close()


@test(nodes=2)
def queue_assigned_across_nodes_chat_both_ways(cl):
    """A visitor on node 1 assigned to an agent on node 2: the visitor hears who joined, the
    two write to each other, and the store keeps the chat the agent's (the visitor's node
    learnt the move: it does not save the conversation back as queued)."""
    add_user(cl, "x2", name="Xena")
    a, _ = agent_ws(cl[1], "x2")
    v, conv, seen = _q_handoff(cl[0])
    _q_assigned(a, conv)
    if not any(f["type"] == "agent_joined" for f in seen):
        until(v, lambda f: f.get("type") == "agent_joined", "agent_joined")
    v.send_json({"type": "message", "text": "hello agent", "client_id": "m1"})
    v.expect("ack", client_id="m1")
    until(a, lambda f: f.get("type") == "message" and f.get("text") == "hello agent", "relay")
    a.send_json({"type": "reply", "conversation": conv, "text": "hello visitor", "client_id": "r1"})
    until(v, lambda f: f.get("type") == "message" and f.get("text") == "hello visitor", "reply")
    assert _q_holder(cl, conv) == ("agent", _q_uid(cl, "x2")), _q_holder(cl, conv)
    texts = [m[2] for m in messages(cl, conv)]
    assert "hello agent" in texts and "hello visitor" in texts, texts
    for ws in (v, a):
        ws.close()


@test(nodes=3, extra={"agent-capacity": 2})
def queue_capacity_of_an_agent_on_two_nodes(cl):
    """One agent with a console on node 2 and another on node 3 (two tabs behind a load
    balancer), capacity 2: both nodes assign to it, and the store's count under the agent's
    lock keeps it at 2 chats in all; the others wait."""
    add_user(cl, "tt")
    a2, _ = agent_ws(cl[1], "tt")
    a3, _ = agent_ws(cl[2], "tt")
    vis = []
    for i in (0, 1, 2, 0, 1):
        ws, conv, _ = _q_handoff(cl[i])
        vis.append(ws)
    tt = _q_uid(cl, "tt")

    def held():
        return int(cl.sql("SELECT count(*) FROM sanad_store.conversations WHERE agent_id = %d"
                          " AND state IN ('agent', 'queued')" % tt)[0][0])

    eventually(lambda: held() == 2, "two chats for tt")
    for _ in range(3):  # three more ticks of every node: never a third
        time.sleep(1.0)
        assert held() == 2, held()
    assert len(_q_queued(cl)) == 3, _q_queued(cl)
    for ws in vis + [a2, a3]:
        ws.close()
