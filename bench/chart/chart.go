// Package chart owns the drawing of paddock bench's charts: grouped bar
// charts and line charts rendered to PNG with the standard library's image
// packages and golang.org/x/image/font/basicfont. A chart has a title, a
// legend (one colour per series), a value axis that is linear from zero or
// logarithmic, tick labels, grid lines and axis labels. That is all bench
// needs; it is no plotting library.
package chart

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Size of every chart, in pixels.
const (
	Width  = 960
	Height = 540
)

// Plot area margins.
const (
	marginLeft   = 90
	marginRight  = 24
	marginTop    = 64
	marginBottom = 72
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{110, 110, 110, 255}
	grid  = color.RGBA{225, 225, 225, 255}
)

// Palette holds the series colours, in order; series past its length reuse
// it from the start.
var Palette = []color.RGBA{
	{31, 119, 180, 255},  // blue
	{255, 127, 14, 255},  // orange
	{44, 160, 44, 255},   // green
	{214, 39, 40, 255},   // red
	{148, 103, 189, 255}, // purple
	{140, 86, 75, 255},   // brown
	{227, 119, 194, 255}, // pink
	{127, 127, 127, 255}, // grey
}

// SeriesColor returns the colour of series i.
func SeriesColor(i int) color.RGBA { return Palette[i%len(Palette)] }

var face = basicfont.Face7x13

// Series is one named set of bar values, one per category. A NaN value, or
// a value <= 0 on a logarithmic axis, draws no bar.
type Series struct {
	Name   string
	Values []float64
}

// Bars is a grouped bar chart: one group per category, one bar per series
// in each group.
type Bars struct {
	Title      string
	YLabel     string
	Categories []string
	Series     []Series
	LogY       bool
}

// XY is one named line of a line chart: points (X[i], Y[i]), drawn in
// order. Points that cannot be placed (NaN, or <= 0 on a log axis) are
// skipped.
type XY struct {
	Name string
	X, Y []float64
}

// Lines is a line chart.
type Lines struct {
	Title  string
	XLabel string
	YLabel string
	Series []XY
	LogX   bool
	LogY   bool
}

// WritePNG encodes img as PNG into file path.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// canvas is a chart being drawn.
type canvas struct {
	img                      *image.RGBA
	left, right, top, bottom int // the plot area
}

func newCanvas() *canvas {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	return &canvas{img: img, left: marginLeft, right: Width - marginRight, top: marginTop, bottom: Height - marginBottom}
}

// textWidth is the width of s in pixels.
func textWidth(s string) int { return font.MeasureString(face, s).Ceil() }

// text draws s with its baseline's left end at (x, y).
func (c *canvas) text(x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// textCentered draws s centred on x with its baseline at y.
func (c *canvas) textCentered(x, y int, s string, col color.Color) {
	c.text(x-textWidth(s)/2, y, s, col)
}

// textVertical draws s rotated a quarter turn anticlockwise, centred on
// (x, y): the y axis label.
func (c *canvas) textVertical(x, y int, s string, col color.Color) {
	w, h := textWidth(s), face.Height
	tmp := image.NewRGBA(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: tmp, Src: image.NewUniform(col), Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	// (tx, ty) in tmp lands at (x0+ty, y0+w-1-tx).
	x0, y0 := x-h/2, y-w/2
	for ty := 0; ty < h; ty++ {
		for tx := 0; tx < w; tx++ {
			if _, _, _, a := tmp.At(tx, ty).RGBA(); a > 0x8000 {
				c.img.Set(x0+ty, y0+w-1-tx, col)
			}
		}
	}
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Src)
}

func (c *canvas) hline(x0, x1, y int, col color.Color) { c.rect(x0, y, x1+1, y+1, col) }
func (c *canvas) vline(x, y0, y1 int, col color.Color) { c.rect(x, y0, x+1, y1+1, col) }

// line draws a two-pixel-wide segment (Bresenham).
func (c *canvas) line(x0, y0, x1, y1 int, col color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		c.img.Set(x0, y0, col)
		c.img.Set(x0, y0+1, col)
		c.img.Set(x0+1, y0, col)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// header draws the title and the legend.
func (c *canvas) header(title string, names []string) {
	c.textCentered(Width/2, 20, title, black)
	total := 0
	for _, n := range names {
		total += 14 + textWidth(n) + 18
	}
	x := max((Width-total)/2, 4)
	for i, n := range names {
		c.rect(x, 32, x+10, 42, SeriesColor(i))
		c.text(x+14, 41, n, black)
		x += 14 + textWidth(n) + 18
	}
}

// axis maps values onto a pixel range, linearly or logarithmically.
type axis struct {
	log    bool
	lo, hi float64 // data range (logs of it when log is set)
	p0, p1 int     // pixels of lo and hi
	ticks  []float64
}

// newAxis fits an axis to vals. A linear axis starts at zero (zero is
// always the base of a bar); a log axis spans whole decades.
func newAxis(vals []float64, log bool, p0, p1 int) axis {
	a := axis{log: log, p0: p0, p1: p1}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if log {
		if math.IsInf(lo, 1) {
			lo, hi = 1, 10
		}
		l, h := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if h <= l {
			h = l + 1
		}
		a.lo, a.hi = l, h
		for d := l; d <= h; d++ {
			a.ticks = append(a.ticks, math.Pow(10, d))
			if h-l <= 2 && d < h {
				a.ticks = append(a.ticks, 2*math.Pow(10, d), 5*math.Pow(10, d))
			}
		}
		return a
	}
	if math.IsInf(hi, -1) || hi <= 0 {
		hi = 1
	}
	step := niceStep(hi / 5)
	top := math.Ceil(hi/step) * step
	a.lo, a.hi = 0, top
	for v := 0.0; v <= top+step/2; v += step {
		a.ticks = append(a.ticks, v)
	}
	return a
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// ok reports whether v can be placed on the axis.
func (a axis) ok(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!a.log || v > 0)
}

// pos returns the pixel of v (clamped to the axis).
func (a axis) pos(v float64) int {
	if a.log {
		v = math.Log10(v)
	}
	f := (v - a.lo) / (a.hi - a.lo)
	f = math.Max(0, math.Min(1, f))
	return a.p0 + int(math.Round(f*float64(a.p1-a.p0)))
}

// FormatValue prints a tick or bar value compactly: 950, 1.5k, 12M, 0.25.
func FormatValue(v float64) string {
	av := math.Abs(v)
	switch {
	case av >= 1e9:
		return trim(v/1e9) + "G"
	case av >= 1e6:
		return trim(v/1e6) + "M"
	case av >= 1e4:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'g', 3, 64)
	if strings.ContainsAny(s, "e") {
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return s
}

// yAxis draws the value axis, its ticks, grid lines and label.
func (c *canvas) yAxis(a axis, label string) {
	for _, t := range a.ticks {
		y := a.pos(t)
		c.hline(c.left+1, c.right, y, grid)
		c.hline(c.left-4, c.left, y, black)
		s := FormatValue(t)
		c.text(c.left-8-textWidth(s), y+4, s, black)
	}
	c.vline(c.left, c.top, c.bottom, black)
	c.hline(c.left, c.right, c.bottom, black)
	if label != "" {
		c.textVertical(14, (c.top+c.bottom)/2, label, black)
	}
}

// Image renders the bar chart.
func (b *Bars) Image() (*image.RGBA, error) {
	if len(b.Categories) == 0 || len(b.Series) == 0 {
		return nil, errors.New("chart: a bar chart needs categories and series")
	}
	var all []float64
	for _, s := range b.Series {
		if len(s.Values) != len(b.Categories) {
			return nil, fmt.Errorf("chart: series %q has %d values for %d categories", s.Name, len(s.Values), len(b.Categories))
		}
		all = append(all, s.Values...)
	}
	c := newCanvas()
	names := make([]string, len(b.Series))
	for i, s := range b.Series {
		names[i] = s.Name
	}
	c.header(b.Title, names)
	ya := newAxis(all, b.LogY, c.bottom, c.top)
	c.yAxis(ya, b.YLabel)

	n, m := len(b.Categories), len(b.Series)
	group := float64(c.right-c.left) / float64(n)
	barW := max(int(group*0.8/float64(m)), 1)
	// Values are printed above the bars when every one of them fits.
	labelsFit := true
	for _, v := range all {
		if ya.ok(v) && textWidth(FormatValue(v)) > barW+4 {
			labelsFit = false
		}
	}
	base := c.bottom
	if b.LogY {
		base = ya.pos(math.Pow(10, ya.lo))
	}
	for ci, cat := range b.Categories {
		gx := c.left + int(group*float64(ci))
		x0 := gx + int(group*0.1)
		for si, s := range b.Series {
			v := s.Values[ci]
			if !ya.ok(v) {
				continue
			}
			y := ya.pos(v)
			bx := x0 + si*barW
			if y < base {
				c.rect(bx, y, bx+barW-1, base, SeriesColor(si))
			}
			if labelsFit {
				c.textCentered(bx+barW/2, y-3, FormatValue(v), grey)
			}
		}
		// Category labels: alternate rows when they would collide, cut
		// when they are still too long.
		row := 0
		if textWidth(longest(b.Categories)) > int(group)-4 {
			row = ci % 2
		}
		lbl := cat
		if textWidth(lbl) > int(2*group)-6 {
			for len(lbl) > 2 && textWidth(lbl+"~") > int(2*group)-6 {
				lbl = lbl[:len(lbl)-1]
			}
			lbl += "~"
		}
		cx := gx + int(group/2)
		c.vline(cx, c.bottom, c.bottom+3, black)
		c.textCentered(cx, c.bottom+18+row*15, lbl, black)
	}
	return c.img, nil
}

func longest(ss []string) string {
	l := ""
	for _, s := range ss {
		if len(s) > len(l) {
			l = s
		}
	}
	return l
}

// Image renders the line chart.
func (l *Lines) Image() (*image.RGBA, error) {
	if len(l.Series) == 0 {
		return nil, errors.New("chart: a line chart needs series")
	}
	var xs, ys []float64
	for _, s := range l.Series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("chart: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		xs = append(xs, s.X...)
		ys = append(ys, s.Y...)
	}
	c := newCanvas()
	names := make([]string, len(l.Series))
	for i, s := range l.Series {
		names[i] = s.Name
	}
	c.header(l.Title, names)
	ya := newAxis(ys, l.LogY, c.bottom, c.top)
	c.yAxis(ya, l.YLabel)
	xa := newXAxis(xs, l.LogX, c.left+10, c.right-10)
	for _, t := range xa.ticks {
		x := xa.pos(t)
		c.vline(x, c.bottom, c.bottom+4, black)
		c.textCentered(x, c.bottom+18, FormatValue(t), black)
	}
	if l.XLabel != "" {
		c.textCentered((c.left+c.right)/2, c.bottom+44, l.XLabel, black)
	}
	for si, s := range l.Series {
		col := SeriesColor(si)
		px, py, have := 0, 0, false
		for i := range s.X {
			if !xa.ok(s.X[i]) || !ya.ok(s.Y[i]) {
				continue
			}
			x, y := xa.pos(s.X[i]), ya.pos(s.Y[i])
			if have {
				c.line(px, py, x, y, col)
			}
			c.rect(x-3, y-3, x+4, y+4, col)
			px, py, have = x, y, true
		}
	}
	return c.img, nil
}

// newXAxis fits the horizontal axis of a line chart: linear from the
// smallest to the largest x, or logarithmic with a tick at each distinct
// x when there are few (a ramp's steps), at decades otherwise.
func newXAxis(vals []float64, log bool, p0, p1 int) axis {
	if !log {
		a := axis{p0: p0, p1: p1}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if math.IsInf(lo, 1) {
			lo, hi = 0, 1
		}
		if hi <= lo {
			hi = lo + 1
		}
		step := niceStep((hi - lo) / 8)
		a.lo, a.hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
		for v := a.lo; v <= a.hi+step/2; v += step {
			a.ticks = append(a.ticks, v)
		}
		return a
	}
	distinct := map[float64]bool{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) {
			distinct[v] = true
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if len(distinct) == 0 || len(distinct) > 16 {
		a := newAxis(vals, true, p0, p1)
		return a
	}
	a := axis{log: true, p0: p0, p1: p1, lo: math.Log10(lo), hi: math.Log10(hi)}
	if a.hi <= a.lo {
		a.lo, a.hi = a.lo-0.5, a.hi+0.5
	}
	for v := range distinct {
		a.ticks = append(a.ticks, v)
	}
	return a
}
