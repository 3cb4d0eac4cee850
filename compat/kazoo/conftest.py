"""pytest plugin: run kazoo's own test suite against an already-running server.

Kazoo's harness (kazoo/testing/harness.py) normally launches its own
three-server Java ZooKeeper cluster. This plugin replaces the harness's
cluster with a stand-in that describes one running server, taken from the
KAZOO_TEST_SERVER environment variable (HOST:PORT). Everything else in the
harness stays as shipped: each test still gets a unique chroot
("/kazootests<uuid>"), and expire_session / lose_connection still work
(kazoo simulates them on the client side, then reconnects).

The stand-in servers refuse to be stopped, started or reset, so a test that
needs to control the cluster fails loudly instead of silently testing
nothing; such tests are listed with a reason in deselected.txt (next to this
file) and deselected here. Each test's chroot is deleted after the test.

Load it with `-p conftest` and this directory on PYTHONPATH; see
compat/kazoo-tests.sh.
"""
import logging
import os
import weakref

import pytest

from kazoo.client import KazooClient
from kazoo.testing import harness

HERE = os.path.dirname(os.path.abspath(__file__))
DESELECTED_FILE = os.path.join(HERE, "deselected.txt")

log = logging.getLogger("compat.kazoo")


class ClusterControlNotAvailable(RuntimeError):
    pass


class ExternalServer(object):
    """One already-running server, shaped like kazoo's ManagedZooKeeper."""

    def __init__(self, address):
        self.address = address
        self.host, port = address.rsplit(":", 1)
        self.client_port = int(port)
        self.running = True

    def _refuse(self, what):
        raise ClusterControlNotAvailable(
            "compat: cannot %s the external server %s; this test needs "
            "cluster control and belongs in compat/kazoo/deselected.txt"
            % (what, self.address))

    def run(self):
        self._refuse("start")

    def stop(self):
        self._refuse("stop")

    def reset(self):
        self._refuse("reset")

    def destroy(self):
        pass


class ExternalCluster(object):
    """A one-server 'cluster' made of ExternalServer, like ZookeeperCluster."""

    def __init__(self, addresses):
        self._servers = [ExternalServer(a) for a in addresses]

    def __getitem__(self, k):
        return self._servers[k]

    def __iter__(self):
        return iter(self._servers)

    def __len__(self):
        return len(self._servers)

    def start(self):
        pass

    def stop(self):
        self._servers[0]._refuse("stop")

    def terminate(self):
        pass

    def reset(self):
        self._servers[0]._refuse("reset")


_CLUSTER = None


def _external_cluster():
    global _CLUSTER
    if _CLUSTER is None:
        server = os.environ.get("KAZOO_TEST_SERVER")
        if not server:
            raise pytest.UsageError(
                "compat/kazoo/conftest.py: set KAZOO_TEST_SERVER=HOST:PORT")
        addresses = server.split(",")
        for a in addresses:
            host, _, port = a.rpartition(":")
            if not host or not port.isdigit():
                raise pytest.UsageError(
                    "KAZOO_TEST_SERVER=%r: expected HOST:PORT" % server)
        _CLUSTER = ExternalCluster(addresses)
    return _CLUSTER


def _teardown_and_clean(self, _orig=harness.KazooTestHarness.teardown_zookeeper):
    """The harness's teardown, then delete the test's chroot on the server."""
    hosts = getattr(self, "hosts", None)
    try:
        _orig(self)
    finally:
        if hosts and "/kazootests" in hosts:
            chroot = hosts[hosts.index("/kazootests"):]
            c = KazooClient(self.servers, timeout=10)
            try:
                c.start(timeout=10)
                c.delete(chroot, recursive=True)
            except Exception as e:  # NoAuth leftovers and the like
                log.info("compat: could not delete %s: %r", chroot, e)
            finally:
                try:
                    c.stop()
                finally:
                    c.close()


# Every KazooClient started during a test. Several kazoo tests start clients
# of their own and never stop them; against one long-running server those
# sessions pile up until maxClientCnxns (60 per IP by default) refuses new
# connections and every later test fails. Kazoo's own harness dodges this
# with maxClientCnxns=0 and a fresh cluster; we stop the leftovers instead.
_started = weakref.WeakSet()
_orig_start = KazooClient.start


def _tracking_start(self, *args, **kwargs):
    _started.add(self)
    return _orig_start(self, *args, **kwargs)


def _stop_leftover_clients():
    leftovers = [c for c in list(_started) if not c._stopped.is_set()]
    for c in leftovers:
        try:
            c.stop()
            c.close()
        except Exception as e:
            log.info("compat: stopping a leftover client failed: %r", e)
    _started.clear()
    return len(leftovers)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    n = _stop_leftover_clients()
    if n:
        log.info("compat: stopped %d client(s) %s left running", n, item.nodeid)


def pytest_configure(config):
    KazooClient.start = _tracking_start
    # Point the harness at the running server instead of a Java cluster.
    harness.get_global_cluster = _external_cluster
    harness.KazooTestHarness.cluster = property(lambda self: _external_cluster())
    harness.KazooTestHarness.teardown_zookeeper = _teardown_and_clean
    _external_cluster()  # fail early on a missing KAZOO_TEST_SERVER


def _read_deselected():
    reasons = {}
    with open(DESELECTED_FILE) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            nodeid, sep, reason = line.partition("#")
            nodeid = nodeid.strip()
            if not sep or not reason.strip():
                raise pytest.UsageError(
                    "%s:%d: every entry needs '  # reason'"
                    % (DESELECTED_FILE, lineno))
            reasons[nodeid] = reason.strip()
    return reasons


def _matches(nodeid, pattern):
    # An entry names a test, a class ("file::Class") or a file.
    return nodeid == pattern or nodeid.startswith(pattern + "::")


def pytest_collection_modifyitems(session, config, items):
    reasons = _read_deselected()
    used = set()
    keep, drop = [], []
    for item in items:
        hit = [p for p in reasons if _matches(item.nodeid, p)]
        if hit:
            used.update(hit)
            drop.append(item)
        else:
            keep.append(item)
    config._compat_unused_deselections = sorted(set(reasons) - used)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    n = len(tr.stats.get("deselected", []))
    tr.write_line("compat: ran against %s; %d deselected by %s"
                  % (os.environ.get("KAZOO_TEST_SERVER"), n, DESELECTED_FILE))
    unused = getattr(config, "_compat_unused_deselections", [])
    if unused:
        # Expected when only part of the suite is collected; on a full run it
        # means the installed kazoo changed and deselected.txt is stale.
        tr.write_line("compat: deselected.txt entries that matched no collected test:")
        for u in unused:
            tr.write_line("  " + u)
