# Typing indicators both ways and "seen" receipts (issue 14, docs/protocol.md "Typing and
# seen"). Run by tests/integration/run, whose helpers (test, add_user, agent_ws, until,
# visitor_handoff, hello, ask, refused, AR_Q, EN_Q) it uses. Frames that must not arrive are
# checked with sync(): a ping's pong proves the server handled every frame before it, and a
# relay is queued to the other socket before that socket's own ping is answered.


def typing_of(frames):
    return [f for f in frames if f.get("type") == "typing"]


def settle(*socks):
    """Every frame sent so far on each socket handled; returns what each got before its pong."""
    return [s.sync() for s in socks]


FAST = {"rate": 10000, "burst": 10000, "abuse-limit": 10000}  # these tests count frames


def quiet(ws):
    """sync() without the queue and agents snapshots pushed to every agent at any change of
    the queue or of an agent's load (the agents frame comes with the once-a-second tick)."""
    return [f for f in ws.sync() if f.get("type") not in ("queue", "agents")]


@test(server=dict(FAST, routing="pick"))
def typing_visitor_reaches_only_the_agent_holding_the_chat(srv):
    add_user(srv, "ty1", name="Taker")
    add_user(srv, "ty2", name="Other")
    a1, *_ = agent_ws(srv, "ty1")
    a2, *_ = agent_ws(srv, "ty2")
    vis = srv.ws()
    w, _ = hello(vis, lang="en")
    conv = w["conversation"]
    # with the bot: nobody hears it
    vis.send_json({"type": "typing", "on": True})
    assert vis.sync() == []
    assert typing_of(a1.sync() + a2.sync()) == []
    # queued (pick mode: nobody has it yet)
    vis.send_json({"type": "handoff"})
    vis.expect("message", **{"from": "bot"})
    vis.send_json({"type": "typing", "on": True})
    settle(vis)
    assert typing_of(a1.sync() + a2.sync()) == []
    a1.send_json({"type": "take", "conversation": conv})
    until(a1, "chats")
    until(vis, "agent_joined")
    settle(vis, a2)
    # with an agent: that agent, and only that one
    vis.send_json({"type": "typing", "on": True})
    settle(vis)
    got = typing_of(a1.sync())
    assert got == [{"type": "typing", "conversation": conv, "on": True}], got
    assert typing_of(a2.sync()) == []
    vis.send_json({"type": "typing", "on": False})
    settle(vis)
    assert typing_of(a1.sync()) == [{"type": "typing", "conversation": conv, "on": False}]
    # a message ends it without a frame; the next start passes at once
    vis.send_json({"type": "typing", "on": True})
    vis.send_json({"type": "message", "text": "hello there", "client_id": "v1"})
    vis.expect("ack", client_id="v1")
    vis.send_json({"type": "typing", "on": True})
    settle(vis)
    got = a1.sync()  # the first start came within a second of the end: it may be dropped
    assert [f["type"] for f in got][-2:] == ["message", "typing"] and got[-1]["on"], got
    assert typing_of(a2.sync()) == []
    # the visitor's socket goes while it is typing: the agent's indicator ends now
    vis2 = srv.ws()
    hello(vis2, token=w["token"], last_seq=100)
    vis.close()
    got, _ = until(a1, "typing")
    assert got == {"type": "typing", "conversation": conv, "on": False}, got
    vis = vis2
    # an agent typing to a chat whose visitor is connected elsewhere only: that tab hears it
    a1.send_json({"type": "typing", "conversation": conv, "on": True})
    settle(a1)
    assert vis.sync() == [{"type": "typing", "from": "agent", "on": True}]
    # closed: nobody again
    a1.send_json({"type": "close", "conversation": conv, "resolution": "answered"})
    until(a1, "chats")
    until(vis, "closed")
    vis.send_json({"type": "typing", "on": True})
    settle(vis)
    assert typing_of(a1.sync() + a2.sync()) == []
    for s in (vis, a1, a2):
        s.close()


@test(server=FAST)
def typing_agent_reaches_every_tab_and_ends_when_it_goes(srv):
    add_user(srv, "ty3", name="Amal")
    ag, *_ = agent_ws(srv, "ty3")
    tab1, w = visitor_handoff(srv, "ar", AR_Q)
    conv = w["conversation"]
    until(tab1, "agent_joined")
    until(ag, "chats")
    tab2 = srv.ws()
    w2, _ = hello(tab2, token=w["token"], last_seq=100)
    assert w2["resumed"] and w2["state"] == "agent", w2
    on = {"type": "typing", "from": "agent", "on": True}
    off = dict(on, on=False)
    ag.send_json({"type": "typing", "conversation": conv, "on": True})
    assert quiet(ag) == []  # no ack
    assert tab1.sync() == [on] and tab2.sync() == [on]
    ag.send_json({"type": "typing", "conversation": conv, "on": True})  # a refresh, too soon
    settle(ag)
    assert tab1.sync() == [] and tab2.sync() == []
    # the reply: the message ends it on the widget, and the next start passes at once
    ag.send_json({"type": "reply", "conversation": conv, "text": "أهلاً", "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    ag.send_json({"type": "typing", "conversation": conv, "on": True})
    settle(ag)
    for t in (tab1, tab2):
        got = t.sync()
        assert [f["type"] for f in got] == ["message", "typing"] and got[1] == on, got
    # a visitor tab that closes does not stop the others; the agent's socket going does
    tab2.close()
    ag.close()
    got, _ = until(tab1, "typing")
    assert got == off, got
    assert tab1.sync() == []
    tab1.close()


@test(server=FAST)
def typing_and_seen_hostile_frames(srv):
    add_user(srv, "ty4", name="Mine")
    add_user(srv, "ty5", name="Theirs")
    mine, *_ = agent_ws(srv, "ty4")
    vis, w = visitor_handoff(srv, "en", EN_Q)
    conv = w["conversation"]
    until(mine, "chats")
    until(vis, "agent_joined")
    theirs, *_ = agent_ws(srv, "ty5")
    settle(mine, vis)
    # another agent's chat, or none: not_found, and nothing reaches the visitor
    refused(theirs, "not_found", {"type": "typing", "conversation": conv, "on": True})
    refused(theirs, "not_found", {"type": "typing", "conversation": "c_nobody", "on": True})
    for bad in [{"type": "typing", "on": True}, {"type": "typing", "conversation": conv},
                {"type": "typing", "conversation": conv, "on": 1},
                {"type": "typing", "conversation": conv, "on": "true"},
                {"type": "typing", "conversation": conv, "on": None},
                {"type": "typing", "conversation": 7, "on": True},
                {"type": "typing", "conversation": "c'; DROP TABLE messages;--", "on": True},
                {"type": "typing", "conversation": "x" * 100, "on": True}]:
        refused(mine, "bad_field", bad)
    assert typing_of(vis.sync()) == []
    for bad in [{"type": "typing"}, {"type": "typing", "on": 1}, {"type": "typing", "on": "on"},
                {"type": "seen"}, {"type": "seen", "seq": -1}, {"type": "seen", "seq": 0},
                {"type": "seen", "seq": "5"}, {"type": "seen", "seq": 2.5},
                {"type": "seen", "seq": True}, {"type": "seen", "seq": None}]:
        refused(vis, "bad_field", bad)
    last = srv.count("SELECT max(seq) FROM messages WHERE conv_id = ?", conv)
    refused(vis, "not_found", {"type": "seen", "seq": last + 1})
    refused(vis, "not_found", {"type": "seen", "seq": 2 ** 62})
    assert [f for f in mine.sync() if f["type"] in ("typing", "seen")] == []
    # a flood both ways: two frames a second at most reach the other side
    t0 = time.time()
    for i in range(300):
        vis.send_json({"type": "typing", "on": i % 2 == 0})
        mine.send_json({"type": "typing", "conversation": conv, "on": i % 3 != 2})
    fv, fm = settle(vis, mine)
    fv += vis.sync()  # what the agent's frames relayed after the visitor's pong
    bound = 2 * (int(time.time() - t0) + 2)
    to_agent, to_visitor = typing_of(fm), typing_of(fv)
    assert 1 <= len(to_agent) <= bound, (len(to_agent), bound)
    assert 1 <= len(to_visitor) <= bound, (len(to_visitor), bound)
    # nothing stored by any of it
    assert srv.count("SELECT max(seq) FROM messages WHERE conv_id = ?", conv) == last
    for s in (vis, mine, theirs):
        s.close()


@test(server=FAST)
def seen_relayed_kept_across_reconnects_and_transfer(srv):
    add_user(srv, "se1", name="First")
    add_user(srv, "se2", name="Second")
    ag, *_ = agent_ws(srv, "se1")
    vis, w = visitor_handoff(srv, "en", EN_Q)
    conv = w["conversation"]
    until(ag, "chats")
    until(vis, "agent_joined")
    ag.send_json({"type": "reply", "conversation": conv, "text": "Hello", "client_id": "r1"})
    ack, _ = until(ag, "ack", client_id="r1")
    r1 = ack["seq"]
    vis.expect("message", seq=r1)
    vis.send_json({"type": "seen", "seq": r1})
    assert vis.sync() == []  # no ack
    got = [f for f in ag.sync() if f["type"] == "seen"]
    assert got == [{"type": "seen", "conversation": conv, "seq": r1}], got
    for again in (r1, r1 - 1, 1):  # not higher: nothing
        vis.send_json({"type": "seen", "seq": again})
    settle(vis)
    assert [f for f in ag.sync() if f["type"] == "seen"] == []
    # the agent reconnects: the transcript says what was read
    ag.close()
    ag, _, _, chats = agent_ws(srv, "se1")
    t = ag.expect("transcript", conversation=conv)
    assert t["seen_seq"] == r1, t
    # the visitor goes away: still known to a reconnecting agent
    vis.close()
    ag.close()
    ag, *_ = agent_ws(srv, "se1")
    assert ag.expect("transcript", conversation=conv)["seen_seq"] == r1
    # a second reply, read after the visitor comes back (a new socket, same token)
    ag.send_json({"type": "reply", "conversation": conv, "text": "Still there?",
                  "client_id": "r2"})
    r2 = until(ag, "ack", client_id="r2")[0]["seq"]
    vis = srv.ws()
    hello(vis, token=w["token"], last_seq=r1)
    vis.send_json({"type": "seen", "seq": r2})
    settle(vis)
    assert [f for f in ag.sync() if f["type"] == "seen"] == [
        {"type": "seen", "conversation": conv, "seq": r2}]
    # a transfer: the next agent sees it in its transcript
    ag2, *_ = agent_ws(srv, "se2")
    ag.send_json({"type": "transfer", "conversation": conv, "to": "se2"})
    until(ag, "closed", conversation=conv)
    t2, _ = until(ag2, "transcript", conversation=conv)
    assert t2["seen_seq"] == r2, t2
    # the old agent hears no more receipts, the new one does
    ag2.send_json({"type": "reply", "conversation": conv, "text": "I am Second",
                   "client_id": "r3"})
    r3 = until(ag2, "ack", client_id="r3")[0]["seq"]
    vis.send_json({"type": "seen", "seq": r3})
    settle(vis)
    assert [f for f in ag2.sync() if f["type"] == "seen"] == [
        {"type": "seen", "conversation": conv, "seq": r3}]
    assert [f for f in ag.sync() if f["type"] == "seen"] == []
    ag.close()
    # closed: forgotten; a later handoff starts from nothing
    ag2.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag2, "closed", conversation=conv)
    until(vis, "closed")
    vis.send_json({"type": "seen", "seq": r3})  # known seq, no agent: ignored
    assert vis.sync() == []
    vis.send_json({"type": "handoff"})
    until(vis, "agent_joined")
    t3, _ = until(ag2, "transcript", conversation=conv)
    assert t3["seen_seq"] == 0, t3
    for s in (vis, ag2):
        s.close()
