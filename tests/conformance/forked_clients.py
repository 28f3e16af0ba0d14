"""Runs the real client commands (`openstack` of python3-openstackclient, `magnum` of
python3-magnumclient) as forks of the test process that has imported and warmed them once.

A command started from /usr/bin spends ~1.5 s of CPU importing the clients and their
plugins before it sends a request; the suite runs ~2,000 commands. A forked child runs the
same `main()` the console script runs, with the command's own argv, environment, working
directory, stdin (/dev/null), stdout and stderr (files), and exits with its exit code, in
~0.1 s. Nothing of one command reaches the next: each is a new process, forked from a
parent that ran only `--help`/`help` (no client object, no request, no cached session), and
whose logging set-up is put back as it was after that warm-up.

MAGNUM_CONFORMANCE_SUBPROCESS=1 runs every command as a real subprocess instead (the
result must be the same; use it to rule the fork out when something looks odd)."""
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback

_SUBPROCESS = os.environ.get("MAGNUM_CONFORMANCE_SUBPROCESS") == "1"
_mains = {}  # program basename -> callable(argv) -> exit status


def _logging_state():
    loggers = {n: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
               for n, lg in logging.Logger.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    return logging.root.level, list(logging.root.handlers), loggers


def _restore_logging(state):
    level, handlers, loggers = state
    logging.root.setLevel(level)
    logging.root.handlers[:] = handlers
    for n, lg in logging.Logger.manager.loggerDict.items():
        if not isinstance(lg, logging.Logger):
            continue
        if n in loggers:
            lg.level, lg.handlers[:], lg.propagate, lg.disabled = \
                loggers[n][0], loggers[n][1], loggers[n][2], loggers[n][3]
        else:  # created by the warm-up: as a fresh process would have it
            lg.setLevel(logging.NOTSET)
            lg.handlers[:] = []
            lg.propagate, lg.disabled = True, False


def _warm(fn, argv):
    """Runs `fn(argv)` with output discarded (imports, entry-point scans, parsers)."""
    state = _logging_state()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    saved_argv = sys.argv
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            fn(argv)
        except SystemExit:
            pass
        except Exception:  # a warm-up that fails costs time only; the command reports
            pass
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (null,) + saved:
            os.close(fd)
        sys.argv = saved_argv
        _restore_logging(state)


def _main_of(program):
    name = os.path.basename(program)
    if name in _mains:
        return _mains[name]
    fn = None
    if name == "openstack":
        from openstackclient import shell as osc_shell
        from osc_lib import clientmanager

        def fn(argv):
            return osc_shell.main(argv)
        _warm(fn, ["--os-auth-type", "none", "--os-endpoint", "http://127.0.0.1:9/v1",
                   "coe", "cluster", "list", "--help"])
        # The plugins' client handles are cached on the ClientManager class: none may
        # survive into a command (the warm-up makes none; make sure).
        from openstackclient.common.clientmanager import ClientManager
        for cls in ClientManager.__mro__:
            for attr in vars(cls).values():
                if isinstance(attr, clientmanager.ClientCache):
                    attr._handle = None
    elif name == "magnum":
        from magnumclient import shell as magnum_shell

        def fn(argv):
            sys.argv = [program] + list(argv)
            return magnum_shell.main()
        _warm(fn, ["--os-token", "x", "--os-endpoint-override", "http://127.0.0.1:9/v1",
                   "help", "cluster-list"])
    _mains[name] = fn
    return fn


def _child(fn, args, env, cwd, out_fd, err_fd):
    """In the forked child: become the command, run it, exit with its status."""
    code = 1
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.environ.clear()
        os.environ.update(env)
        if cwd:
            os.chdir(cwd)
        if env.get("PYTHONWARNINGS") == "ignore":
            import warnings
            warnings.simplefilter("ignore")
        try:
            status = fn(args)
        except SystemExit as e:
            status = e.code
        if status is None:
            code = 0
        elif isinstance(status, int):
            code = status & 0xFF
        else:  # sys.exit("message"): printed, exit status 1, as the interpreter does
            print(status, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run(argv, env, cwd=None, timeout=120):
    """Runs `argv` (argv[0]: the client's path) like subprocess.run(capture_output=True,
    text=True) and returns a CompletedProcess; raises subprocess.TimeoutExpired after
    `timeout` seconds (the child killed)."""
    fn = None if _SUBPROCESS else _main_of(argv[0])
    if fn is None:
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                              cwd=cwd, stdin=subprocess.DEVNULL)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(fn, argv[1:], env, cwd, out.fileno(), err.fileno())
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired(argv, timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            argv, os.waitstatus_to_exitcode(status),
            out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))

