"""A real PostgreSQL server for tests: initdb in a temporary directory, one loopback port
chosen free at run time, stopped (and its directory removed) by stop(). Debian's server
binaries (/usr/lib/postgresql/<v>/bin); as root the server runs as the `postgres` user, which
refuses nothing but runs nothing as root.

    pg = PgTemp().start()
    dsn = pg.create_db("t1")     # 'host=127.0.0.1 port=N dbname=t1 user=sanad'
    pg.restart()                 # a PostgreSQL restart under load
    pg.stop()
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql: "
                           "scripts/install-deps)")
    return os.path.dirname(found[-1])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgTemp:
    def __init__(self, user="sanad"):
        self.bin = bindir()
        self.user = user
        self.dir = None
        self.proc = None
        self.port = None
        # as root, the server's processes are started as postgres (user= of Popen, so the
        # process we signal is the postmaster itself, not a wrapper)
        self.as_user = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}

    def _own(self, path):
        if self.as_user:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sanad-pg-")
        os.chmod(self.dir, 0o755)
        self._own(self.dir)
        self.data = os.path.join(self.dir, "data")
        subprocess.run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", self.user,
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True, timeout=120, cwd=self.dir,
                       **self.as_user)
        self.port = free_port()
        self._launch()
        return self

    def _launch(self):
        log = os.path.join(self.dir, "server.log")
        # fsync off: a test's database need not survive the machine's crash, and the shared
        # disk is slow; every other setting is PostgreSQL's own default.
        args = [os.path.join(self.bin, "postgres"), "-D", self.data,
                             "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                             "-c", "unix_socket_directories=" + self.dir,
                             "-c", "fsync=off", "-c", "max_connections=300",
                             "-c", "synchronous_commit=on"]
        self.logf = open(log, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=self.logf, cwd=self.dir,
                                     **self.as_user)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres did not start:\n" + self.logtext())
            r = subprocess.run([os.path.join(self.bin, "pg_isready"), "-h", "127.0.0.1", "-p",
                                str(self.port)], capture_output=True)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready:\n" + self.logtext())

    def logtext(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def dsn(self, db="postgres"):
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, db, self.user)

    def psql(self, sql, db="postgres"):
        """Runs sql with psql; returns its output (tuples only, unaligned, | between fields)."""
        r = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-d", self.dsn(db), "-c", sql],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql: %s" % r.stderr.decode("utf-8", "replace"))
        return r.stdout.decode()

    def create_db(self, name):
        self.psql('CREATE DATABASE "%s"' % name)
        return self.dsn(name)

    def kill(self):
        """SIGKILL to the postmaster (a crash); start() again with restart()."""
        self.proc.kill()
        self.proc.wait(30)

    def stop(self, remove=True):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: smart shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self.proc = None
        if remove and self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def restart(self, fast=True):
        """Stops the server (fast: SIGINT, every session cut) and starts it on the same port."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(2 if fast else 15)
            self.proc.wait(60)
        self._launch()


if __name__ == "__main__":
    pg = PgTemp().start()
    try:
        print(pg.create_db("smoke"))
        print(pg.psql("SELECT version()", "smoke").strip())
        pg.restart()
        print(pg.psql("SELECT 1", "smoke").strip())
    finally:
        pg.stop()
