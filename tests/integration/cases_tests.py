# Issue 15's cases core: run by tests/integration/run, whose helpers (test, Server, hello,
# refused, add_user, agent_ws, until, visitor_handoff) it uses. Docs: docs/cases.md,
# docs/protocol.md (case_ref, hello's visitor), docs/configuration.md (reopen_days).
#
# Reopening depends on time (reopen_days): the tests move a solved case's stored solved_at
# back instead of waiting; the server reads it from the store at the next handoff.

import re

CASE_SRV = {"rate": 10000, "burst": 10000, "abuse-limit": 10000}
REF = re.compile(r"^S-[0-9A-HJKMNP-TV-Z]{6}$")
VISITOR_A = "vis_A-0123456789abcdef"
VISITOR_B = "vis_B-0123456789abcdef"


def _case(srv, ref):
    c = srv.db()
    try:
        c.row_factory = sqlite3.Row
        r = c.execute("SELECT * FROM cases WHERE ref = ?", (ref,)).fetchone()
        return dict(r) if r else None
    finally:
        c.close()


def _timeline(srv, ref):
    c = srv.db()
    try:
        return [(k, a, json.loads(d) if d else None, ts) for k, a, d, ts in c.execute(
            "SELECT e.kind, e.actor, e.detail, e.ts FROM case_events e JOIN cases c"
            " ON c.id = e.case_id WHERE c.ref = ? ORDER BY e.id", (ref,))]
    finally:
        c.close()


def _visitor(srv, visitor=None, lang="en"):
    """A visitor with a widget id who asks for a human; returns (ws, welcome, frames after the
    handoff message up to a pong)."""
    ws = srv.ws()
    kw = {"lang": lang}
    if visitor:
        kw["visitor"] = visitor
    w, _ = hello(ws, **kw)
    ws.send_json({"type": "handoff"})
    m = ws.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    return ws, w, ws.sync()


def _solve(srv, ag, conv, resolution="resolved"):
    ag.send_json({"type": "close", "conversation": conv, "resolution": resolution})
    until(ag, "closed", conversation=conv)


@test(server=CASE_SRV)
def case_made_at_handoff_with_its_ref_everywhere_and_a_timeline(srv):
    add_user(srv, "case1", name="Case One")
    add_user(srv, "case2", name="Case Two")
    # nobody online: offline and queue both name the case
    vis, w, after = _visitor(srv, VISITOR_A)
    conv = w["conversation"]
    by_type = {f["type"]: f for f in after}
    assert set(by_type) >= {"offline", "queue"}, after
    ref = by_type["offline"]["case_ref"]
    assert REF.match(ref) and by_type["queue"]["case_ref"] == ref, after
    row = _case(srv, ref)
    assert row["conv_id"] == conv and row["visitor_id"] == VISITOR_A and row["status"] == "new", row
    # no routing configured: normal priority (bot/sla.h: 1), no department
    assert row["priority"] == 1 and row["department"] is None and row["assignee"] is None, row
    # an agent comes: auto routing assigns; the visitor's agent_joined and the agent's
    # assigned and chats carry the same ref
    ag, _, _, _ = agent_ws(srv, "case1")
    assigned, _ = until(ag, "assigned", conversation=conv)
    assert assigned["case_ref"] == ref, assigned
    chats, _ = until(ag, "chats")
    assert [c.get("case_ref") for c in chats["items"] if c["conversation"] == conv] == [ref], chats
    joined, _ = until(vis, "agent_joined")
    assert joined["case_ref"] == ref and joined["agent"]["name"] == "Case One", joined
    assert _case(srv, ref)["status"] == "open" and _case(srv, ref)["assignee"] == "case1"
    # the agent answers: waiting on the visitor, first response stamped
    ag.send_json({"type": "reply", "conversation": conv, "text": "hello", "client_id": "r1"})
    until(ag, "ack", client_id="r1")
    until(vis, "message", **{"from": "agent"})
    row = _case(srv, ref)
    assert row["status"] == "waiting" and row["first_response_at"] >= row["created"], row
    # the visitor writes while the agent has it: open again
    vis.send_json({"type": "message", "text": "my bill is wrong", "client_id": "v1"})
    vis.expect("ack", client_id="v1")
    until(ag, "message", conversation=conv)
    ag.send_json({"type": "note", "conversation": conv, "text": "check invoice", "client_id": "n1"})
    until(ag, "ack", client_id="n1")
    assert _case(srv, ref)["status"] == "open"
    # a transfer with its reason, then the second agent solves it
    ag2, _, _, _ = agent_ws(srv, "case2")
    ag.send_json({"type": "transfer", "conversation": conv, "to": "case2", "note": "billing"})
    until(ag, "closed", conversation=conv)
    a2, _ = until(ag2, "assigned", conversation=conv)
    assert a2["case_ref"] == ref and a2["by"] == "transfer", a2
    assert _case(srv, ref)["assignee"] == "case2"
    ag2.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag2, "closed", conversation=conv)
    closed, _ = until(vis, "closed")
    assert closed["case_ref"] == ref and closed["resolution"] == "resolved", closed
    vis.send_json({"type": "csat", "rating": 4, "comment": "ok"})
    vis.expect("csat_ok")
    row = _case(srv, ref)
    assert row["status"] == "solved" and row["solved_at"] >= row["first_response_at"], row
    tl = _timeline(srv, ref)
    assert [k for k, _, _, _ in tl] == [
        "created", "handoff", "queued", "assigned", "agent_replied", "visitor_wrote", "note",
        "transferred", "solved", "csat"], tl
    actors = [a for _, a, _, _ in tl]
    assert actors == ["system", "visitor", "system", "system", "agent:case1", "visitor",
                      "agent:case1", "agent:case1", "agent:case2", "visitor"], actors
    d = {k: det for k, _, det, _ in tl}
    assert d["handoff"] == {"reason": "button"}, d
    assert d["assigned"] == {"agent": "case1", "name": "Case One", "by": "auto"}, d
    assert d["transferred"] == {"from": "case1", "to": "case2", "note": "billing"}, d
    assert d["solved"] == {"resolution": "resolved"} and d["csat"] == {"rating": 4,
                                                                       "comment": "ok"}, d
    assert set(d["agent_replied"]) == {"seq"} and set(d["visitor_wrote"]) == {"seq"}, d
    ts = [t for _, _, _, t in tl]
    assert ts == sorted(ts) and ts[0] == row["created"], ts  # when: in order, from the start
    for ws in (vis, ag, ag2):
        ws.close()


@test(server=CASE_SRV)
def handoff_reason_asked_and_one_case_per_open_request(srv):
    vis = srv.ws()
    w, _ = hello(vis, lang="en", visitor=VISITOR_B)
    vis.send_json({"type": "message", "text": "I want to talk to a human", "client_id": "h1"})
    vis.expect("ack", client_id="h1")
    m = vis.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    off = vis.expect("offline")
    ref = off["case_ref"]
    # leaving the queue and asking again keeps the one open case
    vis.sync()
    vis.send_json({"type": "leave_queue"})
    vis.sync()
    vis.send_json({"type": "handoff"})
    vis.expect("message", **{"from": "bot"})
    assert vis.expect("offline")["case_ref"] == ref
    assert srv.count("SELECT count(*) FROM cases WHERE conv_id = ?", w["conversation"]) == 1
    kinds = [(k, det) for k, _, det, _ in _timeline(srv, ref)]
    assert kinds[:3] == [("created", None), ("handoff", {"reason": "asked"}), ("queued", None)], kinds
    assert ("left", None) in kinds and kinds[-1] == ("queued", None), kinds
    assert kinds[-2] == ("handoff", {"reason": "button"}), kinds
    vis.close()


@test(server=CASE_SRV)
def left_message_belongs_to_the_case_or_makes_one(srv):
    # after a handoff nobody answered: the ticket joins the handoff's case
    vis, w, after = _visitor(srv, VISITOR_A)
    ref = [f for f in after if f["type"] == "offline"][0]["case_ref"]
    vis.send_json({"type": "leave_message", "text": "call me back"})
    left = vis.expect("message_left")
    assert left["case_ref"] == ref, left
    row = _case(srv, ref)
    assert row["ticket_id"] == left["ticket"] and row["status"] == "new", row
    assert [k for k, _, _, _ in _timeline(srv, ref)][-1] == "message_left"
    vis.close()
    # a message left with no handoff before it makes its own case
    v2 = srv.ws()
    w2, _ = hello(v2, lang="ar")
    v2.send_json({"type": "leave_message", "text": "رجاء اتصلوا بي"})
    left2 = v2.expect("message_left")
    ref2 = left2["case_ref"]
    assert REF.match(ref2) and ref2 != ref, left2
    row = _case(srv, ref2)
    assert row["conv_id"] == w2["conversation"] and row["ticket_id"] == left2["ticket"], row
    assert row["visitor_id"] is None, row
    tl = _timeline(srv, ref2)
    assert [(k, a) for k, a, _, _ in tl] == [("created", "system"), ("message_left", "visitor")]
    assert tl[1][2] == {"ticket": left2["ticket"]}, tl
    v2.close()


def _move_solved_at(srv, ref, days):
    """Moves the case's solved_at (and its updated) back by days, in the running server's file."""
    c = db_rw(srv)
    c.execute("UPDATE cases SET solved_at = solved_at - ?, updated = updated - ? WHERE ref = ?",
              (int(days * 86400000), int(days * 86400000), ref))
    c.commit()
    c.close()


@test(server=dict(CASE_SRV, **{"reopen-days": 3}))
def reopen_within_reopen_days_by_visitor_id_and_not_after(srv):
    add_user(srv, "reop1", name="Re Op")
    ag, _, _, _ = agent_ws(srv, "reop1")
    vis, w, _ = _visitor(srv, VISITOR_A)
    a, _ = until(ag, "assigned", conversation=w["conversation"])
    ref = a["case_ref"]
    _solve(srv, ag, w["conversation"])
    vis.close()
    _move_solved_at(srv, ref, 2.5)  # solved 2.5 days ago: within 3
    # the same widget, a new conversation (no token): the case is reopened, same ref
    v2, w2, after = _visitor(srv, VISITOR_A)
    assert w2["conversation"] != w["conversation"]
    a2, _ = until(ag, "assigned", conversation=w2["conversation"])
    assert a2["case_ref"] == ref, (a2, ref)
    joined = [f for f in after if f["type"] == "agent_joined"]  # assigned at once (auto)
    assert [j["case_ref"] for j in joined] == [ref], after
    row = _case(srv, ref)
    assert row["conv_id"] == w2["conversation"] and row["status"] == "open", row
    assert row["solved_at"] is None, row
    tl = _timeline(srv, ref)
    reo = [(a_, det) for k, a_, det, _ in tl if k == "reopened"]
    assert reo == [("visitor", {"previous_conversation": w["conversation"]})], tl
    assert [k for k, _, _, _ in tl][-4:] == ["reopened", "handoff", "queued", "assigned"], tl
    _solve(srv, ag, w2["conversation"])
    v2.close()
    # solved 3 days ago and more: a new case
    _move_solved_at(srv, ref, 3.01)
    v3, w3, _ = _visitor(srv, VISITOR_A)
    a3, _ = until(ag, "assigned", conversation=w3["conversation"])
    assert REF.match(a3["case_ref"]) and a3["case_ref"] != ref, (a3, ref)
    assert _case(srv, ref)["status"] == "solved"
    _solve(srv, ag, w3["conversation"], "spam")
    v3.close()
    # closed as spam: never reopened, even at once
    spam = a3["case_ref"]
    assert _case(srv, spam)["status"] == "closed"
    v4, w4, _ = _visitor(srv, VISITOR_A)
    a4, _ = until(ag, "assigned", conversation=w4["conversation"])
    assert a4["case_ref"] not in (ref, spam), a4
    # another visitor id never reopens someone else's case
    _solve(srv, ag, w4["conversation"])
    v4.close()
    v5, w5, _ = _visitor(srv, VISITOR_B)
    a5, _ = until(ag, "assigned", conversation=w5["conversation"])
    assert a5["case_ref"] != a4["case_ref"], a5
    v5.close()
    ag.close()


@test(server=dict(CASE_SRV, **{"reopen-days": 0}))
def reopen_days_zero_never_reopens(srv):
    add_user(srv, "reop0", name="Zero")
    ag, _, _, _ = agent_ws(srv, "reop0")
    vis, w, _ = _visitor(srv, VISITOR_B)
    ref = until(ag, "assigned", conversation=w["conversation"])[0]["case_ref"]
    _solve(srv, ag, w["conversation"])
    vis.close()
    v2, w2, _ = _visitor(srv, VISITOR_B)
    ref2 = until(ag, "assigned", conversation=w2["conversation"])[0]["case_ref"]
    assert ref2 != ref, ref
    v2.close()
    ag.close()


@test()
def hostile_visitor_ids_refused(srv):
    bad = ["short", "a" * 15, "a" * 65, "bad!chars-0123456789", "ü" * 16, "a" * 15 + "\u00a0",
           "a b c d e f g h i j", "<script>alert(1)</script>", "' OR 1=1 --xxxxxxxx", 12345,
           True, ["a" * 16], {"id": "a" * 16}, "a" * 15 + "\u202e", "a" * 1000]
    for v in bad:
        ws = srv.ws()
        refused(ws, "bad_field", {"type": "hello", "visitor": v}, sync=False)
        # nothing started: the next frame must still be hello
        w, _ = hello(ws, lang="en")
        assert w["resumed"] is False, w
        ws.close()
    # a NUL inside a string: the frame itself is refused (jansson), nothing started
    ws = srv.ws()
    refused(ws, "bad_json", '{"type":"hello","visitor":"aaaaaaaaaaaaaaa\\u0000a"}', sync=False)
    w, _ = hello(ws, lang="en")
    ws.close()
    for v in ("a" * 16, "Z" * 64, "0123456789_-abcd", None):
        ws = srv.ws()
        w, _ = hello(ws, lang="en", visitor=v)
        assert w["type"] == "welcome", (v, w)
        ws.close()


@test(server={}, sqlite_only=True)
def store_v5_gets_cases_tables(srv):
    """A v5 file (profiles, no cases) is migrated to v6 at the start, rows kept; its queued
    conversation gets a case when the queue loads it, and every frame after names it."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    ws.send_json({"type": "handoff"})
    ws.expect("message", **{"from": "bot"})
    ws.sync()
    ws.close()
    path = os.path.join(srv.dir, "v5.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.execute("DROP TABLE case_events")
    dst.execute("DROP TABLE cases")
    dst.execute("PRAGMA user_version = 5")
    dst.commit()
    dst.close()
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v5-store", dict(CASE_SRV, **{"store-db": path}))
    try:
        s.store = path
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        # the one queued conversation got its case when the queue loaded it, nothing else
        assert c.execute("SELECT conv_id, status FROM cases").fetchall() == [
            (w["conversation"], "new")]
        assert [r[0] for r in c.execute("SELECT kind FROM case_events")] == ["created"]
        assert c.execute("SELECT state FROM conversations WHERE id = ?",
                         (w["conversation"],)).fetchone()[0] == "queued"
        c.close()
        assert "event=migrated" in s.logtext() and ("from=5 to=%d" % STORE_SCHEMA) in s.logtext()
        v = s.ws()
        w2, msgs = hello(v, token=w["token"], last_seq=0)
        assert w2["resumed"] and w2["state"] == "queued", w2
        q = [m for m in msgs if m["type"] == "queue"]
        assert q and REF.match(q[0].get("case_ref", "")), msgs
        assert s.count("SELECT count(*) FROM cases WHERE conv_id = ?", w["conversation"]) == 1
        v.close()
    finally:
        s.stop()


ROUTED = dict(CASE_SRV, departments="billing:الفواتير:Billing, tech:الدعم الفني:Technical, general:عام:General",
              prechat="department", **{"category-departments": "billing=billing, *=general",
                                       "priority-rules": "category:billing=high, repeat=high"})


@test(server=ROUTED)
def case_department_and_priority_from_what_the_bot_matched(srv):
    """A new case's department: the visitor's choice, else the matched entries' category
    (category_departments), else the fallback; its priority from priority_rules (bot/sla.h:
    0 low, 1 normal, 2 high, 3 urgent)."""
    # a billing question answered, then a person asked for: billing, high
    ws = srv.ws()
    hello(ws, lang="ar", visitor=VISITOR_A)
    ws.send_json({"type": "profile"})  # the form skipped: no department chosen
    ws.expect("profile_ok")
    _, bot = ask(ws, "كيف أدفع فاتورة خطي؟", "q1")
    assert bot.get("kb_id") == "ar-tel-003", bot
    ws.send_json({"type": "handoff"})
    f, _ = until(ws, "queue")
    row = _case(srv, f["case_ref"])
    assert row["department"] == "billing" and row["priority"] == 2, row
    ws.close()
    # nothing matched: the fallback, normal
    ws = srv.ws()
    hello(ws, lang="en", visitor=VISITOR_B)
    ws.send_json({"type": "handoff"})
    f, _ = until(ws, "queue")
    row = _case(srv, f["case_ref"])
    assert row["department"] == "general" and row["priority"] == 1, row
    ws.close()
    # the visitor's choice wins over the category; the same visitor back: a repeat contact
    ws = srv.ws()
    hello(ws, lang="ar", visitor=VISITOR_B)
    ws.send_json({"type": "profile", "department": "tech"})
    ws.expect("profile_ok")
    ask(ws, "كيف أدفع فاتورة خطي؟", "q2")
    ws.send_json({"type": "handoff"})
    f, _ = until(ws, "queue")
    row = _case(srv, f["case_ref"])
    assert row["department"] == "tech" and row["priority"] == 2, row  # billing and repeat: high
    ws.close()


@test()
def routing_config_is_checked(srv):
    base = ["--db", srv.kb_db, "--store-db", os.path.join(srv.tmp, "route-cfg.db"), "--check-config",
            "--departments", "billing:الفواتير:Billing, general:عام:General"]
    bad = [["--category-departments", "billing=nowhere"],
           ["--category-departments", "billing=billing, *=nowhere"],
           ["--category-departments", "billing"],
           ["--department-agents", "nowhere: amal"],
           ["--department-agents", "billing amal"],
           ["--priority-rules", "category:billing=top"],
           ["--priority-rules", "vip=high"],
           ["--sla", "nowhere/high first=5m"],
           ["--sla", "billing/high first=soon"]]
    for args in bad:
        p = subprocess.run([srv.sanad, "serve"] + base + args, capture_output=True, timeout=30)
        assert p.returncode == 2 and p.stderr.strip(), (args, p.returncode, p.stderr)
    p = subprocess.run([srv.sanad, "serve"] + base + [
        "--category-departments", "billing=billing, *=general", "--department-agents", "billing: amal omar",
        "--priority-rules", "category:billing=high, breach=raise", "--sla", "billing/high first=5m; */* resolve=1d"],
        capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert "category_departments billing=billing, *=general" in out and "sla billing/high first=5m" in out, out
