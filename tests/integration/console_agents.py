# The agent console's server side (issue 14, docs/protocol.md "Agent protocol", docs/api.md):
# the `agents` frame (who is online, with their load), a transfer's reason (`note`) reaching the
# receiving agent with who sent it and kept as an internal note, and PATCH /api/me (the agent's
# own display name, seen by visitors), each with hostile input. Run by tests/integration/run,
# whose helpers (test, add_user, login, session_cookie, agent_ws, until, visitor_handoff,
# hello, ask, api from api_kb.py) it uses.


def agents_of(frame):
    """{login: (name, status, chats, capacity)} of an agents frame."""
    assert frame["type"] == "agents" and isinstance(frame["items"], list), frame
    return {x["login"]: (x["name"], x["status"], x["chats"], x["capacity"])
            for x in frame["items"]}


def until_agents(ws, pred):
    """Reads frames (at most 50) until an agents frame whose agents_of() satisfies pred."""
    for _ in range(50):
        f, _ = until(ws, "agents")
        if pred(agents_of(f)):
            return f
    raise AssertionError("no such agents frame")


@test(server={"agent-capacity": 2})
def agents_frame_tells_presence_and_load(srv):
    add_user(srv, "la1", name="Lina")
    add_user(srv, "la2", name="Omar")
    a1, w1, *_ = agent_ws(srv, "la1")
    assert agents_of(a1.agents) == {"la1": ("Lina", "online", 0, 2)}, a1.agents
    a2, *_ = agent_ws(srv, "la2")
    both = {"la1": ("Lina", "online", 0, 2), "la2": ("Omar", "online", 0, 2)}
    assert agents_of(a2.agents) == both, a2.agents
    assert agents_of(a1.expect("agents")) == both  # pushed to the one already there
    # presence: away is listed as away
    a2.send_json({"type": "presence", "status": "away"})
    a2.expect("presence", status="away")
    f, _ = until(a1, "agents")
    assert agents_of(f)["la2"] == ("Omar", "away", 0, 2), f
    # load: a chat routed to the only online agent counts for her
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    until(a1, "assigned", conversation=vw["conversation"])
    until_agents(a1, lambda g: g["la1"] == ("Lina", "online", 1, 2))
    until_agents(a2, lambda g: g["la1"] == ("Lina", "online", 1, 2))
    # nothing changed: no frame
    assert [x for x in a1.sync() if x["type"] == "agents"] == []
    # a socket gone: the other is told
    a2.close()
    f, _ = until(a1, "agents")
    assert set(agents_of(f)) == {"la1"}, f
    vis.close()
    a1.close()


@test(server={})
def transfer_note_reaches_the_receiver_and_stays_internal(srv):
    add_user(srv, "tn1", name="Sara")
    add_user(srv, "tn2", name="Karim")
    a1, *_ = agent_ws(srv, "tn1")
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    conv = vw["conversation"]
    until(a1, "assigned", conversation=conv)
    a2, *_ = agent_ws(srv, "tn2")
    before = srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv)
    # hostile reasons: refused, nothing moves, nothing stored
    for note, code in [(7, "bad_field"), ({"x": 1}, "bad_field"), (["a"], "bad_field"),
                       (True, "bad_field"), ("x" * 1001, "too_long")]:
        a1.send_json({"type": "transfer", "conversation": conv, "to": "tn2", "note": note})
        e, _ = until(a1, "error")
        assert e["code"] == code, (note, e)
    assert conv_state(srv, conv)[0] == "agent"
    assert srv.count("SELECT count(*) FROM messages WHERE conv_id = ?", conv) == before
    reason = "VIP billing question — يحتاج قسم الفواتير <b>now</b>"
    a1.send_json({"type": "transfer", "conversation": conv, "to": "tn2",
                  "note": "  " + reason + "  "})
    closed, _ = until(a1, "closed", conversation=conv)
    assert closed["resolution"] == "transferred", closed
    a, _ = until(a2, "assigned", conversation=conv)
    assert a["by"] == "transfer", a
    assert a["from"] == {"login": "tn1", "name": "Sara"}, a
    assert a["note"] == reason, a  # trimmed, as text
    t, _ = until(a2, "transcript", conversation=conv)
    notes = [m for m in t["messages"] if m.get("note")]
    assert len(notes) == 1 and notes[0]["text"] == reason, t
    assert notes[0]["transfer"] == {"from": {"login": "tn1", "name": "Sara"},
                                    "to": {"login": "tn2", "name": "Karim"}}, notes[0]
    assert notes[0]["agent"] == {"name": "Sara"}, notes[0]
    # the visitor sees who joined, never the reason, live or replayed
    frames = []
    m, seen = until(vis, "agent_joined", agent={"name": "Karim"})
    frames += seen + vis.sync()
    assert all(reason not in json.dumps(f, ensure_ascii=False) for f in frames), frames
    vis.drop()
    v2 = srv.ws()
    _, replay = hello(v2, token=vw["token"], last_seq=0)
    assert replay and all(reason not in json.dumps(f, ensure_ascii=False) for f in replay), replay
    # on record: the receiving agent's console gets it again after a reconnect
    a2.close()
    a2, _, _, c = agent_ws(srv, "tn2")
    t = a2.expect("transcript", conversation=conv)
    assert [m["text"] for m in t["messages"] if m.get("transfer")] == [reason], t
    # a transfer without a reason: "note" null, no note stored
    n0 = srv.count("SELECT count(*) FROM messages WHERE conv_id = ? AND sender = 'note'", conv)
    a2.send_json({"type": "transfer", "conversation": conv, "to": "tn1", "note": None})
    a, _ = until(a1, "assigned", conversation=conv)
    assert a["from"] == {"login": "tn2", "name": "Karim"} and a["note"] is None, a
    assert srv.count("SELECT count(*) FROM messages WHERE conv_id = ? AND sender = 'note'",
                     conv) == n0
    v2.close()
    a1.close()
    a2.close()


def patch_me(srv, body, cookie=None, ctype="application/json", extra=""):
    return api(srv, "PATCH", "/api/me", body, cookie, ctype=ctype, extra=extra)


def me_name(srv, cookie):
    st, _, body = api(srv, "GET", "/api/me", None, cookie)
    assert st == 200, body
    return body["name"]


@test(server={})
def patch_me_each_role_and_none(srv):
    for role in ("agent", "editor", "admin"):
        ck = cookie_for(srv, "pm-" + role, role)
        st, _, body = patch_me(srv, {"name": "  نور " + role + "  "}, ck)
        assert st == 200, body
        assert body == {"login": "pm-" + role, "name": "نور " + role, "role": role}, body
        assert me_name(srv, ck) == "نور " + role
    st, _, body = patch_me(srv, {"name": "Nobody"})
    assert st == 401 and body["error"]["code"] == "unauthorized", body
    st, _, body = patch_me(srv, {"name": "Nobody"}, "sanad_session=" + "0" * 64)
    assert st == 401, body


@test(server={})
def patch_me_hostile_input_changes_nothing(srv):
    ck = cookie_for(srv, "pmh", "agent")
    assert me_name(srv, ck) == "Pmh"
    bad = [("not json", "bad_json"), ("[]", "bad_json"), ('"name"', "bad_json"),
           ('{"name": "a", "name": "b"}', "bad_json"), ("{}", "invalid"),
           ({"name": 5}, "invalid"), ({"name": None}, "invalid"), ({"name": ["x"]}, "invalid"),
           ({"name": ""}, "invalid"), ({"name": " \t\n\u00a0 "}, "invalid"),
           ({"name": "x" * 65}, "invalid"), ({"name": "ب" * 65}, "invalid"),
           ({"name": "bell\u0007"}, "invalid"), ({"name": "a\nb"}, "invalid"),
           ({"name": "del\u007f"}, "invalid"), ({"name": "c1\u0085"}, "invalid"),
           ({"name": "\u202eevil"}, "invalid"), ({"name": "iso\u2066x"}, "invalid"),
           ({"name": "line\u2028x"}, "invalid"), ({"name": "Ok", "role": "admin"}, "invalid"),
           ('{"name": "\\u0000x"}', "bad_json"), ('{"name": "\\ud800"}', "bad_json")]
    for body, code in bad:
        st, _, b = patch_me(srv, body, ck)
        assert st == 400 and b["error"]["code"] == code, (body, st, b)
    raw = b'{"name": "\xff\xfe"}'
    st, _, b = patch_me(srv, raw, ck)
    assert st == 400, (st, b)
    # the transport rules of every state-changing route
    st, _, b = patch_me(srv, {"name": "Evil"}, ck, extra="Origin: https://evil.example\r\n")
    assert st == 403 and b["error"]["code"] == "bad_origin", b
    st, _, b = patch_me(srv, {"name": "Form"}, ck, ctype="text/plain")
    assert st == 415, b
    st, _, b = patch_me(srv, {"name": "x" * 5000}, ck)
    assert st == 413, b
    st, _, b = srv.http(("PATCH /api/me HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                         "Cookie: %s\r\nContent-Type: application/json\r\n\r\n"
                         % (srv.port, ck)).encode())
    assert " 411 " in st, st
    assert me_name(srv, ck) == "Pmh"  # nothing changed
    # the edges that are fine: 64 characters (Arabic: 128 bytes), emoji, ZWJ, mixed scripts
    for name in ("ب" * 64, "x" * 64, "Amal 👩🏽‍💻", "أمل (Amal)"):
        st, _, b = patch_me(srv, {"name": name}, ck)
        assert st == 200 and b["name"] == name, (name, b)
        assert me_name(srv, ck) == name
    # other methods on /api/me
    st, _, b = api(srv, "PUT", "/api/me", {"name": "x"}, ck)
    assert st == 405, b


@test(server={})
def patch_me_is_seen_by_visitors_and_agents(srv):
    add_user(srv, "rn1", name="Old Name")
    add_user(srv, "rn2", name="Peer")
    ck = agent_cookie(srv, "rn1")
    a1, w, *_ = agent_ws(srv, cookie=ck)
    assert w["agent"]["name"] == "Old Name"
    vis, vw = visitor_handoff(srv, "en", EN_Q)
    conv = vw["conversation"]
    until(a1, "assigned", conversation=conv)
    until(vis, "agent_joined", agent={"name": "Old Name"})
    a2, *_ = agent_ws(srv, "rn2")
    st, _, b = patch_me(srv, {"name": "هالة Hala"}, ck)
    assert st == 200, b
    # the other consoles see the new name at once
    until_agents(a2, lambda g: g.get("rn1", ("",))[0] == "هالة Hala")
    a1.send_json({"type": "reply", "conversation": conv, "text": "hi", "client_id": "r1"})
    until(a1, "ack", conversation=conv)
    m, _ = until(vis, "message", **{"from": "agent"})
    assert m["agent"] == {"name": "هالة Hala"}, m
    # a new socket is welcomed with it; the transfer's "joined" uses it
    a1.close()
    a1, w, *_ = agent_ws(srv, cookie=ck)
    assert w["agent"]["name"] == "هالة Hala", w
    a1.send_json({"type": "transfer", "conversation": conv, "to": "rn2"})
    a, _ = until(a2, "assigned", conversation=conv)
    assert a["from"] == {"login": "rn1", "name": "هالة Hala"}, a
    vis.close()
    a1.close()
    a2.close()
