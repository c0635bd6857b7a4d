# Issue 15's escalation tiers and transfer to a department: run by tests/integration/run, whose
# helpers (test, Server, hello, refused, add_user, agent_ws, until) and cases_tests.py's
# (_case, _timeline, _visitor, REF) it uses. Docs: docs/cases.md "Escalation tiers",
# docs/protocol.md (escalate, transfer's department, the visitor's case frame, the agents
# frame's departments), docs/configuration.md (escalation).
#
# Routing is `pick` here: with auto routing, until routing by department (another part of
# issue 15) the conversation could go straight back to the agent who escalated it.

ESC_DEPTS = ("billing:الفواتير:Billing, finance:المالية:Finance, tech:الدعم الفني:Technical,"
             " tech2:الدعم الفني المتقدم:Technical L2, tech3:المهندسون:Engineering,"
             " tier2:الخط الثاني:Second line")
ESC_SRV = dict(CASE_SRV, routing="pick", departments=ESC_DEPTS, prechat="department",
               escalation="billing=finance, tech=tech2, tech2=tech3, *=tier2",
               **{"department-agents": "tech: esc1; tech2: esc2 esc3"})


def _dept_visitor(srv, dept, lang="en", visitor=None):
    """A visitor who picks department dept in the pre-chat form and asks for a human; returns
    (ws, welcome, the case's reference)."""
    ws = srv.ws()
    kw = {"lang": lang}
    if visitor:
        kw["visitor"] = visitor
    w, _ = hello(ws, **kw)
    ws.send_json({"type": "profile", "department": dept} if dept else {"type": "profile"})
    ws.expect("profile_ok")
    ws.send_json({"type": "handoff"})
    q, _ = until(ws, "queue")
    return ws, w, q["case_ref"]


def _take(ag, conv):
    """The agent takes conv from the queue: returns (assigned, every frame after it up to a
    pong: the transcript, the chats, the queue and agents pushed)."""
    ag.send_json({"type": "take", "conversation": conv})
    a, _ = until(ag, "assigned", conversation=conv)
    return a, ag.sync()


def _escalate(ag, conv, note, **kw):
    ag.send_json(dict({"type": "escalate", "conversation": conv, "note": note}, **kw))
    c, _ = until(ag, "closed", conversation=conv)
    assert c["resolution"] == "escalated", c
    chats, _ = until(ag, "chats")
    assert conv not in [x["conversation"] for x in chats["items"]], chats


def _notice(vis, ref):
    """The next stored system message naming the case's reference (the "joined" notices
    before it are skipped)."""
    while True:
        m, _ = until(vis, "message", **{"from": "system"})
        if ref in m["text"]:
            return m


def _state(srv, conv):
    return srv.db().execute("SELECT state, agent_id FROM conversations WHERE id = ?",
                            (conv,)).fetchone()


@test(server=ESC_SRV)
def escalation_to_tier_2_with_the_visitor_told(srv):
    """An agent escalates a case to the second line with a note: the case keeps its reference
    and timeline, goes to the escalation map's department one tier up, and back to the queue;
    the visitor gets a stored notice naming the department (in the conversation's language)
    and the reference, then a case frame; a second-line agent takes and solves it, and the
    visitor's case frame says so."""
    add_user(srv, "esc1", name="First Line")
    add_user(srv, "esc2", name="Second Line")
    vis, w, ref = _dept_visitor(srv, "tech", lang="ar")
    conv = w["conversation"]
    ag1, _, _, _ = agent_ws(srv, "esc1")
    a, _ = _take(ag1, conv)
    assert a["case_ref"] == ref, a
    until(vis, "agent_joined")
    ag1.send_json({"type": "reply", "conversation": conv, "text": "checking", "client_id": "r1"})
    until(ag1, "ack", client_id="r1")
    before = _timeline(srv, ref)
    _escalate(ag1, conv, "router firmware: needs level 2")
    # the visitor: the stored notice, then the case frame
    m, _ = until(vis, "message", **{"from": "system"})
    assert ref in m["text"] and "الدعم الفني المتقدم" in m["text"], m
    cf, _ = until(vis, "case")
    assert cf == {"type": "case", "case_ref": ref, "status": "escalated", "tier": 2,
                  "department": {"id": "tech2", "label": "الدعم الفني المتقدم"}}, cf
    # the case: same reference, the second line's department, tier 2, escalated
    row = _case(srv, ref)
    assert row["department"] == "tech2" and row["tier"] == 2 and row["status"] == "escalated", row
    assert row["conv_id"] == conv, row
    tl = _timeline(srv, ref)
    assert tl[:len(before)] == before, tl  # the timeline is kept, and grows
    kinds = [k for k, _, _, _ in tl[len(before):]]
    assert kinds == ["escalated", "queued"], tl
    k, actor, detail, _ = tl[len(before)]
    assert actor == "agent:esc1" and detail == {
        "from": "tech", "to": "tech2", "tier": 2, "note": "router firmware: needs level 2"}, tl
    # the conversation waits in the queue again; the note is an internal note (never replayed
    # to the visitor)
    assert _state(srv, conv) == ("queued", None), _state(srv, conv)
    assert srv.count("SELECT count(*) FROM messages WHERE conv_id = ? AND sender = 'note' AND"
                     " text = ?", conv, "router firmware: needs level 2") == 1
    # the second line takes it: the same case, the reason in its transcript
    ag2, _, q, _ = agent_ws(srv, "esc2")
    assert conv in [x["conversation"] for x in q["items"]], q
    a2, after = _take(ag2, conv)
    assert a2["case_ref"] == ref, a2
    t = [f for f in after if f["type"] == "transcript" and f["conversation"] == conv][0]
    notes = [x for x in t["messages"] if x.get("note")]
    assert notes and notes[-1]["text"] == "router firmware: needs level 2", notes
    assert notes[-1].get("escalate") == {"from": "tech", "to": "tech2", "tier": 2}, notes[-1]
    assert _case(srv, ref)["status"] == "open" and _case(srv, ref)["assignee"] == "esc2"
    j, _ = until(vis, "agent_joined")
    assert j["case_ref"] == ref, j
    ag2.send_json({"type": "close", "conversation": conv, "resolution": "resolved"})
    until(ag2, "closed", conversation=conv)
    cf, _ = until(vis, "case")  # the case solved, just before closed
    assert cf["case_ref"] == ref and cf["status"] == "solved" and cf["tier"] == 2, cf
    closed, _ = until(vis, "closed")
    assert closed["case_ref"] == ref, closed
    # the case search's view (cases_api_tests.py's helpers) says tier 2, tech2, and has the
    # escalation in its timeline
    st, view = _get(srv, "/api/cases/" + ref, _cookie(srv, "escview", "agent"))
    assert st == 200 and view["tier"] == 2 and view["department"] == "tech2", (st, view)
    assert "escalated" in [e["kind"] for e in view["events"]], view["events"]
    # the replay: the notice is stored, the note is not the visitor's
    v2 = srv.ws()
    _, msgs = hello(v2, token=w["token"], last_seq=0)
    texts = [x.get("text", "") for x in msgs if x["type"] == "message"]
    assert any(ref in t and "الدعم الفني المتقدم" in t for t in texts), texts
    assert not any("router firmware" in t for t in texts), texts
    for ws in (v2, vis, ag1, ag2):
        ws.close()


@test(server=ESC_SRV)
def escalation_tiers_go_to_three_and_no_further(srv):
    """Each escalation is one tier up: tech (1) → tech2 (2) → tech3 (3); a third escalation
    is refused (the last tier), as is one whose map gives no second line; the agent's own
    choice wins over the map; the English notice names the English label."""
    add_user(srv, "esc1", name="First Line")
    add_user(srv, "esc2", name="Second Line")
    add_user(srv, "esc3", name="Third Line")
    vis, w, ref = _dept_visitor(srv, "tech", lang="en")
    conv = w["conversation"]
    ags = [agent_ws(srv, x)[0] for x in ("esc1", "esc2", "esc3")]
    _take(ags[0], conv)
    _escalate(ags[0], conv, "level 2 please")
    m = _notice(vis, ref)
    assert "Technical L2" in m["text"], m
    _take(ags[1], conv)
    _escalate(ags[1], conv, "needs engineering")
    cf, _ = until(vis, "case")
    cf, _ = until(vis, "case")
    assert cf["tier"] == 3 and cf["department"] == {"id": "tech3", "label": "Engineering"}, cf
    row = _case(srv, ref)
    assert (row["department"], row["tier"], row["status"]) == ("tech3", 3, "escalated"), row
    _take(ags[2], conv)
    n = len(_timeline(srv, ref))
    for frame in ({"type": "escalate", "conversation": conv, "note": "more"},
                  {"type": "escalate", "conversation": conv, "note": "more", "department": "tier2"}):
        e = refused(ags[2], "bad_field", frame)
        assert "tier" in e["message"], e
    assert len(_timeline(srv, ref)) == n and _case(srv, ref)["tier"] == 3
    assert _state(srv, conv)[0] == "agent"
    # another case: no department, the fallback (*=tier2); the agent's choice over the map
    v2, w2, ref2 = _dept_visitor(srv, None, lang="en")
    _take(ags[2], w2["conversation"])
    _escalate(ags[2], w2["conversation"], "to finance", department="finance")
    row = _case(srv, ref2)
    assert (row["department"], row["tier"]) == ("finance", 2), row
    d = [det for k, _, det, _ in _timeline(srv, ref2) if k == "escalated"]
    assert d == [{"from": None, "to": "finance", "tier": 2, "note": "to finance"}], d
    _take(ags[0], w2["conversation"])
    _escalate(ags[0], w2["conversation"], "default second line")  # finance: no entry, *=tier2
    row = _case(srv, ref2)
    assert (row["department"], row["tier"]) == ("tier2", 3), row
    for ws in [vis, v2] + ags:
        ws.close()


@test(server=dict(ESC_SRV, escalation="tech=tech2"))
def escalation_refusals_change_nothing(srv):
    """Hostile and wrong escalate frames: each gets its error, and the case, its timeline, the
    conversation and the agent's chats are as they were."""
    add_user(srv, "esc1", name="First Line")
    add_user(srv, "esc9", name="Other")
    vis, w, ref = _dept_visitor(srv, "billing", lang="en")
    conv = w["conversation"]
    ag, _, _, _ = agent_ws(srv, "esc1")
    other, _, _, _ = agent_ws(srv, "esc9")
    _take(ag, conv)
    other.sync()
    row, tl, notes = _case(srv, ref), _timeline(srv, ref), srv.count(
        "SELECT count(*) FROM messages WHERE conv_id = ?", conv)
    long_note = "x" * 1001
    cases = [
        ("bad_field", {"type": "escalate", "conversation": conv}),  # no note
        ("bad_field", {"type": "escalate", "conversation": conv, "note": None}),
        ("empty", {"type": "escalate", "conversation": conv, "note": "  \u00a0 "}),
        ("too_long", {"type": "escalate", "conversation": conv, "note": long_note}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": 7}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": ["a"]}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n", "department": 5}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n", "department": ""}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "Tech"}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "t" * 33}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "te\u00e9ch"}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "'; DROP TABLE cases;--"}),
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "nowhere"}),  # not in departments
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n",
                       "department": "billing"}),  # the same department
        ("bad_field", {"type": "escalate", "conversation": conv, "note": "n"}),  # no map entry
        ("bad_field", {"type": "escalate", "note": "n"}),
        ("bad_field", {"type": "escalate", "conversation": "../x", "note": "n"}),
        ("not_found", {"type": "escalate", "conversation": "c_nope", "note": "n"}),
        ("bad_field", {"type": "transfer", "conversation": conv, "department": "tech",
                       "to": "esc9"}),  # one of the two
        ("bad_field", {"type": "transfer", "conversation": conv, "department": "nowhere"}),
        ("bad_field", {"type": "transfer", "conversation": conv, "department": 1}),
        ("too_long", {"type": "transfer", "conversation": conv, "department": "tech",
                      "note": long_note}),
    ]
    for code, frame in cases:
        refused(ag, code, frame)
    # not one's own chat
    refused(other, "not_found", {"type": "escalate", "conversation": conv, "note": "mine now",
                                 "department": "tech"})
    refused(other, "not_found", {"type": "transfer", "conversation": conv, "department": "tech"})
    assert _case(srv, ref) == row and _timeline(srv, ref) == tl
    assert srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv) == notes
    assert _state(srv, conv)[0] == "agent"
    # the visitor socket has no such frame; the agent still has the chat and may escalate it
    vis.sync()
    refused(vis, "unknown_type", {"type": "escalate", "conversation": conv, "note": "me"})
    _escalate(ag, conv, "finally", department="tech")
    assert _case(srv, ref)["department"] == "tech" and _case(srv, ref)["tier"] == 2
    for ws in (vis, ag, other):
        ws.close()


@test(server=ESC_SRV)
def transfer_to_a_department(srv):
    """transfer with department instead of to: the chat goes back to the queue for that
    department, the tier unchanged; the timeline says transferred {from, to_department, note};
    the visitor is told (a stored notice and a case frame)."""
    add_user(srv, "esc1", name="First Line")
    vis, w, ref = _dept_visitor(srv, "tech", lang="en")
    conv = w["conversation"]
    ag, _, _, _ = agent_ws(srv, "esc1")
    _take(ag, conv)
    ag.send_json({"type": "transfer", "conversation": conv, "department": "billing",
                  "note": "a billing question after all"})
    c, _ = until(ag, "closed", conversation=conv)
    assert c["resolution"] == "transferred", c
    m = _notice(vis, ref)
    assert "Billing" in m["text"], m
    cf, _ = until(vis, "case")
    assert cf == {"type": "case", "case_ref": ref, "status": "new", "tier": 1,
                  "department": {"id": "billing", "label": "Billing"}}, cf
    row = _case(srv, ref)
    assert (row["department"], row["tier"], row["status"]) == ("billing", 1, "new"), row
    tl = _timeline(srv, ref)
    assert [k for k, _, _, _ in tl[-2:]] == ["transferred", "queued"], tl
    assert tl[-2][1] == "agent:esc1" and tl[-2][2] == {
        "from": "esc1", "to_department": "billing", "note": "a billing question after all"}, tl
    assert _state(srv, conv) == ("queued", None)
    # without a note: none recorded; and back to one's own department is allowed
    _take(ag, conv)
    ag.send_json({"type": "transfer", "conversation": conv, "department": "billing"})
    until(ag, "closed", conversation=conv)
    assert _timeline(srv, ref)[-2][2] == {"from": "esc1", "to_department": "billing",
                                          "note": None}
    vis.close()
    ag.close()


@test(server=ESC_SRV)
def agents_frame_lists_departments_with_agents_online(srv):
    """The agents frame carries every department with how many of its agents are online
    (department_agents; a department nobody is listed in is everyone's) and its second line;
    each chats item the case's department and tier."""
    add_user(srv, "esc1", name="First Line")
    add_user(srv, "esc2", name="Second Line")
    ag1, _, _, _ = agent_ws(srv, "esc1")
    deps = {d["id"]: d for d in ag1.agents["departments"]}
    assert list(deps) == ["billing", "finance", "tech", "tech2", "tech3", "tier2"], deps
    assert deps["tech"] == {"id": "tech", "labels": {"ar": "الدعم الفني", "en": "Technical"},
                            "online": 1, "escalation": "tech2"}, deps
    assert deps["tech2"]["online"] == 0 and deps["tech2"]["escalation"] == "tech3", deps
    assert deps["billing"]["online"] == 1 and deps["billing"]["escalation"] == "finance", deps
    assert deps["finance"]["escalation"] == "tier2" and deps["tier2"]["escalation"] is None, deps
    ag2, _, _, _ = agent_ws(srv, "esc2")
    f, _ = until(ag1, "agents")
    deps = {d["id"]: d for d in f["departments"]}
    assert deps["tech2"]["online"] == 1 and deps["tech"]["online"] == 1, deps
    assert deps["billing"]["online"] == 2, deps
    ag2.send_json({"type": "presence", "status": "away"})
    f, _ = until(ag1, "agents")
    assert {d["id"]: d["online"] for d in f["departments"]}["tech2"] == 0, f
    vis, w, ref = _dept_visitor(srv, "tech")
    ag1.send_json({"type": "take", "conversation": w["conversation"]})
    chats, _ = until(ag1, "chats")
    while not chats["items"]:  # the queue's own pushes come first
        chats, _ = until(ag1, "chats")
    item = [c for c in chats["items"] if c["conversation"] == w["conversation"]][0]
    assert item["case_ref"] == ref and item["department"] == "tech" and item["tier"] == 1, item
    for ws in (vis, ag1, ag2):
        ws.close()


@test(server=ESC_SRV)
def reopened_case_is_shown_to_the_visitor(srv):
    """A case solved and reopened by the visitor's next handoff: the visitor gets a case frame
    with the same reference and its status again."""
    add_user(srv, "esc1", name="First Line")
    vis, w, ref = _dept_visitor(srv, "tech", visitor=VISITOR_A)
    ag, _, _, _ = agent_ws(srv, "esc1")
    _take(ag, w["conversation"])
    ag.send_json({"type": "close", "conversation": w["conversation"], "resolution": "resolved"})
    cf, _ = until(vis, "case")
    assert cf["status"] == "solved" and cf["case_ref"] == ref, cf
    vis.close()
    v2 = srv.ws()
    hello(v2, lang="en", visitor=VISITOR_A)
    v2.send_json({"type": "handoff"})
    cf, _ = until(v2, "case")
    assert cf["case_ref"] == ref and cf["status"] == "new", cf
    assert cf["department"] == {"id": "tech", "label": "Technical"}, cf
    v2.close()
    ag.close()


@test(server={})
def escalation_config_is_checked(srv):
    """escalation names departments of `departments` only, on both sides; a malformed map is
    refused at the start, the good one printed back."""
    base = ["--db", srv.kb_db, "--store-db", os.path.join(srv.tmp, "esc-cfg.db"), "--check-config",
            "--departments", "tech:الدعم:Tech, tech2:الدعم ٢:Tech 2"]
    for bad in ("tech=nowhere", "nowhere=tech2", "tech=tech2, *=nowhere", "tech", "tech=",
                "tech=tech2, tech=tech", "*=tech2, *=tech", "TECH=tech2"):
        p = subprocess.run([srv.sanad, "serve"] + base + ["--escalation", bad],
                           capture_output=True, timeout=30)
        assert p.returncode == 2 and p.stderr.strip(), (bad, p.returncode, p.stderr)
    p = subprocess.run([srv.sanad, "serve"] + base + ["--escalation", "tech=tech2, *=tech2"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "escalation tech=tech2, *=tech2" in p.stdout.decode(), p.stdout


@test(server={}, sqlite_only=True)
def store_v6_gets_case_tiers(srv):
    """A v6 file (cases without tiers) is migrated to v7 at the start: every case at tier 1,
    rows kept; an escalation then writes tier 2."""
    add_user(srv, "esc1", name="First Line")
    vis, w, _ = _visitor(srv, VISITOR_A)
    vis.close()
    path = os.path.join(srv.dir, "v6.db")
    src = sqlite3.connect(srv.store)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.execute("ALTER TABLE cases DROP COLUMN tier")
    dst.execute("PRAGMA user_version = 6")
    dst.commit()
    before = dst.execute("SELECT id, ref, conv_id, status, department FROM cases").fetchall()
    dst.close()
    assert len(before) == 1, before
    s = Server(srv.sanad, srv.tmp, srv.kb_db, "v6-store-tiers",
               dict(CASE_SRV, **{"store-db": path, "routing": "pick",
                                 "departments": "tech:الدعم:Tech, tech2:الدعم ٢:Tech 2",
                                 "escalation": "*=tech2"}))
    try:
        s.store = path
        c = sqlite3.connect(path)
        assert c.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA
        assert c.execute("SELECT id, ref, conv_id, status, department FROM cases").fetchall() == before
        assert c.execute("SELECT tier FROM cases").fetchall() == [(1,)]
        c.close()
        assert ("from=6 to=%d" % STORE_SCHEMA) in s.logtext()
        ag, _, q, _ = agent_ws(s, "esc1")
        conv = w["conversation"]
        assert conv in [x["conversation"] for x in q["items"]], q
        _take(ag, conv)
        _escalate(ag, conv, "up")
        c = sqlite3.connect(path)
        assert c.execute("SELECT department, tier, status FROM cases").fetchall() == [
            ("tech2", 2, "escalated")]
        c.close()
        ag.close()
    finally:
        s.stop()
