package chart

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// count returns how many pixels of img have colour col.
func count(img *image.RGBA, col color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) == col {
				n++
			}
		}
	}
	return n
}

func TestBarsHeightsFollowValues(t *testing.T) {
	b := &Bars{
		Title:      "throughput",
		YLabel:     "ops/s",
		Categories: []string{"setData", "getData"},
		Series: []Series{
			{Name: "zookeeper", Values: []float64{1000, 4000}},
			{Name: "paddock", Values: []float64{2000, math.NaN()}},
		},
	}
	img, err := b.Image()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != Width || img.Bounds().Dy() != Height {
		t.Fatalf("size %v", img.Bounds())
	}
	// Series colours appear (bars plus a legend swatch); the NaN draws
	// nothing, so paddock's area is its one bar of 2000 against
	// zookeeper's 1000+4000: about 2/5.
	z, p := count(img, SeriesColor(0)), count(img, SeriesColor(1))
	const swatch = 10 * 10
	if z <= swatch || p <= swatch {
		t.Fatalf("series pixels %d %d: bars missing", z, p)
	}
	ratio := float64(p-swatch) / float64(z-swatch)
	if ratio < 0.3 || ratio > 0.5 {
		t.Errorf("paddock/zookeeper bar area %.2f, want about 0.4", ratio)
	}
	// Text was drawn (title, ticks, labels): black pixels beyond the axes.
	if n := count(img, black); n < 500 {
		t.Errorf("only %d black pixels: text missing?", n)
	}
}

func TestBarsLogScale(t *testing.T) {
	b := &Bars{
		Title:      "latency",
		YLabel:     "ms",
		Categories: []string{"p50", "p99", "max"},
		Series:     []Series{{Name: "a", Values: []float64{0.1, 10, 0}}},
		LogY:       true,
	}
	img, err := b.Image()
	if err != nil {
		t.Fatal(err)
	}
	// On a log axis 0.1 -> 10 spans two decades of three (0.1..10 padded to
	// whole decades): bar heights differ, the zero draws no bar.
	a := newAxis([]float64{0.1, 10, 0}, true, 100, 0)
	if a.lo != -1 || a.hi != 1 {
		t.Errorf("log axis decades [%v, %v], want [-1, 1]", a.lo, a.hi)
	}
	if count(img, SeriesColor(0)) <= 100 {
		t.Error("no bars drawn")
	}
}

func TestBarsErrors(t *testing.T) {
	if _, err := (&Bars{}).Image(); err == nil {
		t.Error("empty chart: no error")
	}
	b := &Bars{Categories: []string{"a", "b"}, Series: []Series{{Name: "x", Values: []float64{1}}}}
	if _, err := b.Image(); err == nil {
		t.Error("short series: no error")
	}
}

func TestLinesAndPNG(t *testing.T) {
	l := &Lines{
		Title:  "ramp",
		XLabel: "requests in flight",
		YLabel: "p99 ms",
		LogX:   true,
		Series: []XY{
			{Name: "zookeeper", X: []float64{1, 2, 4, 8}, Y: []float64{1, 1.2, 2, 9}},
			{Name: "paddock", X: []float64{1, 2, 4, 8}, Y: []float64{0.5, 0.6, 0.9, 3}},
		},
	}
	img, err := l.Image()
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.Series {
		if count(img, SeriesColor(i)) < 200 {
			t.Errorf("series %d: too few pixels for four markers and three segments", i)
		}
	}
	path := filepath.Join(t.TempDir(), "ramp.png")
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Bounds() != img.Bounds() {
		t.Errorf("decoded %v, want %v", dec.Bounds(), img.Bounds())
	}
	if _, err := (&Lines{Series: []XY{{X: []float64{1}, Y: nil}}}).Image(); err == nil {
		t.Error("x/y length mismatch: no error")
	}
}

func TestNiceAndFormat(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0.7, 1}, {1, 1}, {1.3, 2}, {3, 5}, {7, 10}, {230, 500}} {
		if got := niceStep(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("niceStep(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0"}, {0.25, "0.25"}, {950, "950"}, {1500, "1500"}, {15000, "15k"}, {2.5e6, "2.5M"}} {
		if got := FormatValue(c.in); got != c.want {
			t.Errorf("FormatValue(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
