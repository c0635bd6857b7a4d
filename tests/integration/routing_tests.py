# Issue 15: the queue routed by department and priority, and SLAs. Run by
# tests/integration/run, whose helpers (test, Server, hello, ask, add_user, agent_ws, until,
# agent_cookie) it uses; cases_tests.py (run before it) gives _case and _timeline. Docs:
# docs/cases.md ("Routing the queue", "SLAs"), docs/protocol.md (queue and chats items,
# sla_breach), docs/configuration.md (department_agents, sla).
#
# Departments come from the demo base's categories: billing=billing, network=tech, anything
# else general (nobody listed: everyone's). An SLA target of 2 s is missed in a few ticks of
# the server's one-second timer; every wait is bounded by the sockets' 10 s timeout.

ROUTE_DEPTS = dict(CASE_SRV, departments="billing:الفواتير:Billing, tech:الدعم الفني:Technical, general:عام:General",
                   **{"category-departments": "billing=billing, network=tech, *=general",
                      "department-agents": "billing: bill1; tech: tech1 tech2"})
BILL_Q = "When is my postpaid bill issued and when is it due?"  # en-001, billing
NET_Q = "I have no signal or weak coverage. What can I do?"  # en-023, network


def _asker(srv, question=None):
    """A visitor who asks question (optional), then for a person; returns (ws, conversation,
    {"case_ref"}). A visitor assigned at once gets no queue frame: the reference is read from
    the store, where the handoff put it before any frame."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    if question:
        _, bot = ask(ws, question, "q1")
        assert bot.get("kb_id"), bot
    ws.send_json({"type": "handoff"})
    m = ws.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    c = srv.db()
    try:
        ref = c.execute("SELECT ref FROM cases WHERE conv_id = ?", (w["conversation"],)).fetchone()[0]
    finally:
        c.close()
    return ws, w["conversation"], {"case_ref": ref}


def _away(ag):
    ag.send_json({"type": "presence", "status": "away"})
    until(ag, "presence", status="away")


def _queue_order(ag, want):
    """Reads ag's frames until a queue frame lists want (conversations, in order); returns it
    and the frames before."""
    seen = []
    while True:
        f, before = until(ag, "queue")
        seen += before
        if [i["conversation"] for i in f["items"]] == want:
            return f, seen
        seen.append(f)


@test(server=ROUTE_DEPTS)
def routing_billing_question_goes_to_the_billing_agent(srv):
    """A question matched in the billing category goes to billing's agent even when a tech
    agent has fewer chats; a general one (nobody listed) to whoever is least busy."""
    add_user(srv, "bill1", name="Bill One")
    add_user(srv, "tech1", name="Tech One")
    bill, *_ = agent_ws(srv, "bill1")
    v0, c0, _ = _asker(srv)  # general: anyone's, bill1 is the only one there
    until(bill, "assigned", conversation=c0)
    tech, *_ = agent_ws(srv, "tech1")
    v1, c1, q = _asker(srv, BILL_Q)
    a, _ = until(bill, "assigned", conversation=c1)  # bill1 has 1 chat, tech1 none
    assert _case(srv, q["case_ref"])["department"] == "billing"
    chats, _ = until(bill, "chats")
    item = [i for i in chats["items"] if i["conversation"] == c1][0]
    assert item["department"] == "billing" and item["priority"] == "normal", item
    assert item["sla"] is None, item  # no sla configured
    assigned = [d for k, _, d, _ in _timeline(srv, q["case_ref"]) if k == "assigned"]
    assert assigned == [{"agent": "bill1", "name": "Bill One", "by": "auto"}], assigned
    v2, c2, _ = _asker(srv, NET_Q)  # tech: to tech1
    until(tech, "assigned", conversation=c2)
    v3, c3, _ = _asker(srv)  # general: the least busy (tech1 1, bill1 2)
    until(tech, "assigned", conversation=c3)
    for ws in (v0, v1, v2, v3, bill, tech):
        ws.close()


@test(server=ROUTE_DEPTS)
def routing_falls_back_when_the_department_has_nobody_online(srv):
    """billing's agent not connected, then away: a billing question goes to a tech agent,
    marked fallback in the queue, the case's assignment and the log."""
    add_user(srv, "bill1", name="Bill One")
    add_user(srv, "tech1", name="Tech One")
    tech, *_ = agent_ws(srv, "tech1")
    _away(tech)  # nobody takes anything: the queue shows the item
    v1, c1, q1 = _asker(srv, BILL_Q)
    f, _ = _queue_order(tech, [c1])
    it = f["items"][0]
    assert it["department"] == "billing" and it["fallback"] is True, it
    assert it["case_ref"] == q1["case_ref"] and it["priority"] == "normal", it
    tech.send_json({"type": "presence", "status": "online"})
    until(tech, "assigned", conversation=c1)
    assigned = [d for k, _, d, _ in _timeline(srv, q1["case_ref"]) if k == "assigned"]
    assert assigned == [{"agent": "tech1", "name": "Tech One", "by": "auto", "fallback": True}], \
        assigned
    assert "event=fallback conv=%s department=billing agent=tech1" % c1 in srv.logtext()
    # billing's agent connected but away: the same
    bill, *_ = agent_ws(srv, "bill1")
    _away(bill)
    v2, c2, _ = _asker(srv, BILL_Q)
    until(tech, "assigned", conversation=c2)
    # billing's agent back: billing goes to it again, though it is no less busy than tech1
    bill.send_json({"type": "presence", "status": "online"})
    until(bill, "presence", status="online")
    v3, c3, q3 = _asker(srv, BILL_Q)
    until(bill, "assigned", conversation=c3)
    f, _ = until(bill, "queue")
    # a tech question while tech1 is away and tech2 never came: a fallback to bill1
    _away(tech)
    v4, c4, _ = _asker(srv, NET_Q)
    until(bill, "assigned", conversation=c4)
    for ws in (v1, v2, v3, v4, bill, tech):
        ws.close()


ROUTE_PRIO = dict(ROUTE_DEPTS, routing="pick", **{"priority-rules": "category:billing=high"})


@test(server=ROUTE_PRIO)
def routing_fifo_within_a_priority_and_high_overtakes(srv):
    """Normal cases in the order they came; a high one (billing) before them: in the agents'
    queue and in the positions the visitors are told."""
    add_user(srv, "tech1", name="Tech One")
    ag, *_ = agent_ws(srv, "tech1")  # pick: nothing is assigned
    n1, c1, _ = _asker(srv)
    assert until(n1, "queue")[0]["position"] == 1
    n2, c2, _ = _asker(srv, NET_Q)
    assert until(n2, "queue")[0]["position"] == 2
    h1, c3, _ = _asker(srv, BILL_Q)
    assert until(h1, "queue")[0]["position"] == 1  # high: first
    f, _ = _queue_order(ag, [c3, c1, c2])
    by = {i["conversation"]: i for i in f["items"]}
    assert (by[c3]["priority"], by[c3]["department"]) == ("high", "billing"), by[c3]
    assert (by[c1]["priority"], by[c1]["department"]) == ("normal", "general"), by[c1]
    assert (by[c2]["priority"], by[c2]["department"]) == ("normal", "tech"), by[c2]
    assert all(i["sla"] is None and "case_ref" in i for i in f["items"]), f
    # the normal ones moved back one place, and were told so
    assert until(n1, "queue")[0]["position"] == 2
    assert until(n2, "queue")[0]["position"] == 3
    # take stays open to any queued item, whatever its department
    ag.send_json({"type": "take", "conversation": c3})
    until(ag, "assigned", conversation=c3)
    assert until(n1, "queue")[0]["position"] == 1
    for ws in (n1, n2, h1, ag):
        ws.close()


ROUTE_SLA = dict(ROUTE_DEPTS, routing="pick", **{"priority-rules": "breach=raise",
                                                 "sla": "billing/* first=2s; tech/* resolve=1h"})


@test(server=ROUTE_SLA)
def routing_sla_breach_raises_priority_alerts_the_department_once(srv):
    """A billing case past its 2 s first-response target: the event, a raised priority (it
    overtakes an older normal one), an alert to billing's agents only; after a restart
    neither the event nor the alert comes again."""
    add_user(srv, "bill1", name="Bill One")
    add_user(srv, "tech1", name="Tech One")
    bill_cookie = agent_cookie(srv, "bill1")
    bill, *_ = agent_ws(srv, cookie=bill_cookie)
    tech, *_ = agent_ws(srv, "tech1")
    g, cg, _ = _asker(srv, NET_Q)  # tech: resolve within an hour, normal
    b, cb, qb = _asker(srv, BILL_Q)
    f, _ = _queue_order(tech, [cg, cb])
    by = {i["conversation"]: i for i in f["items"]}
    assert by[cb]["sla"]["first_left_s"] in (0, 1, 2) and by[cb]["sla"]["resolve_left_s"] is None, by[cb]
    assert by[cb]["sla"]["breached"] == [], by[cb]
    assert by[cg]["sla"]["first_left_s"] is None and 3590 <= by[cg]["sla"]["resolve_left_s"] <= 3600, by[cg]
    alert, _ = until(bill, "sla_breach")
    assert alert == {"type": "sla_breach", "conversation": cb, "case_ref": qb["case_ref"],
                     "target": "first", "department": "billing", "priority": "high"}, alert
    f, before = _queue_order(tech, [cb, cg])  # raised: before the older normal one
    assert by[cb]["priority"] == "normal" and f["items"][0]["priority"] == "high", f
    assert f["items"][0]["sla"]["breached"] == ["first"] and f["items"][0]["sla"]["first_left_s"] <= 0, f
    assert "sla_breach" not in [x.get("type") for x in before], before  # not tech's department
    until(b, "queue", position=1)  # told it moved up
    row = _case(srv, qb["case_ref"])
    assert row["priority"] == 2 and row["sla_breached"] == 1 and row["status"] == "new", row
    ev = [(a, d) for k, a, d, _ in _timeline(srv, qb["case_ref"]) if k == "sla_breached"]
    assert ev == [("system", {"target": "first"})], ev
    assert srv.logtext().count("event=sla_breached conv=%s" % cb) == 1
    # tech gets nothing of it: a ping answered after the alert was sent proves none is queued
    tech.send_json({"type": "ping"})
    _, before = until(tech, "pong")
    assert "sla_breach" not in [x.get("type") for x in before], before
    for ws in (g, b, bill, tech):
        ws.drop()
    srv.stop()
    s2 = Server(srv.sanad, srv.tmp, srv.kb_db, "routing-sla-2", dict(ROUTE_SLA, **{"store-db": srv.store}))
    try:
        s2.store = srv.store
        bill, _, q, _ = agent_ws(s2, cookie=bill_cookie)
        assert [i["conversation"] for i in q["items"]] == [cb, cg], q  # its raised priority kept
        assert q["items"][0]["sla"]["breached"] == ["first"], q
        # three ticks and more: nothing new for the target already missed
        time.sleep(3)
        bill.send_json({"type": "ping"})
        _, before = until(bill, "pong")
        assert "sla_breach" not in [x.get("type") for x in before], before
        ev = [k for k, *_ in _timeline(s2, qb["case_ref"]) if k == "sla_breached"]
        assert ev == ["sla_breached"], ev
        assert _case(s2, qb["case_ref"])["priority"] == 2
        bill.close()
    finally:
        s2.stop()


@test(server=ROUTE_SLA)
def routing_sla_held_chat_first_response_stops_its_clock(srv):
    """A held billing chat answered in time misses nothing (its clock stops at the first
    reply); one left unanswered misses its target: its agent is alerted, once, and its chats
    item says so."""
    add_user(srv, "bill1", name="Bill One")
    bill, *_ = agent_ws(srv, "bill1")
    v, c, q = _asker(srv, BILL_Q)
    bill.send_json({"type": "take", "conversation": c})
    until(bill, "assigned", conversation=c)
    chats, _ = until(bill, "chats")
    it = [i for i in chats["items"] if i["conversation"] == c][0]
    assert it["department"] == "billing" and it["priority"] == "normal", it
    assert it["sla"]["first_left_s"] in (0, 1, 2) and it["sla"]["breached"] == [], it
    bill.send_json({"type": "reply", "conversation": c, "text": "hello", "client_id": "r1"})
    chats, _ = until(bill, "chats")
    it = [i for i in chats["items"] if i["conversation"] == c][0]
    assert it["sla"]["first_left_s"] is None, it  # met: no clock
    # a second one taken and left unanswered: its agent is alerted, its chats item turns
    v2, c2, q2 = _asker(srv, BILL_Q)
    bill.send_json({"type": "take", "conversation": c2})
    until(bill, "assigned", conversation=c2)
    alert, before = until(bill, "sla_breach")
    assert (alert["conversation"], alert["target"], alert["priority"]) == (c2, "first", "high"), alert
    chats, _ = until(bill, "chats")
    it = {i["conversation"]: i for i in chats["items"]}
    assert it[c2]["priority"] == "high" and it[c2]["sla"]["breached"] == ["first"], it[c2]
    assert it[c]["priority"] == "normal" and it[c]["sla"]["breached"] == [], it[c]
    assert [x for x in before if x.get("type") == "sla_breach"] == [], before  # c: none
    assert [k for k, *_ in _timeline(srv, q["case_ref"]) if k == "sla_breached"] == []
    assert [k for k, *_ in _timeline(srv, q2["case_ref"]) if k == "sla_breached"] == ["sla_breached"]
    assert _case(srv, q2["case_ref"])["status"] == "open"  # the status stays
    v.close()
    v2.close()
    bill.close()


@test(server=ROUTE_SLA, sqlite_only=True)
def store_v6_gets_the_sla_column(srv):
    """A v6 file (cases without sla_breached) is migrated to v7 at the start, rows kept, no
    target counted as missed; the queued billing case then misses its 2 s target once."""
    v, conv, q = _asker(srv, BILL_Q)
    v.drop()
    srv.stop()
    path = os.path.join(srv.dir, "v6.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    n = dst.execute("SELECT count(*) FROM case_events").fetchone()[0]
    dst.execute("DELETE FROM case_events WHERE kind = 'sla_breached'")  # as v6 wrote it
    dst.execute("ALTER TABLE cases DROP COLUMN sla_breached")
    dst.execute("UPDATE cases SET priority = 1, created = ?", (int(time.time() * 1000),))
    dst.execute("PRAGMA user_version = 6")
    dst.commit()
    dst.close()
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v6-store-sla", dict(ROUTE_SLA, **{"store-db": path}))
    try:
        s.store = path
        assert "event=migrated" in s.logtext() and ("from=6 to=%d" % STORE_SCHEMA) in s.logtext()
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        rows = c.execute("SELECT ref, conv_id, sla_breached FROM cases").fetchall()
        assert rows == [(q["case_ref"], conv, 0)], rows
        assert c.execute("SELECT count(*) FROM case_events").fetchone()[0] <= n
        c.close()
        for _ in range(100):  # the one-second tick: a few of them, bounded
            if _case(s, q["case_ref"])["sla_breached"] == 1:
                break
            time.sleep(0.1)
        row = _case(s, q["case_ref"])
        assert row["sla_breached"] == 1 and row["priority"] == 2, row  # breach=raise
        ev = [d for k, _, d, _ in _timeline(s, q["case_ref"]) if k == "sla_breached"]
        assert ev == [{"target": "first"}], ev
    finally:
        s.stop()
