package server_test

import (
	"fmt"
	"slices"
	"testing"
)

// TestWideChildrenListing: the listing of a wide parent (served from the
// engine's and the core's caches) follows creates and deletes, and its
// Stat is the current one.
func TestWideChildrenListing(t *testing.T) {
	addr := startServer(t)
	c := dial(t, addr)
	root := testRoot(t, addr)
	var want []string
	for i := range 40 {
		name := fmt.Sprintf("c%02d", i)
		mustCreate(t, c, root+"/"+name, nil)
		want = append(want, name)
	}
	check := func(what string) {
		t.Helper()
		for range 2 { // the second listing comes from the caches
			got, st, err := c.Children(root)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: children %v, want %v", what, got, want)
			}
			if int(st.NumChildren) != len(want) || st.Pzxid != mustStat(t, c, root).Pzxid {
				t.Fatalf("%s: stat %+v", what, st)
			}
		}
	}
	check("created")
	mustCreate(t, c, root+"/a", nil)
	want = append([]string{"a"}, want...)
	check("after a create")
	if err := c.Delete(root+"/c07", -1); err != nil {
		t.Fatal(err)
	}
	want = slices.DeleteFunc(want, func(s string) bool { return s == "c07" })
	check("after a delete")
	if _, err := c.Set(root, []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	check("after a setData of the parent")
}
