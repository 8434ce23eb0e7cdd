// Command genlogo draws the Descent logo: the contour lines of an
// elongated bowl and the zigzag path of gradient descent down to its
// minimum. It writes logo-svg.svg, logo-32x32.png and logo-64x64.png into
// the current directory (run it with go generate in install/).
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"strings"
)

// The drawing lives in a 64×64 box.
const size = 64

var (
	background = color.NRGBA{0x14, 0x2f, 0x4c, 0xff}
	contour    = color.NRGBA{0x00, 0xad, 0xd8, 0xff}
	pathColor  = color.NRGBA{0xff, 0xc8, 0x3d, 0xff}
)

const (
	corner      = 12.0
	cx, cy      = 40.0, 40.0
	ringWidth   = 2.2
	pathWidth   = 3.2
	dotRadius   = 4.0
	startRadius = 3.0
)

// rings are the semi-axes of the contour ellipses.
var rings = [][2]float64{{25, 15}, {16, 9.5}, {8, 4.8}}

// path is the descent trajectory, ending at the minimum.
var path = [][2]float64{{9, 14}, {27, 27}, {17, 33}, {33, 37}, {29, 41}, {cx, cy}}

func main() {
	if err := os.WriteFile("logo-svg.svg", []byte(svg()), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, px := range []int{32, 64} {
		f, err := os.Create(fmt.Sprintf("logo-%dx%d.png", px, px))
		if err != nil {
			log.Fatal(err)
		}
		if err := png.Encode(f, raster(px)); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

func svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", size, size, size, size)
	fmt.Fprintf(&b, `  <title>Descent</title>`+"\n")
	fmt.Fprintf(&b, `  <rect width="%d" height="%d" rx="%g" fill="%s"/>`+"\n", size, size, corner, hex(background))
	for _, r := range rings {
		fmt.Fprintf(&b, `  <ellipse cx="%g" cy="%g" rx="%g" ry="%g" fill="none" stroke="%s" stroke-width="%g"/>`+"\n", cx, cy, r[0], r[1], hex(contour), ringWidth)
	}
	pts := make([]string, len(path))
	for i, p := range path {
		pts[i] = fmt.Sprintf("%g,%g", p[0], p[1])
	}
	fmt.Fprintf(&b, `  <polyline points="%s" fill="none" stroke="%s" stroke-width="%g" stroke-linecap="round" stroke-linejoin="round"/>`+"\n", strings.Join(pts, " "), hex(pathColor), pathWidth)
	fmt.Fprintf(&b, `  <circle cx="%g" cy="%g" r="%g" fill="%s"/>`+"\n", path[0][0], path[0][1], startRadius, hex(pathColor))
	fmt.Fprintf(&b, `  <circle cx="%g" cy="%g" r="%g" fill="%s"/>`+"\n", cx, cy, dotRadius, hex(pathColor))
	b.WriteString("</svg>\n")
	return b.String()
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// raster draws the logo at px×px pixels, 4×4 samples per pixel.
func raster(px int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	const ss = 4
	scale := float64(size) / float64(px)
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			var r, g, bl, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) * scale
					v := (float64(y) + (float64(sy)+0.5)/ss) * scale
					c, ok := sample(u, v)
					if !ok {
						continue
					}
					r += float64(c.R)
					g += float64(c.G)
					bl += float64(c.B)
					a++
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(r / a), uint8(g / a), uint8(bl / a), uint8(255 * a / (ss * ss))})
		}
	}
	return img
}

// sample returns the colour at (u, v), or false outside the rounded square.
func sample(u, v float64) (color.NRGBA, bool) {
	if !insideRounded(u, v) {
		return color.NRGBA{}, false
	}
	c := background
	for _, r := range rings {
		if ellipseDistance(u, v, r[0], r[1]) <= ringWidth/2 {
			c = contour
		}
	}
	for i := 1; i < len(path); i++ {
		if segmentDistance(u, v, path[i-1], path[i]) <= pathWidth/2 {
			c = pathColor
		}
	}
	if math.Hypot(u-path[0][0], v-path[0][1]) <= startRadius || math.Hypot(u-cx, v-cy) <= dotRadius {
		c = pathColor
	}
	return c, true
}

func insideRounded(u, v float64) bool {
	dx := math.Max(math.Max(corner-u, u-(size-corner)), 0)
	dy := math.Max(math.Max(corner-v, v-(size-corner)), 0)
	return dx*dx+dy*dy <= corner*corner
}

// ellipseDistance approximates the distance from (u, v) to the ellipse
// with semi-axes a, b around the centre by a first-order expansion.
func ellipseDistance(u, v, a, b float64) float64 {
	x, y := (u-cx)/a, (v-cy)/b
	r := math.Hypot(x, y)
	if r == 0 {
		return math.Min(a, b)
	}
	gx, gy := x/(a*r), y/(b*r)
	return math.Abs(r-1) / math.Hypot(gx, gy)
}

func segmentDistance(u, v float64, p, q [2]float64) float64 {
	dx, dy := q[0]-p[0], q[1]-p[1]
	t := ((u-p[0])*dx + (v-p[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(u-p[0]-t*dx, v-p[1]-t*dy)
}
