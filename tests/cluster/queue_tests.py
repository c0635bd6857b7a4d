#!/usr/bin/python3
"""The agent queue across nodes (issue 17, bot/cluster_queue.h): three real `sanad serve`
nodes on one real PostgreSQL (tests/pgtemp.py), real WebSocket visitors and agents.

    tests/cluster/queue_tests.py [--sanad build/werr/sanad] [-k SUBSTRING]

Standalone until tests/cluster/run (the cluster harness) takes it: the same shape (a TESTS
list of (name, fn, config) and one TAP line per test, `cluster-queue: N passed, M failed`).
Every test starts its own nodes on a fresh database and stops them (SIGTERM, exit 0) or, for
the one killed on purpose, reaps it; PostgreSQL is stopped at the end. Waits are bounded
(the sockets' timeouts, loops with a deadline); nothing asserts a speed.

The integration suite's helpers (hello, ask, until, agent_ws, ...) are loaded from
tests/integration/run; its Server class runs each node with `--store postgres`."""
import argparse
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import shutil
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from pgtemp import PgTemp  # noqa: E402

_loader = importlib.machinery.SourceFileLoader("it_run", os.path.join(ROOT, "tests/integration/run"))
_spec = importlib.util.spec_from_loader("it_run", _loader)
it = importlib.util.module_from_spec(_spec)
_loader.exec_module(it)
hello, ask, until, agent_ws, PW = it.hello, it.ask, it.until, it.agent_ws, it.PW

TESTS = []
WAIT_S = 30  # the longest any condition is waited for


def test(**config):
    def deco(fn):
        TESTS.append((fn.__name__, fn, config))
        return fn
    return deco


class Cluster:
    """Three nodes on database db of pg; node i (1..3) is self.n[i]."""

    def __init__(self, sanad, tmp, kb_db, pg, name, config):
        self.sanad, self.pg, self.name = sanad, pg, name
        self.db = name.replace("-", "_")
        self.dsn = pg.create_db(self.db)
        self.n = {}
        self.killed = set()
        base = {"store": "postgres", "pg-dsn": self.dsn, "node-lease": 2,
                "rate": 10000, "burst": 10000, "abuse-limit": 10000}
        base.update(config)
        try:
            for i in (1, 2, 3):  # one after the other: the first migrates, the others find it
                self.n[i] = it.Server(sanad, tmp, kb_db, "%s-n%d" % (name, i),
                                      dict(base, **{"node-id": "n%d" % i}))
        except Exception:
            self.stop()  # the nodes that did start
            raise

    def sql(self, q):
        return [r.split("|") for r in self.pg.psql(q, self.db).splitlines() if r]

    def add_user(self, login, name="Agent Name"):
        p = subprocess.run([self.sanad, "user", "add", login, "--role", "agent", "--name", name,
                            "--store", "postgres", "--pg-dsn", self.dsn],
                           input=(PW + "\n").encode(), capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr

    def kill(self, i):
        self.n[i].proc.kill()
        self.n[i].proc.wait(30)
        self.n[i].log.close()
        self.killed.add(i)

    def stop(self):
        errors = []
        for i, s in self.n.items():
            if i in self.killed:
                continue
            try:
                s.stop()
            except Exception as e:  # every node is stopped before the first failure is raised
                errors.append(e)
        if errors:
            raise errors[0]

    def logs(self):
        return "".join("\n--- n%d log (tail) ---\n%s" % (i, s.logtext()[-2500:])
                       for i, s in self.n.items())


def wait_for(cond, what):
    deadline = time.time() + WAIT_S
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def handoff(srv, text=None):
    """A visitor on srv who asks for a person; returns (ws, conversation, frames after the
    handoff up to its queue or agent_joined frame)."""
    ws = srv.ws()
    w, _ = hello(ws, lang="en")
    ws.welcome_token = w["token"]
    if text:
        ask(ws, text, "q1")
    ws.send_json({"type": "handoff"})
    m = ws.expect("message", **{"from": "bot"})
    assert m["kind"] == "handoff", m
    seen = []
    while True:
        f = ws.recv_json()
        seen.append(f)
        if f.get("type") in ("queue", "agent_joined"):
            return ws, w["conversation"], seen


def queued(c):
    return [r[0] for r in c.sql("SELECT id FROM sanad_store.conversations WHERE state = 'queued'"
                                " ORDER BY queued_at, id")]


def holder(c, conv):
    r = c.sql("SELECT state, COALESCE(agent_id, 0) FROM sanad_store.conversations"
              " WHERE id = '%s'" % conv)
    return (r[0][0], int(r[0][1])) if r else None


def user_id(c, login):
    return int(c.sql("SELECT id FROM sanad_auth.users WHERE login = '%s'" % login)[0][0])


def presence(ag, status):
    ag.send_json({"type": "presence", "status": status})
    until(ag, "presence", status=status)


def assigned_timeline(c):
    """conversation -> how many `assigned` events its cases have (None when the store's case
    ops are not there yet: pg-cases)."""
    try:
        rows = c.sql("SELECT k.conv_id, count(*) FROM sanad_store.case_events e"
                     " JOIN sanad_store.cases k ON k.id = e.case_id WHERE e.kind = 'assigned'"
                     " GROUP BY k.conv_id")
    except RuntimeError:
        return None
    return {r[0]: int(r[1]) for r in rows}


# --- the tests ------------------------------------------------------------------------------

@test(**{"agent-capacity": 1})
def fifo_across_nodes(c):
    """Visitors queued in order on nodes 1, 2, 3, 1, 2 are served in that order by agents on
    nodes 2 and 3, each of capacity 1 freeing up in turn: every node takes the head of the
    store's one order, never of its own view."""
    c.add_user("f2")
    c.add_user("f3")
    a2, *_ = agent_ws(c.n[2], "f2")
    a3, *_ = agent_ws(c.n[3], "f3")
    presence(a2, "away")
    presence(a3, "away")
    vis, convs = [], []
    for i in (1, 2, 3, 1, 2):
        ws, conv, _ = handoff(c.n[i])
        vis.append(ws)
        convs.append(conv)
        wait_for(lambda: conv in queued(c), "%s queued" % conv)
    assert queued(c) == convs, (queued(c), convs)
    served = []
    presence(a2, "online")
    served.append(until(a2, "assigned")[0]["conversation"])
    presence(a3, "online")
    served.append(until(a3, "assigned")[0]["conversation"])
    for ag in (a2, a3, a2):  # each closes its chat and gets the next in the one order
        mine = [s for s in served if holder(c, s)[0] == "agent" and
                holder(c, s)[1] == user_id(c, "f2" if ag is a2 else "f3")]
        assert len(mine) == 1, (mine, served)
        ag.send_json({"type": "close", "conversation": mine[0], "resolution": "resolved"})
        served.append(until(ag, "assigned")[0]["conversation"])
    assert served == convs, (served, convs)
    assert queued(c) == []
    for ws in vis + [a2, a3]:
        ws.close()


@test(**{"agent-capacity": 2})
def capacity_across_nodes(c):
    """An agent of capacity 2 never holds a third chat whichever node its visitors are on;
    two agents on two nodes freeing up at once never get the same chat: each conversation is
    assigned once (the agents' frames, the store, the case timeline)."""
    c.add_user("k2")
    c.add_user("k3")
    a2, *_ = agent_ws(c.n[2], "k2")
    vis, convs = [], []
    for i in (1, 2, 3):
        ws, conv, _ = handoff(c.n[i])
        vis.append(ws)
        convs.append(conv)
    got2 = [until(a2, "assigned")[0]["conversation"] for _ in range(2)]
    assert got2 == convs[:2], (got2, convs)
    wait_for(lambda: queued(c) == convs[2:], "the third chat to wait")
    time.sleep(2.5)  # two more ticks of every node: still nobody gives k2 a third
    k2 = user_id(c, "k2")
    assert queued(c) == convs[2:], queued(c)
    held = [r[0] for r in c.sql("SELECT id FROM sanad_store.conversations WHERE agent_id = %d"
                                " AND state = 'agent'" % k2)]
    assert sorted(held) == sorted(got2), held
    a3, *_ = agent_ws(c.n[3], "k3")
    got3 = [until(a3, "assigned")[0]["conversation"]]
    assert got3 == convs[2:], got3
    for i in (1, 2, 3, 1):  # four more: two each, then two wait
        ws, conv, _ = handoff(c.n[i])
        vis.append(ws)
        convs.append(conv)
    got3.append(until(a3, "assigned")[0]["conversation"])
    wait_for(lambda: len(queued(c)) == 3, "three chats to wait")
    # both free a chat at once: the two heads go one to each, never one to both
    a2.send_json({"type": "close", "conversation": got2[0], "resolution": "resolved"})
    a3.send_json({"type": "close", "conversation": got3[0], "resolution": "resolved"})
    got2.append(until(a2, "assigned")[0]["conversation"])
    got3.append(until(a3, "assigned")[0]["conversation"])
    assert got2[-1] != got3[-1], (got2, got3)
    wait_for(lambda: len(queued(c)) == 1, "one chat to wait")
    every = got2 + got3
    assert len(every) == len(set(every)), every  # each assigned once
    for login in ("k2", "k3"):
        n = int(c.sql("SELECT count(*) FROM sanad_store.conversations WHERE agent_id = %d"
                      " AND state = 'agent'" % user_id(c, login))[0][0])
        assert n == 2, (login, n)
    tl = assigned_timeline(c)
    if tl:  # the PG store's case ops (pg-cases)
        assert all(tl.get(x) == 1 for x in every), tl
    for ws in vis + [a2, a3]:
        ws.close()


@test(routing="pick")
def nobody_online_anywhere(c):
    """Nobody online on any node: a handoff on every node is offered to leave a message; an
    agent online on node 2 only: nobody on node 1 or 3 is; away again: every node offers."""
    c.add_user("o2")

    def offered(i):
        ws, _, seen = handoff(c.n[i])
        ws.close()
        off = [f for f in seen if f["type"] == "offline"]
        return off[0]["reason"] if off else None

    for i in (1, 2, 3):
        assert offered(i) == "nobody_online", i
    a2, *_ = agent_ws(c.n[2], "o2")
    for i in (1, 3):  # the other nodes see o2 at their next tick
        wait_for(lambda: offered(i) is None, "node %d to see o2 online" % i)
    assert offered(2) is None
    presence(a2, "away")
    for i in (1, 3):
        wait_for(lambda: offered(i) == "nobody_online", "node %d to see o2 away" % i)
    assert offered(2) == "nobody_online"
    a2.close()


@test(**{"agent-grace": 2})
def killed_node_chats_requeued(c):
    """kill -9 of the node of an agent mid-chat (its visitor is there too, and resumes on
    another node with its token): after the node's lease and agent_grace the chat is back in
    the queue, and an agent on another node gets it with the whole transcript."""
    c.add_user("p3", name="Pat")
    c.add_user("q2", name="Quinn")
    p, *_ = agent_ws(c.n[3], "p3")
    v, conv, _ = handoff(c.n[3], it.EN_Q)
    until(p, "assigned", conversation=conv)
    v.send_json({"type": "message", "text": "are you there?", "client_id": "v2"})
    v.expect("ack", client_id="v2")
    until(p, "message", text="are you there?")
    p.send_json({"type": "reply", "conversation": conv, "text": "yes, I am", "client_id": "r1"})
    until(v, "message", text="yes, I am")
    token = v.welcome_token
    q, *_ = agent_ws(c.n[2], "q2")
    assert holder(c, conv) == ("agent", user_id(c, "p3")), holder(c, conv)
    c.kill(3)
    v2 = c.n[1].ws()  # the visitor resumes on node 1
    w2, _ = hello(v2, token=token, lang="en")
    assert w2["resumed"] is True and w2["conversation"] == conv, w2
    a, _ = until_long(q, "assigned", conversation=conv)
    t, _ = until(q, "transcript", conversation=conv)
    texts = [m.get("text") for m in t["messages"]]
    for want in (it.EN_Q, "are you there?", "yes, I am"):
        assert want in texts, (want, texts)
    assert holder(c, conv) == ("agent", user_id(c, "q2"))
    left = c.sql("SELECT count(*) FROM sanad_cluster_queue.agents_live WHERE node = 'n3'")
    assert left == [["0"]], left
    for ws in (v2, q):
        ws.close()


def until_long(ws, type_, **fields):
    """until, over several socket timeouts (a node's lease and a grace), bounded by WAIT_S."""
    deadline = time.time() + WAIT_S
    while True:
        try:
            return until(ws, type_, **fields)
        except OSError:  # socket.timeout
            if time.time() > deadline:
                raise


@test(routing="pick")
def hostile_take_and_transfer(c):
    """A take of a chat another node's agent has: a clear error, nothing changes; a transfer
    to an agent on another node: refused with a clear error, nothing changes; takes of
    unknown or malformed conversations: errors."""
    c.add_user("h2")
    c.add_user("h3")
    a2, *_ = agent_ws(c.n[2], "h2")
    a3, *_ = agent_ws(c.n[3], "h3")
    v, conv, _ = handoff(c.n[1])
    wait_for(lambda: conv in queued(c), "queued")
    until(a3, "queue")  # node 3 has it in its queue
    a2.send_json({"type": "take", "conversation": conv})
    until(a2, "assigned", conversation=conv)
    a3.send_json({"type": "take", "conversation": conv})
    err, _ = until(a3, "error")
    assert err["code"] == "not_found", err
    assert "taken by another agent" in err["message"] or "not in the queue" in err["message"], err
    h2 = user_id(c, "h2")
    assert holder(c, conv) == ("agent", h2)
    # a named agent on another node: refused, the chat stays h2's
    time.sleep(1.5)  # node 2's next tick has h3 in agents_live
    a2.send_json({"type": "transfer", "conversation": conv, "to": "h3", "note": None})
    err, _ = until(a2, "error")
    assert err["code"] == "bad_field" and "another node" in err["message"], err
    assert holder(c, conv) == ("agent", h2)
    for bad in ("c_nosuchconversation", "x' OR '1'='1", ""):
        a3.send_json({"type": "take", "conversation": bad})
        err, _ = until(a3, "error")
        assert err["code"] in ("not_found", "bad_field"), err
    assert holder(c, conv) == ("agent", h2)
    assert int(c.sql("SELECT count(*) FROM sanad_store.conversations WHERE agent_id = %d"
                     % user_id(c, "h3"))[0][0]) == 0
    for ws in (v, a2, a3):
        ws.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sanad", default=os.path.join(ROOT, "build/release/sanad"))
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    sanad = os.path.abspath(a.sanad)
    tmp = tempfile.mkdtemp(prefix="sanad-cq-")
    pg = None
    passed = failed = 0
    try:
        pg = PgTemp().start()
        kb_db = os.path.join(tmp, "kb.db")
        subprocess.run([sanad, "kb", "init", "--db", kb_db], check=True, capture_output=True)
        for f in sorted(__import__("glob").glob(os.path.join(ROOT, "kb/demo/*.jsonl"))):
            subprocess.run([sanad, "kb", "import", "--db", kb_db, f], check=True,
                           capture_output=True)
        it.make_site(tmp)
        os.chdir(tmp)
        n = 0
        for name, fn, config in TESTS:
            if a.k not in name:
                continue
            n += 1
            c = None
            try:
                c = Cluster(sanad, tmp, kb_db, pg, name, config)
                fn(c)
                c.stop()
                print("ok %d - %s" % (n, name), flush=True)
                passed += 1
            except Exception:
                detail = traceback.format_exc() + (c.logs() if c else "")
                if c:
                    try:
                        c.stop()
                    except Exception:
                        pass
                print("not ok %d - %s\n# %s" % (n, name, detail.replace("\n", "\n# ")),
                      flush=True)
                failed += 1
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("cluster-queue: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
