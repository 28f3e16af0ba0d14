"""The database a test server runs on, and SQL on it from the tests (stdlib + PyMySQL).

Two modes, chosen by the environment (ctest sets it):
  * SQLite (the default): each state directory has its file `magnum.sqlite`.
  * MariaDB: MAGNUM_TEST_DATABASE=mariadb and MAGNUM_TEST_MYSQL_URL (the ctest fixture
    `mariadb`, scripts/mariadb/start.sh) naming a server where the test user may create
    databases. Each state directory gets a fresh database of its own there (a unique
    name), dropped when the directory's owner releases it, or else when the test process
    exits.

`database_for(dir)` is the database of a state directory in the current mode; its `url`
goes into `[database] connection`, and `query`/`execute` run SQL on it. Statements are
written once for both engines: double-quoted identifiers (MariaDB sessions here use
ANSI_QUOTES, as the service's own do) and `?` placeholders."""
import atexit
import os
import sqlite3
import threading
import urllib.parse
import uuid

MODE = os.environ.get("MAGNUM_TEST_DATABASE", "sqlite")
SERVER_URL = os.environ.get("MAGNUM_TEST_MYSQL_URL", "")
if MODE not in ("sqlite", "mariadb"):
    raise RuntimeError("MAGNUM_TEST_DATABASE=%r: sqlite or mariadb" % MODE)
if MODE == "mariadb" and not SERVER_URL:
    raise RuntimeError("MAGNUM_TEST_DATABASE=mariadb needs MAGNUM_TEST_MYSQL_URL (a server "
                       "where the user may create databases)")

SQLITE_FILE = "magnum.sqlite"


def mariadb_mode():
    return MODE == "mariadb"


class SqliteDatabase:
    """A SQLite file; the service creates it on first start."""
    engine = "sqlite"

    def __init__(self, path):
        self.path = path
        self.url = "sqlite:///" + path

    def _connect(self):
        return sqlite3.connect(self.path, timeout=30)

    def query(self, sql, params=()):
        con = self._connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def execute(self, sql, params=()):
        """Runs one statement and commits; returns the number of rows it changed."""
        con = self._connect()
        try:
            n = con.execute(sql, params).rowcount
            con.commit()
            return n
        finally:
            con.close()

    def tables(self):
        return [r[0] for r in self.query(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]

    def integrity_check(self):
        """["ok"] when the file is sound; SQLite's complaints otherwise."""
        return [r[0] for r in self.query("PRAGMA integrity_check")]

    def drop(self):
        pass  # the file goes with its directory


class MariadbServer:
    """A MariaDB server named by a SQLAlchemy URL (its path names a default database)."""

    def __init__(self, url):
        self.url = url
        self.parts = urllib.parse.urlsplit(url)

    def connect(self, database=None):
        import pymysql  # Debian's python3-pymysql; only MariaDB mode needs it
        p = self.parts
        con = pymysql.connect(
            host=p.hostname, port=p.port or 3306,
            user=urllib.parse.unquote(p.username or ""),
            password=urllib.parse.unquote(p.password or ""),
            database=database, charset="utf8mb4", autocommit=True, connect_timeout=30)
        with con.cursor() as cur:
            cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'), "
                        "time_zone = '+00:00'")
        return con

    def sql(self, statement, params=None, database=None):
        """Runs one statement (server level unless `database`); returns its rows."""
        con = self.connect(database)
        try:
            with con.cursor() as cur:
                cur.execute(statement, params)
                return list(cur.fetchall())
        finally:
            con.close()

    def database_url(self, name):
        """The server's URL (credentials, options) with the database `name`."""
        return urllib.parse.urlunsplit(self.parts._replace(path="/" + name))

    def new_database(self, prefix="magnum_it_"):
        """A new empty database (utf8mb4, as operators create Magnum's)."""
        name = prefix + uuid.uuid4().hex[:12]
        self.sql("CREATE DATABASE %s CHARACTER SET utf8mb4" % name)
        return MariadbDatabase(self, name)


class MariadbDatabase:
    engine = "mariadb"

    def __init__(self, server, name):
        self.server = server
        self.name = name
        self.url = server.database_url(name)

    @staticmethod
    def _paramstyle(sql, params):
        # PyMySQL formats with %s (and so needs a literal % doubled) when given parameters.
        if not params:
            return sql, None
        return sql.replace("%", "%%").replace("?", "%s"), tuple(params)

    def query(self, sql, params=()):
        sql, params = self._paramstyle(sql, params)
        return [tuple(r) for r in self.server.sql(sql, params, database=self.name)]

    def execute(self, sql, params=()):
        sql, params = self._paramstyle(sql, params)
        con = self.server.connect(self.name)
        try:
            with con.cursor() as cur:
                return cur.execute(sql, params)
        finally:
            con.close()

    def tables(self):
        return [r[0] for r in self.query(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
            (self.name,))]

    def integrity_check(self):
        """["ok"] when CHECK TABLE finds every table sound; its complaints otherwise."""
        names = self.tables()
        if not names:
            return ["ok"]
        rows = self.query("CHECK TABLE " + ", ".join('"%s"' % n for n in names))
        bad = ["%s: %s %s" % (r[0], r[2], r[3]) for r in rows
               if r[2] in ("error", "warning") or (r[2] == "status" and r[3] != "OK")]
        return bad or ["ok"]

    def drop(self):
        self.server.sql("DROP DATABASE IF EXISTS %s" % self.name)


_lock = threading.Lock()
_by_dir = {}  # realpath of a state directory -> its MariaDB database (MariaDB mode)


def database_for(directory):
    """The database of the state directory `directory` in the current mode: the same object
    for every server started on it (a restart, or an API and a conductor sharing it)."""
    if not mariadb_mode():
        return SqliteDatabase(os.path.join(directory, SQLITE_FILE))
    key = os.path.realpath(directory)
    with _lock:
        db = _by_dir.get(key)
        if db is None:
            db = _by_dir[key] = MariadbServer(SERVER_URL).new_database()
        return db


def release_database(directory):
    """Drops the MariaDB database of `directory` (if it has one); nothing for SQLite."""
    with _lock:
        db = _by_dir.pop(os.path.realpath(directory), None)
    if db is not None:
        db.drop()


def database_from_url(url):
    """A test's own `[database] connection` (a sqlite:/// path or a MariaDB URL)."""
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url[len("sqlite:///"):])
    parts = urllib.parse.urlsplit(url)
    return MariadbDatabase(MariadbServer(url), parts.path.lstrip("/"))


@atexit.register
def _drop_leftovers():
    with _lock:
        left = list(_by_dir.values())
        _by_dir.clear()
    for db in left:
        try:
            db.drop()
        except Exception as e:  # the server may be gone; never hide the tests' own result
            print("database_support: could not drop %s: %s" % (db.name, e))
