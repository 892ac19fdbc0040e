// Command mkicon draws Kluis's application icon, assets/icon.png.
//
// The icon is a plain safe door on a calm blue tile: a rounded body with a
// combination dial, a handle and two hinges. It is drawn from signed distance
// functions with 4×4 supersampling, so edges are smooth without any image
// library beyond the standard one. Run it from the repository root after
// changing a colour or a shape, and commit the PNG it writes:
//
//	go run ./assets/internal/mkicon
//
// It must stay deterministic: the same source always writes the same bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size = 512

// Palette: a muted blue tile, a warm off-white door and a dark slate for
// details. Contrast between tile and door is high enough to read at 32 px.
var (
	tileTop    = rgb(0x3b, 0x6e, 0x8f)
	tileBottom = rgb(0x2c, 0x55, 0x70)
	doorFill   = rgb(0xf4, 0xf1, 0xea)
	doorInset  = rgb(0xe3, 0xde, 0xd2)
	detail     = rgb(0x24, 0x3b, 0x4a)
	dialFace   = rgb(0xfb, 0xfa, 0xf6)
	accent     = rgb(0xd9, 0xa4, 0x41)
)

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{r, g, b, 0xff} }

// shape reports the signed distance from (x, y) to its outline in pixels:
// negative inside, positive outside.
type shape func(x, y float64) float64

// layer is one filled shape. paint picks the colour at a point, which lets
// the tile carry a gentle vertical gradient.
type layer struct {
	in    shape
	paint func(x, y float64) color.NRGBA
}

func solid(c color.NRGBA) func(x, y float64) color.NRGBA {
	return func(float64, float64) color.NRGBA { return c }
}

// roundRect is a rectangle from (x0, y0) to (x1, y1) with corner radius r.
func roundRect(x0, y0, x1, y1, r float64) shape {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hw, hh := (x1-x0)/2-r, (y1-y0)/2-r
	return func(x, y float64) float64 {
		dx := math.Abs(x-cx) - hw
		dy := math.Abs(y-cy) - hh
		out := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
		return out + math.Min(math.Max(dx, dy), 0) - r
	}
}

func circle(cx, cy, r float64) shape {
	return func(x, y float64) float64 { return math.Hypot(x-cx, y-cy) - r }
}

// ring is the band between radii r-w/2 and r+w/2.
func ring(cx, cy, r, w float64) shape {
	return func(x, y float64) float64 { return math.Abs(math.Hypot(x-cx, y-cy)-r) - w/2 }
}

// segment is a line from (x0, y0) to (x1, y1) with round caps, w wide.
func segment(x0, y0, x1, y1, w float64) shape {
	return func(x, y float64) float64 {
		px, py := x-x0, y-y0
		vx, vy := x1-x0, y1-y0
		t := math.Max(0, math.Min(1, (px*vx+py*vy)/(vx*vx+vy*vy)))
		return math.Hypot(px-t*vx, py-t*vy) - w/2
	}
}

func layers() []layer {
	const (
		doorX0, doorY0, doorX1, doorY1 = 100.0, 96.0, 412.0, 392.0
		dialX, dialY                   = 266.0, 244.0
	)
	ls := []layer{
		{roundRect(0, 0, size, size, 112), func(_, y float64) color.NRGBA {
			return mix(tileTop, tileBottom, y/size)
		}},
		// Feet, drawn before the body so the body overlaps their tops.
		{roundRect(134, 372, 190, 424, 12), solid(detail)},
		{roundRect(322, 372, 378, 424, 12), solid(detail)},
		{roundRect(doorX0, doorY0, doorX1, doorY1, 40), solid(doorFill)},
		{roundRect(doorX0+26, doorY0+26, doorX1-26, doorY1-26, 24), solid(doorInset)},
		{roundRect(doorX0+34, doorY0+34, doorX1-34, doorY1-34, 18), solid(doorFill)},
		// Hinges on the left edge.
		{roundRect(86, 140, 112, 196, 9), solid(detail)},
		{roundRect(86, 292, 112, 348, 9), solid(detail)},
		// Dial: a dark ring, a light face, ticks and a pointer.
		{circle(dialX, dialY, 78), solid(detail)},
		{circle(dialX, dialY, 64), solid(dialFace)},
	}
	for i := 0; i < 12; i++ {
		a := float64(i) * math.Pi / 6
		inner, outer := 50.0, 58.0
		if i%3 == 0 {
			inner = 44
		}
		ls = append(ls, layer{segment(
			dialX+inner*math.Sin(a), dialY-inner*math.Cos(a),
			dialX+outer*math.Sin(a), dialY-outer*math.Cos(a), 5), solid(detail)})
	}
	ls = append(ls,
		layer{ring(dialX, dialY, 24, 8), solid(detail)},
		layer{circle(dialX, dialY, 10), solid(accent)},
		layer{segment(dialX, dialY, dialX+26, dialY-26, 9), solid(accent)},
		// Handle to the right of the dial.
		layer{segment(362, 196, 362, 292, 18), solid(detail)},
	)
	return ls
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	l := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*t)) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), l(a.A, b.A)}
}

// render draws the layers with 4×4 supersampling per pixel and "over"
// compositing in premultiplied float space.
func render(ls []layer) *image.NRGBA {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+0.5)/ss
					y := float64(py) + (float64(sy)+0.5)/ss
					var cr, cg, cb, ca float64
					for _, l := range ls {
						if l.in(x, y) > 0 {
							continue
						}
						c := l.paint(x, y)
						ca = 1 // every layer is opaque
						cr, cg, cb = float64(c.R), float64(c.G), float64(c.B)
					}
					r += cr * ca
					g += cg * ca
					b += cb * ca
					a += ca
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)),
				G: uint8(math.Round(g / a)),
				B: uint8(math.Round(b / a)),
				A: uint8(math.Round(255 * a / (ss * ss))),
			})
		}
	}
	return img
}

func main() {
	out := flag.String("o", "assets/icon.png", "where to write the PNG")
	flag.Parse()

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, render(layers())); err != nil {
		fmt.Fprintln(os.Stderr, "mkicon: failed to encode PNG:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkicon:", err)
		os.Exit(1)
	}
}
