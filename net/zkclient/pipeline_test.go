package zkclient_test

import (
	"sync"
	"testing"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// TestPipelinedSetData sends 10,000 setData requests with up to 256
// outstanding through Go and checks they complete in order, each with the
// version its position implies.
func TestPipelinedSetData(t *testing.T) {
	const total, window = 10000, 256
	s := startServer(t, t.TempDir(), 0)
	c, _ := dial(t, []string{s.Addr().String()})
	_, _, err := c.Create(bg, "/pipe", nil, zk.OpenACLUnsafe(), zk.ModePersistent, 0)
	must(t, "create", err)

	sem := make(chan struct{}, window)
	var mu sync.Mutex
	var order []int
	var bad []string
	var lastZxid int64
	var wg sync.WaitGroup
	resps := make([]zk.SetDataResponse, total)
	req := zk.SetDataRequest{Path: "/pipe", Data: []byte("payload"), Version: -1}
	for i := 0; i < total; i++ {
		sem <- struct{}{}
		wg.Add(1)
		i := i
		c.Go(zk.OpSetData, &req, &resps[i], func(zxid int64, err error) {
			mu.Lock()
			order = append(order, i)
			switch {
			case err != nil:
				bad = append(bad, err.Error())
			case resps[i].Stat.Version != int32(i+1):
				bad = append(bad, "request "+itoa(i)+" got version "+itoa(int(resps[i].Stat.Version)))
			case zxid <= lastZxid || zk.Zxid(zxid) != resps[i].Stat.Mzxid:
				bad = append(bad, "request "+itoa(i)+": zxid out of order or not the Stat's")
			}
			lastZxid = zxid
			mu.Unlock()
			<-sem
			wg.Done()
		})
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d bad completions, first: %s", len(bad), bad[0])
	}
	for i, v := range order {
		if i != v {
			t.Fatalf("completion %d was request %d", i, v)
		}
	}
	_, st, err := c.Get(bg, "/pipe", false)
	must(t, "get", err)
	if st.Version != total {
		t.Fatalf("final version %d, want %d", st.Version, total)
	}
}

// TestPendingFailOnConnectionLoss: requests outstanding when the
// connection breaks fail with ErrConnectionLoss; the client reconnects with
// the same session.
func TestPendingFailOnConnectionLoss(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	c, ev := dial(t, []string{p.addr()})
	sid := c.SessionID()
	p.setStall(true)
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		c.Go(zk.OpExists, &zk.ExistsRequest{Path: "/"}, nil, func(_ int64, err error) { errs <- err })
	}
	p.cut()
	for i := 0; i < n; i++ {
		wantErr(t, "pending at cut", <-errs, zkclient.ErrConnectionLoss)
	}
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	if c.SessionID() != sid {
		t.Fatalf("session %v after reconnect, was %v", c.SessionID(), sid)
	}
	if _, ok, err := c.Exists(bg, "/", false); err != nil || !ok {
		t.Fatalf("exists after reconnect: %v %v", ok, err)
	}
}
