#!/usr/bin/python3
"""kazoo-recipes.py HOST:PORT -- kazoo's recipes against a running server.

Checks, with several real sessions talking to HOST:PORT at once:
  lock      Lock contention among clients x threads; mutual exclusion checked
            with an in-process "holders" count and a znode counter updated by
            unguarded read-modify-write inside the lock (lost updates = broken
            lock)
  election  Election among clients: one leader at a time, everybody leads once
  queue     Queue (FIFO order, priorities) and LockingQueue (order, every item
            consumed exactly once by competing consumers)
  barrier   Barrier (waiters released by remove) and DoubleBarrier (nobody
            passes enter() before all arrived, nor leave() before all left)
  counter   Counter under contention (versioned set retries)
  ephemeral an ephemeral node vanishes when its session closes, seen by
            another session's watch
  datawatch a DataWatch fires with the new data on another client's set

Run with Debian's python (/usr/bin/python3, package python3-kazoo).
Exits 0 if every check passed, 1 otherwise. Usage: kazoo-recipes.py HOST:PORT
[CHECK ...].
"""
import sys
import threading
import time
import traceback
import uuid

from kazoo.client import KazooClient
from kazoo.protocol.states import EventType
from kazoo.exceptions import NoNodeError

WAIT = 20  # seconds any single wait may take before it counts as a failure

HOSTS = None
BASE = "/compat-recipes-" + uuid.uuid4().hex[:10]
_clients = []


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def client():
    c = KazooClient(hosts=HOSTS, timeout=10)
    c.start(timeout=15)
    _clients.append(c)
    return c


def close(c):
    try:
        c.stop()
    finally:
        c.close()
    if c in _clients:
        _clients.remove(c)


def run_threads(targets, timeout=60):
    """Start one thread per callable; re-raise the first exception."""
    errors = []

    def wrap(fn):
        def inner():
            try:
                fn()
            except BaseException as e:  # noqa
                errors.append((e, traceback.format_exc()))
        return inner

    ts = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for t in ts:
        t.start()
    deadline = time.time() + timeout
    for t in ts:
        t.join(max(0.1, deadline - time.time()))
    alive = [t for t in ts if t.is_alive()]
    if errors:
        e, tb = errors[0]
        sys.stderr.write(tb)
        raise e
    check(not alive, "%d threads still running after %ss" % (len(alive), timeout))


# ---------------------------------------------------------------------------
def check_lock():
    path = BASE + "/lock"
    counter = BASE + "/lock-counter"
    n_clients, threads_per_client, rounds = 4, 2, 6
    clients = [client() for _ in range(n_clients)]
    clients[0].create(counter, b"0", makepath=True)
    state = {"holders": 0, "max": 0, "entries": 0}
    guard = threading.Lock()

    def worker(c, ident):
        def run():
            lock = c.Lock(path, ident)
            for _ in range(rounds):
                check(lock.acquire(timeout=WAIT), "%s: lock not acquired in %ss" % (ident, WAIT))
                try:
                    with guard:
                        state["holders"] += 1
                        state["entries"] += 1
                        state["max"] = max(state["max"], state["holders"])
                    data, stat = c.get(counter)
                    time.sleep(0.005)  # widen the race window
                    c.set(counter, str(int(data) + 1).encode())  # no version: the lock must protect it
                    with guard:
                        state["holders"] -= 1
                finally:
                    lock.release()
        return run

    targets = [worker(c, "c%d-t%d" % (i, j))
               for i, c in enumerate(clients) for j in range(threads_per_client)]
    run_threads(targets, timeout=120)
    total = n_clients * threads_per_client * rounds
    value = int(clients[0].get(counter)[0])
    check(state["max"] == 1, "lock held by %d holders at once" % state["max"])
    check(state["entries"] == total, "expected %d critical sections, saw %d" % (total, state["entries"]))
    check(value == total, "counter is %d after %d locked increments (lost updates)" % (value, total))
    check(clients[0].get_children(path) == [], "lock nodes left behind: %r" % clients[0].get_children(path))
    # contenders() while one holds the lock and another waits
    c0, c1 = clients[0], clients[1]
    l0, l1 = c0.Lock(path, "holder"), c1.Lock(path, "waiter")
    check(l0.acquire(timeout=WAIT), "holder could not acquire")
    got = threading.Event()
    t = threading.Thread(target=lambda: (l1.acquire(timeout=WAIT) and got.set()), daemon=True)
    t.start()
    deadline = time.time() + WAIT
    while len(l0.contenders()) < 2 and time.time() < deadline:
        time.sleep(0.05)
    check(l0.contenders() == ["holder", "waiter"], "contenders: %r" % l0.contenders())
    check(not got.is_set(), "waiter got the lock while holder had it")
    l0.release()
    check(got.wait(WAIT), "waiter never got the lock after release")
    l1.release()
    t.join(WAIT)
    # A lock held by a session that closes is freed.
    c2 = client()
    l2 = c2.Lock(path, "dies")
    check(l2.acquire(timeout=WAIT), "could not acquire before close")
    close(c2)
    l3 = c0.Lock(path, "after")
    check(l3.acquire(timeout=WAIT), "lock of a closed session was not freed")
    l3.release()
    for c in clients:
        close(c)
    return "%d locked increments by %d clients x %d threads, max 1 holder" % (
        total, n_clients, threads_per_client)


def check_election():
    path = BASE + "/election"
    n = 4
    clients = [client() for _ in range(n)]
    state = {"leaders": 0, "max": 0, "led": []}
    guard = threading.Lock()

    def contender(c, ident):
        def lead():
            with guard:
                state["leaders"] += 1
                state["max"] = max(state["max"], state["leaders"])
                state["led"].append(ident)
            time.sleep(0.2)
            with guard:
                state["leaders"] -= 1

        def run():
            c.Election(path, ident).run(lead)
        return run

    run_threads([contender(c, "node%d" % i) for i, c in enumerate(clients)], timeout=60)
    check(state["max"] == 1, "%d leaders at once" % state["max"])
    check(sorted(state["led"]) == ["node%d" % i for i in range(n)],
          "leaders were %r" % state["led"])
    # contenders() lists everybody waiting, leader first.
    hold = threading.Event()
    elected = threading.Event()
    e0 = clients[0].Election(path, "first")
    t0 = threading.Thread(target=lambda: e0.run(lambda: (elected.set(), hold.wait(WAIT))), daemon=True)
    t0.start()
    check(elected.wait(WAIT), "lone contender not elected")
    e1 = clients[1].Election(path, "second")
    t1 = threading.Thread(target=lambda: e1.run(lambda: None), daemon=True)
    t1.start()
    deadline = time.time() + WAIT
    while len(e0.contenders()) < 2 and time.time() < deadline:
        time.sleep(0.05)
    check(e0.contenders() == ["first", "second"], "contenders: %r" % e0.contenders())
    hold.set()
    t0.join(WAIT)
    t1.join(WAIT)
    check(not t1.is_alive(), "second contender never elected")
    for c in clients:
        close(c)
    return "%d contenders, each led once, never two leaders" % n


def check_queue():
    c1, c2 = client(), client()
    # Queue: FIFO across clients.
    q_put = c1.Queue(BASE + "/queue")
    q_get = c2.Queue(BASE + "/queue")
    items = [("item-%02d" % i).encode() for i in range(20)]
    for it in items:
        q_put.put(it)
    check(len(q_get) == 20, "queue length %d" % len(q_get))
    got = [q_get.get() for _ in items]
    check(got == items, "queue order: %r" % got)
    check(q_get.get() is None, "empty queue returned an item")
    # priorities: lower number first, FIFO within a priority
    q_put.put(b"p100-a", priority=100)
    q_put.put(b"p5", priority=5)
    q_put.put(b"p100-b", priority=100)
    q_put.put(b"p1-a", priority=1)
    q_put.put(b"p1-b", priority=1)
    got = [q_get.get() for _ in range(5)]
    check(got == [b"p1-a", b"p1-b", b"p5", b"p100-a", b"p100-b"], "priority order: %r" % got)

    # LockingQueue: order, and exactly-once consumption by competing consumers.
    lq_put = c1.LockingQueue(BASE + "/lqueue")
    for it in items[:5]:
        lq_put.put(it)
    lq = c2.LockingQueue(BASE + "/lqueue")
    got = []
    for _ in range(5):
        got.append(lq.get(timeout=WAIT))
        check(lq.consume(), "consume failed")
    check(got == items[:5], "locking queue order: %r" % got)
    check(lq.get(timeout=0.5) is None, "empty locking queue returned an item")

    n_items = 30
    lq_put.put_all([("job-%02d" % i).encode() for i in range(n_items)])
    consumed = []
    guard = threading.Lock()
    consumers = [client() for _ in range(3)]

    def consumer(c):
        def run():
            q = c.LockingQueue(BASE + "/lqueue")
            while True:
                item = q.get(timeout=2)
                if item is None:
                    return
                with guard:
                    consumed.append(item)
                check(q.consume(), "consume failed")
        return run

    run_threads([consumer(c) for c in consumers], timeout=90)
    check(sorted(consumed) == [("job-%02d" % i).encode() for i in range(n_items)],
          "items consumed: %r" % sorted(consumed))
    check(len(lq_put) == 0, "locking queue not empty: %d" % len(lq_put))
    # An item taken (get) by a session that closes without consume() comes back.
    lq_put.put(b"orphan")
    c3 = client()
    check(c3.LockingQueue(BASE + "/lqueue").get(timeout=WAIT) == b"orphan", "orphan not got")
    close(c3)
    back = lq.get(timeout=WAIT)
    check(back == b"orphan", "item held by a closed session did not come back: %r" % back)
    check(lq.consume(), "consume failed")
    for c in [c1, c2] + consumers:
        close(c)
    return "Queue FIFO + priorities, LockingQueue order + %d jobs exactly once by 3 consumers" % n_items


def check_barrier():
    c0 = client()
    b_path = BASE + "/barrier"
    barrier = c0.Barrier(b_path)
    barrier.create()  # returns nothing
    check(c0.exists(b_path) is not None, "barrier node not created")
    waiters = [client() for _ in range(3)]
    released = []
    guard = threading.Lock()

    def waiter(c, i):
        def run():
            ok = c.Barrier(b_path).wait(timeout=WAIT)
            with guard:
                released.append((i, ok, time.time()))
        return run

    ts = [threading.Thread(target=waiter(c, i), daemon=True) for i, c in enumerate(waiters)]
    for t in ts:
        t.start()
    time.sleep(1.0)
    check(released == [], "waiters passed a standing barrier: %r" % released)
    removed_at = time.time()
    check(barrier.remove(), "barrier remove failed")
    for t in ts:
        t.join(WAIT)
    check(len(released) == 3 and all(ok for _, ok, _ in released),
          "waiters released: %r" % released)
    check(all(at >= removed_at for _, _, at in released), "a waiter passed before remove")
    check(c0.Barrier(b_path).wait(timeout=1), "wait on an absent barrier should pass at once")

    # DoubleBarrier
    n = 4
    db_path = BASE + "/double"
    members = [client() for _ in range(n)]
    log = []

    def member(c, i):
        def run():
            db = c.DoubleBarrier(db_path, n, identifier="m%d" % i)
            time.sleep(0.15 * i)  # arrive one by one
            with guard:
                log.append(("arrive", i, time.time()))
            db.enter()
            with guard:
                log.append(("entered", i, time.time()))
            time.sleep(0.15 * (n - i))  # leave one by one, in reverse
            with guard:
                log.append(("leaving", i, time.time()))
            db.leave()
            with guard:
                log.append(("left", i, time.time()))
        return run

    run_threads([member(c, i) for i, c in enumerate(members)], timeout=60)
    last_arrive = max(t for k, _, t in log if k == "arrive")
    first_entered = min(t for k, _, t in log if k == "entered")
    last_leaving = max(t for k, _, t in log if k == "leaving")
    first_left = min(t for k, _, t in log if k == "left")
    check(sum(1 for k, _, _ in log if k == "entered") == n, "not everybody entered: %r" % log)
    check(first_entered >= last_arrive, "somebody passed enter() before all arrived")
    check(sum(1 for k, _, _ in log if k == "left") == n, "not everybody left: %r" % log)
    check(first_left >= last_leaving, "somebody passed leave() before all were leaving")
    for c in [c0] + waiters + members:
        close(c)
    return "Barrier released 3 waiters on remove; DoubleBarrier of %d held at enter and leave" % n


def check_counter():
    clients = [client() for _ in range(3)]
    path = BASE + "/counter"

    def bump(c):
        def run():
            counter = c.Counter(path)
            for _ in range(20):
                counter += 1
        return run

    run_threads([bump(c) for c in clients], timeout=60)
    value = clients[0].Counter(path).value
    check(value == 60, "counter %r after 60 increments" % value)
    fc = clients[0].Counter(BASE + "/fcounter", default=0.0)
    fc += 2.5
    fc -= 1.0
    check(fc.value == 1.5, "float counter %r" % fc.value)
    for c in clients:
        close(c)
    return "60 contended increments by 3 clients"


def check_ephemeral():
    owner, observer = client(), client()
    path = BASE + "/eph"
    owner.ensure_path(BASE)
    owner.create(path, b"alive", ephemeral=True)
    stat = observer.exists(path)
    check(stat is not None, "observer does not see the ephemeral node")
    check(stat.ephemeralOwner == owner.client_id[0],
          "ephemeralOwner %#x != session id %#x" % (stat.ephemeralOwner, owner.client_id[0]))
    events = []
    fired = threading.Event()

    def watch(event):
        events.append(event)
        fired.set()

    check(observer.exists(path, watch=watch) is not None, "node vanished early")
    check(owner.get_children(BASE) is not None, "sanity")
    close(owner)
    check(fired.wait(WAIT), "no watch event after the owner's session closed")
    check(events[0].type == EventType.DELETED and events[0].path == path,
          "expected DELETED %s, got %r" % (path, events[0]))
    check(observer.exists(path) is None, "ephemeral node still there after its session closed")
    # Ephemeral sequential, and no children under ephemerals.
    o2 = client()
    p = o2.create(BASE + "/es-", b"", ephemeral=True, sequence=True)
    check(p.startswith(BASE + "/es-") and len(p) == len(BASE + "/es-") + 10, "sequential name %r" % p)
    try:
        o2.create(p + "/child", b"")
        raise CheckFailed("created a child under an ephemeral node")
    except CheckFailed:
        raise
    except Exception as e:
        check(type(e).__name__ == "NoChildrenForEphemeralsError",
              "child of ephemeral: expected NoChildrenForEphemeralsError, got %r" % e)
    close(o2)
    check(observer.exists(p) is None, "ephemeral sequential node survived its session")
    close(observer)
    return "ephemeral deleted on close (DELETED watch seen by another session)"


def check_datawatch():
    writer, reader = client(), client()
    path = BASE + "/watched"
    writer.create(path, b"v0", makepath=True)
    seen = []
    cond = threading.Condition()

    @reader.DataWatch(path)
    def watcher(data, stat, event):
        with cond:
            seen.append((data, stat.version if stat else None, event.type if event else None))
            cond.notify_all()

    def wait_for(n):
        with cond:
            end = time.time() + WAIT
            while len(seen) < n and time.time() < end:
                cond.wait(0.2)
        check(len(seen) >= n, "DataWatch calls: %r (wanted %d)" % (seen, n))

    wait_for(1)
    check(seen[0][:2] == (b"v0", 0), "initial DataWatch call: %r" % (seen[0],))
    writer.set(path, b"v1")
    wait_for(2)
    check(seen[1] == (b"v1", 1, EventType.CHANGED), "after set: %r" % (seen[1],))
    writer.set(path, b"v2")
    wait_for(3)
    check(seen[2] == (b"v2", 2, EventType.CHANGED), "after 2nd set: %r" % (seen[2],))
    writer.delete(path)
    wait_for(4)
    check(seen[3] == (None, None, EventType.DELETED), "after delete: %r" % (seen[3],))
    # A raw one-shot watch fires exactly once.
    writer.create(path, b"x")
    events = []
    reader.get(path, watch=events.append)
    writer.set(path, b"y")
    writer.set(path, b"z")
    deadline = time.time() + WAIT
    while not events and time.time() < deadline:
        time.sleep(0.05)
    reader.sync(path)
    time.sleep(0.3)
    check(len(events) == 1 and events[0].type == EventType.CHANGED,
          "one-shot get watch: %r" % events)
    # ChildrenWatch
    kids = []
    kid_cond = threading.Event()

    writer.ensure_path(BASE + "/kids")

    @reader.ChildrenWatch(BASE + "/kids")
    def cw(children):
        kids.append(sorted(children))
        if sorted(children) == ["a", "b"]:
            kid_cond.set()

    writer.create(BASE + "/kids/a")
    writer.create(BASE + "/kids/b")
    check(kid_cond.wait(WAIT), "ChildrenWatch never saw [a, b]: %r" % kids)
    close(writer)
    close(reader)
    return "DataWatch saw v0, v1, v2, delete; one-shot watch fired once; ChildrenWatch"


CHECKS = [
    ("lock", check_lock),
    ("election", check_election),
    ("queue", check_queue),
    ("barrier", check_barrier),
    ("counter", check_counter),
    ("ephemeral", check_ephemeral),
    ("datawatch", check_datawatch),
]


def main(argv):
    global HOSTS
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    HOSTS = argv[1]
    wanted = argv[2:] or [name for name, _ in CHECKS]
    unknown = set(wanted) - {name for name, _ in CHECKS}
    if unknown:
        sys.stderr.write("unknown checks: %s\n" % ", ".join(sorted(unknown)))
        return 2
    print("kazoo-recipes: server %s, base path %s" % (HOSTS, BASE))
    try:
        probe = client()
        close(probe)
    except Exception as e:
        print("kazoo-recipes: FAIL cannot connect to %s: %r" % (HOSTS, e))
        return 1
    failed = []
    t_all = time.time()
    for name, fn in CHECKS:
        if name not in wanted:
            continue
        t0 = time.time()
        try:
            detail = fn()
            print("  PASS %-9s %5.1fs  %s" % (name, time.time() - t0, detail))
        except Exception as e:
            failed.append(name)
            print("  FAIL %-9s %5.1fs  %s: %s" % (name, time.time() - t0, type(e).__name__, e))
            if not isinstance(e, CheckFailed):
                traceback.print_exc()
        finally:
            for c in list(_clients):
                try:
                    close(c)
                except Exception:
                    pass
        sys.stdout.flush()
    # clean up
    try:
        c = KazooClient(hosts=HOSTS, timeout=10)
        c.start(timeout=15)
        c.delete(BASE, recursive=True)
        c.stop()
        c.close()
    except NoNodeError:
        pass
    except Exception as e:
        print("  (cleanup of %s failed: %r)" % (BASE, e))
    n = len(wanted)
    if failed:
        print("kazoo-recipes: FAIL %d/%d checks failed: %s (%.1fs)"
              % (len(failed), n, ", ".join(failed), time.time() - t_all))
        return 1
    print("kazoo-recipes: PASS %d/%d checks (%.1fs)" % (n, n, time.time() - t_all))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
