"""Integration tests of outgoing email (bot/outbox.h, docs/email.md), exec'd by
tests/integration/run with its helpers: a real SMTP server on the loopback (Debian
python3-aiosmtpd, started and stopped by each test), `sanad serve` with smtp_url pointing at
it, mail queued with `sanad outbox add` while the server runs, and what arrives parsed with
Python's email package."""
import email
import email.header
import email.policy
import socket as _socket

try:
    from aiosmtpd.controller import Controller as _SmtpController
except ImportError:  # scripts/install-deps installs python3-aiosmtpd
    _SmtpController = None


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps what it accepts. refuse: a reply to every
    RCPT ("451 …" for a temporary refusal, "550 …" for a permanent one), or None."""

    def __init__(self, port=0):
        assert _SmtpController is not None, "python3-aiosmtpd is not installed"
        if not port:
            s = _socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
        self.port, self.msgs, self.refuse, self.rcpts = port, [], None, 0
        self.ctl = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.msgs.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def start(self):
        self.ctl = _SmtpController(self, hostname="127.0.0.1", port=self.port)
        self.ctl.start()
        return self

    def stop(self):
        if self.ctl:
            self.ctl.stop()
            self.ctl = None


def _smtp_server(srv, name, sink_port, **more):
    extra = {"smtp-url": "smtp://127.0.0.1:%d" % sink_port, "smtp-tls": "none",
             "smtp-from": "support@najma.example", "smtp-from-name": "دعم نجمة",
             "outbox-db": os.path.join(srv.tmp, name + "-outbox.db"), "outbox-poll": 1}
    extra.update(more)
    s = Server(srv.sanad, srv.tmp, srv.kb_db, name, extra)
    s.outbox = extra["outbox-db"]
    return s


def _outbox(srv, path, *args, stdin=None):
    """`sanad outbox ARGS --outbox-db path` (path: a file, or a server made by _smtp_server)."""
    path = path if isinstance(path, str) else path.outbox
    return subprocess.run([srv.sanad, "outbox"] + list(args) + ["--outbox-db", path],
                          input=stdin, capture_output=True, timeout=30)


def _rows(srv, path, status=None):
    args = ["list", "--json"] + (["--status", status] if status else [])
    p = _outbox(srv, path, *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _wait(cond, what, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


@test()
def outbox_sends_mail_over_smtp(srv):
    sink = SmtpSink().start()
    s = None
    try:
        s = _smtp_server(srv, "mail-ok", sink.port)
        subject = "نسخة من محادثتك — المرجع C-1042"
        text = "مرحبًا،\nهذه نسخة من محادثتك مع <فريق> الدعم.\n"
        html = "<p dir=\"rtl\">مرحبًا، هذه نسخة من محادثتك.</p>"
        p = _outbox(srv, s, "add", "--to", " Visitor@Example.COM ", "--subject", subject, "--text", text,
                    "--html", html, "--ref", "C-1042")
        assert p.returncode == 0, p.stderr
        _wait(lambda: sink.msgs, "the mail at the SMTP server")
        mail_from, rcpts, raw = sink.msgs[0]
        assert mail_from == "support@najma.example" and rcpts == ["Visitor@example.com"], (mail_from, rcpts)
        m = email.message_from_bytes(raw, policy=email.policy.default)
        assert str(m["Subject"]) == subject, m["Subject"]
        assert m["From"].addresses[0].display_name == "دعم نجمة", m["From"]
        assert m["From"].addresses[0].addr_spec == "support@najma.example"
        assert str(m["To"]) == "Visitor@example.com", m["To"]
        assert m["Message-ID"].startswith("<") and m["Message-ID"].endswith("@sanad>"), m["Message-ID"]
        assert m["Auto-Submitted"] == "auto-generated"
        parts = [x for x in m.walk() if not x.is_multipart()]
        kinds = [x.get_content_type() for x in parts]
        assert kinds == ["text/plain", "text/html"], kinds
        assert any(x.get_content_type() == "multipart/alternative" for x in m.walk())
        assert parts[0].get_content().replace("\r\n", "\n") == text, parts[0].get_content()
        assert parts[1].get_content().strip() == html
        assert all(x.get_content_charset() == "utf-8" for x in parts)
        rows = _rows(srv, s.outbox)
        assert len(rows) == 1 and rows[0]["status"] == "sent" and rows[0]["attempts"] == 1, rows
        assert rows[0]["ref"] == "C-1042" and rows[0]["to"] == "Visitor@example.com", rows
        time.sleep(1.5)  # the worker looks again: nothing is sent twice
        assert len(sink.msgs) == 1, len(sink.msgs)
        # the log names the mail by id only: no address, no subject (personal data)
        log = s.logtext()
        assert "event=sent id=%d" % rows[0]["id"] in log, log[-2000:]
        assert "Visitor@" not in log and "C-1042" not in log
    finally:
        if s:
            s.stop()
        sink.stop()


@test()
def outbox_survives_a_restart_and_sends_once(srv):
    sink = SmtpSink()  # its port reserved, nothing listening yet: connections are refused
    s = _smtp_server(srv, "mail-restart", sink.port, **{"smtp-retry-base": 1, "smtp-retry-cap": 1})
    try:
        p = _outbox(srv, s, "add", "--to", "a@example.com", "--subject", "once", "--text", "only once")
        assert p.returncode == 0, p.stderr
        row = _wait(lambda: [r for r in _rows(srv, s.outbox) if r["attempts"] >= 1], "a failed attempt")[0]
        assert row["status"] == "pending" and row["last_error"], row
        s.stop()
        s = None
        sink.start()
        time.sleep(0.5)
        assert sink.msgs == []  # nobody sends while the server is down
        s = _smtp_server(srv, "mail-restart2", sink.port, **{"outbox-db": os.path.join(srv.tmp, "mail-restart-outbox.db")})
        _wait(lambda: sink.msgs, "the mail after the restart")
        time.sleep(2.0)
        assert len(sink.msgs) == 1, len(sink.msgs)
        rows = _rows(srv, s.outbox)
        assert rows[0]["status"] == "sent" and rows[0]["attempts"] >= 2, rows
        m = email.message_from_bytes(sink.msgs[0][2], policy=email.policy.default)
        assert m["Message-ID"] == rows[0]["message_id"], (m["Message-ID"], rows[0])
    finally:
        if s:
            s.stop()
        sink.stop()


@test()
def outbox_refused_is_retried_then_failed(srv):
    sink = SmtpSink().start()
    s = None
    try:
        s = _smtp_server(srv, "mail-refused", sink.port,
                         **{"smtp-retry-base": 1, "smtp-retry-cap": 1, "smtp-max-attempts": 3})
        sink.refuse = "451 4.3.0 mailbox busy, try again later"
        assert _outbox(srv, s, "add", "--to", "busy@example.com", "--subject", "s", "--text", "t").returncode == 0
        row = _wait(lambda: _rows(srv, s.outbox, "failed"), "the mail marked failed", 20)[0]
        assert row["attempts"] == 3 and "451" in row["last_error"], row
        assert sink.rcpts == 3 and sink.msgs == [], (sink.rcpts, sink.msgs)
        # a permanent refusal is not tried again
        sink.refuse, sink.rcpts = "550 5.1.1 no such user", 0
        assert _outbox(srv, s, "add", "--to", "nobody@example.com", "--subject", "s", "--text", "t").returncode == 0
        row = _wait(lambda: [r for r in _rows(srv, s.outbox, "failed") if r["to"] == "nobody@example.com"],
                    "the 550 marked failed")[0]
        assert row["attempts"] == 1 and "550" in row["last_error"], row
        time.sleep(1.5)
        assert sink.rcpts == 1, sink.rcpts
        # retry puts a failed mail back; accepted now, it is sent
        sink.refuse = None
        p = _outbox(srv, s, "retry", str(row["id"]))
        assert p.returncode == 0, p.stderr
        _wait(lambda: sink.msgs, "the retried mail")
        assert [r["status"] for r in _rows(srv, s.outbox) if r["id"] == row["id"]] == ["sent"]
        assert _outbox(srv, s, "retry", str(row["id"])).returncode == 1  # sent: nothing to retry
        assert _outbox(srv, s, "retry", "999999").returncode == 1
    finally:
        if s:
            s.stop()
        sink.stop()


@test()
def outbox_cli_refuses_hostile_input(srv):
    path = os.path.join(srv.tmp, "hostile-outbox.db")
    cases = [
        ["add", "--to", "a@example.com\r\nBcc: all@example.com", "--subject", "s", "--text", "t"],
        ["add", "--to", "-oQ/tmp/x@example.com", "--subject", "s", "--text", "t"],
        ["add", "--to", "no-at-sign", "--subject", "s", "--text", "t"],
        ["add", "--to", "a@example.com", "--subject", "hi\r\nBcc: all@example.com", "--text", "t"],
        ["add", "--to", "a@example.com", "--subject", "", "--text", "t"],
        ["add", "--to", "a@example.com", "--subject", "s" * 201, "--text", "t"],
        ["add", "--to", "a@example.com", "--subject", "s", "--text", "bell\x07"],
        ["add", "--to", "a@example.com", "--subject", "s", "--text", "t", "--ref", "../../x"],
        ["add", "--to", "a@example.com", "--subject", "s", "--text", "t", "--bogus"],
        ["add", "--subject", "s", "--text", "t"],
        ["list", "--status", "lost"],
        ["list", "--limit", "0"],
        ["retry", "abc"],
        ["retry"],
        ["send"],
    ]
    for args in cases:
        p = _outbox(srv, path, *args)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.strip(), args
    big = _outbox(srv, path, "add", "--to", "a@example.com", "--subject", "s", stdin=b"x" * (256 * 1024 + 1))
    assert big.returncode == 2, big.stderr
    assert _rows(srv, path) == []  # nothing was queued
    ok = _outbox(srv, path, "add", "--to", "a@example.com", "--subject", "s", stdin="من stdin\n".encode())
    assert ok.returncode == 0, ok.stderr
    assert [r["status"] for r in _rows(srv, path)] == ["pending"]


@test()
def outbox_config_is_checked(srv):
    base = ["--db", srv.kb_db, "--store-db", os.path.join(srv.tmp, "cfg-store.db"), "--check-config"]
    bad = [
        ["--smtp-url", "http://127.0.0.1:25", "--smtp-from", "a@example.com"],
        ["--smtp-url", "smtp://127.0.0.1:25"],
        ["--smtp-url", "smtp://127.0.0.1:25", "--smtp-from", "not-an-address"],
        ["--smtp-url", "smtp://mail.example.com:25", "--smtp-from", "a@example.com", "--smtp-tls", "none"],
        ["--smtp-url", "smtp://127.0.0.1:25", "--smtp-from", "a@example.com", "--smtp-tls", "maybe"],
        ["--smtp-url", "smtp://127.0.0.1:25", "--smtp-from", "a@example.com",
         "--smtp-password-file", "/dev/null"],
    ]
    for args in bad:
        p = subprocess.run([srv.sanad, "serve"] + base + args, capture_output=True, timeout=30)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert b"smtp" in p.stderr, (args, p.stderr)
    p = subprocess.run([srv.sanad, "serve"] + base + ["--smtp-url", "smtp://mail.example.com:587",
                                                      "--smtp-from", "a@example.com"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr


@test()
def transcript_by_email_to_the_consented_address(srv):
    """The visitor's transcript_email (issue 14): to the pre-chat form's address given with
    consent, never the internal notes, markup as text in the HTML, at most 3 an hour."""
    sink = SmtpSink().start()
    s = None
    try:
        s = _smtp_server(srv, "mail-transcript", sink.port, prechat="name email")
        add_user(s, "tm1", name="سارة")
        ag, *_ = agent_ws(s, "tm1")
        ws = s.ws()
        w, _ = hello(ws, lang="ar")
        assert w.get("transcript_email") is True, w
        ws.send_json({"type": "transcript_email"})
        e = ws.expect("error", code="not_found")  # no address yet
        assert "email" in e["message"], e
        ws.send_json({"type": "profile", "name": "ليلى", "email": "Layla@Example.COM", "consent": True})
        ws.expect("profile_ok")
        ask(ws, "كيف أدفع فاتورة خطي؟", "q1")
        ws.send_json({"type": "handoff"})
        until(ws, "agent_joined")
        f, _ = until(ag, "assigned")
        conv = f["conversation"]
        ag.send_json({"type": "reply", "conversation": conv, "text": "أهلًا <b>ليلى</b>", "client_id": "r1"})
        ag.send_json({"type": "note", "conversation": conv, "text": "سري: لا يراه الزائر", "client_id": "n1"})
        until(ag, "ack", client_id="n1")
        ag.send_json({"type": "close", "conversation": conv, "resolution": "answered"})
        until(ws, "closed")
        ws.send_json({"type": "transcript_email"})
        until(ws, "transcript_emailed")
        _wait(lambda: sink.msgs, "the transcript at the SMTP server")
        _, rcpts, raw = sink.msgs[0]
        assert rcpts == ["Layla@example.com"], rcpts
        m = email.message_from_bytes(raw, policy=email.policy.default)
        assert str(m["Subject"]) == "نص محادثتك مع سند", m["Subject"]
        text, html = [x.get_content() for x in m.walk() if not x.is_multipart()]
        assert "كيف أدفع فاتورة خطي؟" in text and "أهلًا <b>ليلى</b>" in text, text
        assert "سري" not in text and "سري" not in html  # internal notes never
        assert "&lt;b&gt;ليلى&lt;/b&gt;" in html and "<b>ليلى</b>" not in html, html
        assert 'dir="rtl"' in html
        rows = _rows(srv, s)
        assert rows[0]["ref"] == w["conversation"], rows
        # three an hour per conversation, counted in the outbox
        for _ in range(2):
            ws.send_json({"type": "transcript_email"})
            until(ws, "transcript_emailed")
        ws.send_json({"type": "transcript_email"})
        ws.expect("error", code="rate_limited")
        assert len(_rows(srv, s)) == 3
        # the frame names no address: extra fields change nothing
        ws2 = s.ws()
        hello(ws2, lang="en")
        ws2.send_json({"type": "transcript_email", "email": "stranger@example.com"})
        ws2.expect("error", code="not_found")
        ws2.close()
        ws.close()
        ag.close()
        assert len(_rows(srv, s)) == 3
    finally:
        if s:
            s.stop()
        sink.stop()


@test()
def transcript_by_email_needs_email_set_up(srv):
    ws = srv.ws()  # the shared server: no smtp_url
    w, _ = hello(ws, lang="en")
    assert "transcript_email" not in w, w
    ws.send_json({"type": "transcript_email"})
    e = ws.expect("error", code="not_found")
    assert "no email" in e["message"], e
    ws.close()
