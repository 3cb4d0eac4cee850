#!/usr/bin/env node
// check.js HOST:PORT -- node-zookeeper-client against a running server.
//
// Exercises create (persistent, ephemeral, sequential), getData/setData with
// versions (BadVersion), exists, getChildren with a watcher firing
// NodeChildrenChanged, data/exists watchers, transactions (multi) that
// succeed and fail atomically, remove, ACLs (digest addAuthInfo, NoAuth,
// InvalidACL), and close (ephemerals go, watchers of other sessions fire).
// Exits 0 if every check passed, 1 otherwise.
'use strict';

const zookeeper = require('node-zookeeper-client');

const { CreateMode, Exception, Event, ACL, Id, Permission } = zookeeper;

const HOSTPORT = process.argv[2];
if (!HOSTPORT) {
  console.error('usage: node check.js HOST:PORT');
  process.exit(2);
}
const BASE = `/compat-node-${process.pid}-${Date.now().toString(36)}`;
const WAIT_MS = 15000;
const U1_DIGEST = 'u1:fpT/y03U+EjItKZOSLGvjnJlyng='; // base64(sha1("u1:p1"))

const clients = [];

class CheckFailed extends Error {}

function assert(cond, msg) {
  if (!cond) throw new CheckFailed(msg);
}

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new CheckFailed(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// connect() resolves with a connected client.
function connect(auth) {
  const client = zookeeper.createClient(HOSTPORT, { sessionTimeout: 10000, spinDelay: 200, retries: 0 });
  clients.push(client);
  const p = new Promise((resolve) => client.once('connected', () => resolve(client)));
  if (auth) client.addAuthInfo('digest', Buffer.from(auth));
  client.connect();
  return withTimeout(p, WAIT_MS, `connect to ${HOSTPORT}`);
}

function closeClient(client, ms = WAIT_MS) {
  const i = clients.indexOf(client);
  if (i >= 0) clients.splice(i, 1);
  const p = new Promise((resolve) => client.once('disconnected', resolve));
  client.close();
  return withTimeout(p, ms, 'close');
}

// call(client, 'method', args...) -> Promise of the callback's results (after
// the error), as an array; rejects with the client's Exception (has .code).
function call(client, method, ...args) {
  return withTimeout(new Promise((resolve, reject) => {
    client[method](...args, (err, ...res) => {
      if (err) {
        err.op = `${method} ${args[0]}`;
        reject(err);
      } else {
        resolve(res);
      }
    });
  }), WAIT_MS, `${method} ${args[0]}`);
}

function commit(tx) {
  return withTimeout(new Promise((resolve) => {
    tx.commit((err, results) => resolve({ err, results }));
  }), WAIT_MS, 'transaction commit');
}

// expectError(promise, code, what): the call must fail with this error code.
async function expectError(promise, code, what) {
  let res;
  try {
    res = await promise;
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    assert(err.getCode && err.getCode() === code,
      `${what}: expected error ${Exception.create(code).getName()} (${code}), got ${err}`);
    return err;
  }
  throw new CheckFailed(`${what}: expected error ${Exception.create(code).getName()} (${code}), but it succeeded: ${JSON.stringify(res)}`);
}

// An event promise: resolves with the first event passed to the watcher.
function watcher() {
  let fire;
  const p = new Promise((resolve) => { fire = resolve; });
  const w = (event) => fire(event);
  w.fired = (what) => withTimeout(p, WAIT_MS, `watch event: ${what}`);
  let seen = false;
  p.then(() => { seen = true; });
  w.seen = () => seen;
  return w;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function removeTree(client, path) {
  let children = [];
  try {
    [children] = await call(client, 'getChildren', path);
  } catch (err) {
    if (err.getCode && err.getCode() === Exception.NO_NODE) return;
    // Unreadable (ACL) but maybe childless: try the remove anyway.
    if (!(err.getCode && err.getCode() === Exception.NO_AUTH)) throw err;
  }
  for (const c of children) await removeTree(client, `${path}/${c}`);
  try {
    await call(client, 'remove', path, -1);
  } catch (err) {
    if (!(err.getCode && err.getCode() === Exception.NO_NODE)) throw err;
  }
}

// ---------------------------------------------------------------------------
const checks = [];
const check = (name, fn) => checks.push({ name, fn });

let A; // main client
let B; // second client

check('connect', async () => {
  A = await connect();
  B = await connect();
  const sid = A.getSessionId();
  assert(Buffer.isBuffer(sid) && sid.length === 8 && !sid.equals(Buffer.alloc(8)), `session id ${sid && sid.toString('hex')}`);
  assert(!sid.equals(B.getSessionId()), 'two clients got the same session id');
  assert(A.getSessionTimeout() > 0 && A.getSessionTimeout() <= 10000, `negotiated session timeout ${A.getSessionTimeout()}`);
  eq(A.getState().name, 'SYNC_CONNECTED', 'state');
  return `sessions 0x${sid.toString('hex')} / 0x${B.getSessionId().toString('hex')}, timeout ${A.getSessionTimeout()} ms`;
});

check('create', async () => {
  const [p] = await call(A, 'create', BASE, Buffer.from('base'), CreateMode.PERSISTENT);
  eq(p, BASE, 'created path');
  await expectError(call(A, 'create', BASE, Buffer.from('again'), CreateMode.PERSISTENT), Exception.NODE_EXISTS, 'create existing');
  await expectError(call(A, 'create', `${BASE}/no/such`, Buffer.from('x'), CreateMode.PERSISTENT), Exception.NO_NODE, 'create without parent');
  const [p2] = await call(A, 'create', `${BASE}/empty`, CreateMode.PERSISTENT);
  eq(p2, `${BASE}/empty`, 'created path (no data)');
  const [data, stat] = await call(B, 'getData', `${BASE}/empty`);
  assert(data === null || data === undefined || data.length === 0, `data of a node created without data: ${data}`);
  eq(stat.dataLength, 0, 'dataLength of empty node');
  const [mk] = await call(A, 'mkdirp', `${BASE}/deep/er/est`, Buffer.from('d'), CreateMode.PERSISTENT);
  eq(mk, `${BASE}/deep/er/est`, 'mkdirp path');
  // 512 KiB value round trip (the client itself refuses > 1 MiB)
  const big = Buffer.alloc(512 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  await call(A, 'create', `${BASE}/big`, big, CreateMode.PERSISTENT);
  const [bigBack] = await call(B, 'getData', `${BASE}/big`);
  assert(bigBack.equals(big), '512 KiB value did not round-trip');
  return 'persistent, exists error, missing parent, empty, mkdirp, 512 KiB';
});

check('ephemeral', async () => {
  const [p] = await call(A, 'create', `${BASE}/eph`, Buffer.from('e'), CreateMode.EPHEMERAL);
  eq(p, `${BASE}/eph`, 'ephemeral path');
  const [stat] = await call(B, 'exists', `${BASE}/eph`);
  assert(stat, 'ephemeral not visible to another session');
  assert(stat.ephemeralOwner.equals(A.getSessionId()),
    `ephemeralOwner ${stat.ephemeralOwner.toString('hex')} != session ${A.getSessionId().toString('hex')}`);
  const [pstat] = await call(B, 'exists', BASE);
  assert(pstat.ephemeralOwner.equals(Buffer.alloc(8)), 'persistent node has an ephemeralOwner');
  await expectError(call(A, 'create', `${BASE}/eph/child`, Buffer.from('x'), CreateMode.PERSISTENT),
    Exception.NO_CHILDREN_FOR_EPHEMERALS, 'child of an ephemeral');
  return 'ephemeralOwner = session id; no children for ephemerals';
});

check('sequential', async () => {
  const parent = `${BASE}/seq`;
  await call(A, 'create', parent, CreateMode.PERSISTENT);
  // Sequence numbers come from the parent's cversion: a plain child uses one up.
  await call(A, 'create', `${parent}/plain`, CreateMode.PERSISTENT);
  const [s1] = await call(A, 'create', `${parent}/s-`, Buffer.from('1'), CreateMode.PERSISTENT_SEQUENTIAL);
  const [s2] = await call(A, 'create', `${parent}/s-`, Buffer.from('2'), CreateMode.PERSISTENT_SEQUENTIAL);
  const [e3] = await call(A, 'create', `${parent}/e-`, Buffer.from('3'), CreateMode.EPHEMERAL_SEQUENTIAL);
  eq([s1, s2, e3], [`${parent}/s-0000000001`, `${parent}/s-0000000002`, `${parent}/e-0000000003`], 'sequential names');
  await call(A, 'remove', `${parent}/plain`, -1);
  // ZooKeeper keeps a count of child creations (the sequence source) and
  // reports cversion = 2 * creations - numChildren = creations + deletions.
  const [pst] = await call(B, 'exists', parent);
  eq([pst.cversion, pst.numChildren], [5, 3], 'parent cversion after 4 creates + 1 delete');
  const [s4] = await call(A, 'create', `${parent}/n`, CreateMode.PERSISTENT_SEQUENTIAL);
  eq(s4, `${parent}/n0000000004`, 'sequence after a delete (deletes do not use up sequence numbers)');
  const [children] = await call(B, 'getChildren', parent);
  eq(children.sort(), ['e-0000000003', 'n0000000004', 's-0000000001', 's-0000000002'], 'children');
  return `${s1.slice(parent.length + 1)}, ${s2.slice(parent.length + 1)}, ${e3.slice(parent.length + 1)}, ${s4.slice(parent.length + 1)}`;
});

check('data-versions', async () => {
  const path = `${BASE}/v`;
  const bytes = Buffer.from([...Array(256).keys()]);
  await call(A, 'create', path, bytes, CreateMode.PERSISTENT);
  let [data, stat] = await call(B, 'getData', path);
  assert(data.equals(bytes), 'binary data did not round-trip');
  eq([stat.version, stat.dataLength, stat.numChildren, stat.cversion, stat.aversion], [0, 256, 0, 0, 0], 'stat after create');
  assert(stat.czxid.equals(stat.mzxid), 'czxid != mzxid after create');
  [stat] = await call(A, 'setData', path, Buffer.from('one'), 0);
  eq(stat.version, 1, 'version after setData(version 0)');
  await expectError(call(A, 'setData', path, Buffer.from('stale'), 0), Exception.BAD_VERSION, 'setData with stale version');
  await expectError(call(A, 'setData', path, Buffer.from('future'), 7), Exception.BAD_VERSION, 'setData with future version');
  [stat] = await call(A, 'setData', path, Buffer.from('two'), -1);
  eq(stat.version, 2, 'version after setData(-1)');
  [data, stat] = await call(B, 'getData', path);
  eq([data.toString(), stat.version, stat.dataLength], ['two', 2, 3], 'getData after sets');
  assert(!stat.czxid.equals(stat.mzxid), 'mzxid not advanced by setData');
  assert(stat.mtime.readBigInt64BE() >= stat.ctime.readBigInt64BE() && stat.ctime.readBigInt64BE() > 1500000000000n, 'ctime/mtime (ms since epoch)');
  await expectError(call(A, 'setData', `${BASE}/missing`, Buffer.from('x'), -1), Exception.NO_NODE, 'setData on a missing node');
  await expectError(call(A, 'getData', `${BASE}/missing`), Exception.NO_NODE, 'getData on a missing node');
  return 'versions 0 -> 1 -> 2, BAD_VERSION (-103) on stale/future version';
});

check('exists', async () => {
  const [stat] = await call(A, 'exists', `${BASE}/v`);
  assert(stat && stat.version === 2, 'exists on an existing node');
  const [none] = await call(A, 'exists', `${BASE}/nope`);
  assert(!none, 'exists on a missing node returned a stat');
  const w = watcher();
  const [none2] = await call(A, 'exists', `${BASE}/later`, w);
  assert(!none2, 'exists(watch) on a missing node returned a stat');
  await call(B, 'create', `${BASE}/later`, CreateMode.PERSISTENT);
  const ev = await w.fired('NODE_CREATED');
  eq([ev.getType(), ev.getPath()], [Event.NODE_CREATED, `${BASE}/later`], 'exists watch event');
  return 'stat / null, exists-watch fired NODE_CREATED';
});

check('watchers', async () => {
  const kids = `${BASE}/kids`;
  await call(A, 'create', kids, CreateMode.PERSISTENT);
  const cw = watcher();
  const [children] = await call(A, 'getChildren', kids, cw);
  eq(children, [], 'children of a new node');
  const dw = watcher();
  await call(A, 'getData', kids, dw);
  await call(B, 'create', `${kids}/c1`, CreateMode.PERSISTENT);
  const ev = await cw.fired('NODE_CHILDREN_CHANGED');
  eq([ev.getType(), ev.getPath(), ev.getName()], [Event.NODE_CHILDREN_CHANGED, kids, 'NODE_CHILDREN_CHANGED'], 'child watch event');
  await sleep(100);
  assert(!dw.seen(), 'data watch fired on a child create');
  // getChildren also returns the parent's stat
  const [children2, pstat] = await call(A, 'getChildren', kids);
  eq([children2, pstat.numChildren, pstat.cversion], [['c1'], 1, 1], 'children and stat after create');
  await call(B, 'setData', kids, Buffer.from('d'), -1);
  const dev = await dw.fired('NODE_DATA_CHANGED');
  eq([dev.getType(), dev.getPath()], [Event.NODE_DATA_CHANGED, kids], 'data watch event');
  // watches are one-shot; deletion fires NODE_DELETED on a data watch
  const dw2 = watcher();
  await call(A, 'getData', `${kids}/c1`, dw2);
  const cw2 = watcher();
  await call(A, 'getChildren', kids, cw2);
  await call(B, 'remove', `${kids}/c1`, -1);
  const dev2 = await dw2.fired('NODE_DELETED');
  eq([dev2.getType(), dev2.getPath()], [Event.NODE_DELETED, `${kids}/c1`], 'data watch on delete');
  const cev2 = await cw2.fired('NODE_CHILDREN_CHANGED on delete');
  eq([cev2.getType(), cev2.getPath()], [Event.NODE_CHILDREN_CHANGED, kids], 'child watch on delete');
  return 'NODE_CHILDREN_CHANGED, NODE_DATA_CHANGED, NODE_DELETED';
});

check('transaction', async () => {
  const t = `${BASE}/tx`;
  await call(A, 'create', t, CreateMode.PERSISTENT);
  const ok = await commit(A.transaction()
    .create(`${t}/a`, Buffer.from('a0'))
    .create(`${t}/b`, Buffer.from('b0'), CreateMode.EPHEMERAL)
    .setData(`${t}/a`, Buffer.from('a1'), 0)
    .check(`${t}/a`, 1)
    .remove(`${t}/b`, 0));
  assert(!ok.err, `transaction failed: ${ok.err}`);
  eq(ok.results.map((r) => r.type), [1, 1, 5, 13, 2], 'result op types (create, create, setData, check, delete)');
  eq([ok.results[0].path, ok.results[2].stat.version], [`${t}/a`, 1], 'create path / setData stat in results');
  const [data] = await call(B, 'getData', `${t}/a`);
  eq(data.toString(), 'a1', 'data after transaction');
  const [bstat] = await call(B, 'exists', `${t}/b`);
  assert(!bstat, 'node removed in the transaction still exists');

  // Failing transaction: nothing applies; per-op results say which op failed.
  const bad = await commit(A.transaction()
    .create(`${t}/c`, Buffer.from('c'))
    .setData(`${t}/a`, Buffer.from('zzz'), -1)
    .check(`${t}/a`, 99)
    .create(`${t}/d`, Buffer.from('d')));
  assert(bad.err, 'transaction with a bad check succeeded');
  eq(bad.err.getCode(), Exception.BAD_VERSION, 'transaction error code');
  assert(Array.isArray(bad.results), 'no per-op results for a failed transaction');
  {
    eq(bad.results.map((r) => [r.type, r.err]), [[-1, 0], [-1, 0], [-1, Exception.BAD_VERSION], [-1, Exception.RUNTIME_INCONSISTENCY]],
      'per-op results of a failed transaction');
  }
  const [c] = await call(B, 'exists', `${t}/c`);
  assert(!c, 'create from a failed transaction was applied');
  const [data2, st2] = await call(B, 'getData', `${t}/a`);
  eq([data2.toString(), st2.version], ['a1', 1], 'setData from a failed transaction was applied');

  const bad2 = await commit(A.transaction().create(`${t}/a`, Buffer.from('dup')));
  eq(bad2.err && bad2.err.getCode(), Exception.NODE_EXISTS, 'transaction creating an existing node');
  const bad3 = await commit(A.transaction().remove(`${t}/nope`, -1));
  eq(bad3.err && bad3.err.getCode(), Exception.NO_NODE, 'transaction removing a missing node');
  return 'multi of 5 ops applied; failing multi atomic with results [0, 0, -103, -2]';
});

check('remove', async () => {
  const r = `${BASE}/rm`;
  await call(A, 'create', r, CreateMode.PERSISTENT);
  await call(A, 'create', `${r}/child`, CreateMode.PERSISTENT);
  await expectError(call(A, 'remove', r, -1), Exception.NOT_EMPTY, 'remove a node with children');
  await call(A, 'setData', `${r}/child`, Buffer.from('x'), -1);
  await expectError(call(A, 'remove', `${r}/child`, 0), Exception.BAD_VERSION, 'remove with a stale version');
  await call(A, 'remove', `${r}/child`, 1);
  await expectError(call(A, 'remove', `${r}/child`, -1), Exception.NO_NODE, 'remove a missing node');
  await call(A, 'remove', r, -1);
  const [gone] = await call(B, 'exists', r);
  assert(!gone, 'removed node still exists');
  return 'NOT_EMPTY, BAD_VERSION, NO_NODE, versioned remove';
});

check('acl', async () => {
  const owner = await connect('u1:p1');
  const anon = B;
  const wrong = await connect('u1:wrong');
  const sec = `${BASE}/secure`;
  const digestAll = [new ACL(Permission.ALL, new Id('digest', U1_DIGEST))];
  await call(owner, 'create', sec, Buffer.from('secret'), digestAll, CreateMode.PERSISTENT);
  const [data] = await call(owner, 'getData', sec);
  eq(data.toString(), 'secret', 'owner reads');
  const [acls, astat] = await call(owner, 'getACL', sec);
  eq(acls.map((a) => [a.permission, a.id.scheme, a.id.id]), [[31, 'digest', U1_DIGEST]], 'getACL');
  eq(astat.aversion, 0, 'aversion');
  for (const [who, c] of [['anonymous', anon], ['wrong password', wrong]]) {
    await expectError(call(c, 'getData', sec), Exception.NO_AUTH, `${who} getData`);
    await expectError(call(c, 'setData', sec, Buffer.from('x'), -1), Exception.NO_AUTH, `${who} setData`);
    await expectError(call(c, 'getChildren', sec), Exception.NO_AUTH, `${who} getChildren`);
    await expectError(call(c, 'create', `${sec}/c`, Buffer.from('x'), CreateMode.PERSISTENT), Exception.NO_AUTH, `${who} create child`);
    await expectError(call(c, 'getACL', sec), Exception.NO_AUTH, `${who} getACL`);
    await expectError(call(c, 'setACL', sec, ACL.OPEN_ACL_UNSAFE, -1), Exception.NO_AUTH, `${who} setACL`);
  }
  // exists on an unreadable node: ZooKeeper 3.8.0 (Debian) answers it;
  // 3.8.4+ (ZOOKEEPER-2590) requires READ and says NO_AUTH. Either is fine.
  let existsNote;
  try {
    const [st] = await call(anon, 'exists', sec);
    assert(st, 'exists on an unreadable node returned no stat');
    existsNote = 'exists without READ allowed (3.8.0)';
  } catch (err) {
    if (err instanceof CheckFailed || !(err.getCode && err.getCode() === Exception.NO_AUTH)) throw err;
    existsNote = 'exists without READ: NO_AUTH (3.8.4+)';
  }

  // "auth" scheme: the creator's authenticated identities.
  const [ap] = await call(owner, 'create', `${sec}/mine`, Buffer.from('m'), ACL.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
  const [macls] = await call(owner, 'getACL', ap);
  eq(macls.map((a) => [a.permission, a.id.scheme, a.id.id]), [[31, 'digest', U1_DIGEST]], 'CREATOR_ALL_ACL resolved');
  await expectError(call(anon, 'create', `${BASE}/creator`, Buffer.from('x'), ACL.CREATOR_ALL_ACL, CreateMode.PERSISTENT),
    Exception.INVALID_ACL, 'CREATOR_ALL_ACL without authentication');

  // read-only for everybody
  const ro = `${BASE}/ro`;
  await call(owner, 'create', ro, Buffer.from('r'), ACL.READ_ACL_UNSAFE, CreateMode.PERSISTENT);
  const [rd] = await call(anon, 'getData', ro);
  eq(rd.toString(), 'r', 'world-readable data');
  await expectError(call(anon, 'setData', ro, Buffer.from('w'), -1), Exception.NO_AUTH, 'setData on world:anyone:r');
  await expectError(call(owner, 'setData', ro, Buffer.from('w'), -1), Exception.NO_AUTH, 'owner setData on world:anyone:r');

  // setACL with versions
  await expectError(call(owner, 'setACL', sec, ACL.OPEN_ACL_UNSAFE, 3), Exception.BAD_VERSION, 'setACL with a wrong aversion');
  const [sst] = await call(owner, 'setACL', sec, ACL.OPEN_ACL_UNSAFE, 0);
  eq(sst.aversion, 1, 'aversion after setACL');
  const [open] = await call(anon, 'getData', sec);
  eq(open.toString(), 'secret', 'anonymous reads after setACL(open)');
  await closeClient(owner);
  await closeClient(wrong);
  return `digest auth, NO_AUTH (-102) for anonymous and wrong password, CREATOR_ALL, INVALID_ACL (-114), READ_ACL, setACL versions; ${existsNote}`;
});

check('close', async () => {
  const C = await connect();
  await call(C, 'create', `${BASE}/bye`, Buffer.from('b'), CreateMode.EPHEMERAL);
  const w = watcher();
  const [st] = await call(B, 'exists', `${BASE}/bye`, w);
  assert(st, 'ephemeral not visible');
  await closeClient(C);
  const ev = await w.fired('NODE_DELETED after close');
  eq([ev.getType(), ev.getPath()], [Event.NODE_DELETED, `${BASE}/bye`], 'event when the owner closed');
  const [gone] = await call(B, 'exists', `${BASE}/bye`);
  assert(!gone, 'ephemeral survived close');
  // A's ephemerals (eph, seq/e-0000000003) go when A closes.
  await closeClient(A);
  A = null;
  const [g1] = await call(B, 'exists', `${BASE}/eph`);
  const [g2] = await call(B, 'exists', `${BASE}/seq/e-0000000003`);
  assert(!g1 && !g2, 'ephemerals of the closed client A remain');
  return 'ephemerals removed, NODE_DELETED seen by another session';
});

// A failure as one line: our own checks, then the client's Exceptions (with
// the call that got them), then anything else with its stack.
function describe(err) {
  if (err instanceof CheckFailed) return err.message;
  if (err && err.getCode) return `unexpected ${err} from ${err.op || '?'}`;
  return (err && err.stack) || String(err);
}

// ---------------------------------------------------------------------------
async function main() {
  console.log(`node-check: server ${HOSTPORT}, base path ${BASE}`);
  const t0 = Date.now();
  const failed = [];
  for (const { name, fn } of checks) {
    const t = Date.now();
    try {
      const detail = await fn();
      console.log(`  PASS ${name.padEnd(14)} ${((Date.now() - t) / 1000).toFixed(1).padStart(5)}s  ${detail || ''}`);
    } catch (err) {
      failed.push(name);
      console.log(`  FAIL ${name.padEnd(14)} ${((Date.now() - t) / 1000).toFixed(1).padStart(5)}s  ${describe(err)}`);
      if (name === 'connect') break;
    }
  }
  if (!failed.includes('connect')) {
    try {
      // as u1, so that digest-protected leftovers of a failed check go too
      const cleaner = await connect('u1:p1');
      await withTimeout(removeTree(cleaner, BASE), 30000, 'cleanup');
    } catch (err) {
      console.log(`  (cleanup of ${BASE} failed: ${err.message || err})`);
    }
  }
  for (const c of clients.slice()) {
    try { await closeClient(c, 3000); } catch (err) { /* ignore */ }
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (failed.length) {
    console.log(`node-check: FAIL ${failed.length}/${checks.length} checks failed: ${failed.join(', ')} (${secs}s)`);
    return 1;
  }
  console.log(`node-check: PASS ${checks.length}/${checks.length} checks (${secs}s)`);
  return 0;
}

const guard = setTimeout(() => {
  console.log('node-check: FAIL: overall timeout (180 s)');
  process.exit(1);
}, 180000);

main().then((code) => {
  clearTimeout(guard);
  process.exit(code);
}, (err) => {
  console.log(`node-check: FAIL: ${err.stack || err}`);
  process.exit(1);
});
