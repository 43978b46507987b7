package timeline

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed assets/page.html assets/page.css assets/page.js
var assets embed.FS

// page is what the template fills: the assets, their hashes for the
// page's Content-Security-Policy, and the data.
type page struct {
	Title      string
	CSS        template.CSS
	JS         template.JS
	StyleHash  string
	ScriptHash string
	Data       pageData
}

// pageData is the JSON embedded in the page: the input model, versioned.
type pageData struct {
	Version int   `json:"version"`
	Runs    []Run `json:"runs"`
}

var (
	pageTmpl   *template.Template
	pageCSS    string
	pageJS     string
	styleHash  string
	scriptHash string
)

func init() {
	read := func(name string) string {
		b, err := assets.ReadFile(name)
		if err != nil {
			panic(err) // embedded: cannot happen in a built binary
		}
		return string(b)
	}
	pageCSS, pageJS = read("assets/page.css"), read("assets/page.js")
	styleHash, scriptHash = cspHash(pageCSS), cspHash(pageJS)
	pageTmpl = template.Must(template.New("page").Parse(read("assets/page.html")))
}

// cspHash is the Content-Security-Policy source that allows exactly one
// inline script or style: the page runs its own code and nothing else,
// whatever the data holds.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write writes one self-contained HTML page showing runs: one run, or two
// (or more) side by side with one step cursor, e.g. the same seed under two
// strategies. The page loads nothing from the network: its script, style
// and data are inline, and its Content-Security-Policy forbids anything
// else. The same runs give the same bytes. Write fails, writing nothing,
// when a run breaks the input model's contract (Run.Validate).
func Write(w io.Writer, runs ...Run) error {
	if len(runs) == 0 {
		return fmt.Errorf("timeline: no run to show")
	}
	titles := make([]string, len(runs))
	for i := range runs {
		if err := runs[i].Validate(); err != nil {
			return fmt.Errorf("timeline: run %d (%s): %w", i+1, runs[i].Title, err)
		}
		titles[i] = runs[i].Title
	}
	p := page{
		Title:      strings.Join(titles, " | "),
		CSS:        template.CSS(pageCSS),
		JS:         template.JS(pageJS),
		StyleHash:  styleHash,
		ScriptHash: scriptHash,
		Data:       pageData{Version: Version, Runs: runs},
	}
	// Render fully before writing, so that a failure writes nothing.
	var b strings.Builder
	if err := pageTmpl.Execute(&b, p); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	return nil
}
