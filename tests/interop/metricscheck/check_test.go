package main

import (
	"strings"
	"testing"
)

const good = `# HELP app_requests_total Requests served.
# TYPE app_requests_total counter
app_requests_total{result="ok"} 5
app_requests_total{result="auth"} 1
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.1"} 2
app_latency_seconds_bucket{le="+Inf"} 3
app_latency_seconds_sum 0.5
app_latency_seconds_count 3
`

func TestGoodExpositionWithWantedSeries(t *testing.T) {
	p := Check(good, []string{`app_requests_total{result="ok"}>=5`, `app_latency_seconds_count>=3`,
		`app_requests_total>=1`})
	if len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

func TestProblemsAreFound(t *testing.T) {
	cases := map[string]struct {
		text, want, problem string
	}{
		"parse":          {"app_x{le=\"1\" 3\n", "", "parse:"},
		"lint counter":   {"# HELP app_x Things.\n# TYPE app_x counter\napp_x 1\n", "", `should have "_total" suffix`},
		"lint no help":   {"# TYPE app_y_total counter\napp_y_total 1\n", "", "no help text"},
		"missing family": {good, `app_nope_total>=1`, "no such metric family"},
		"missing label":  {good, `app_requests_total{result="timeout"}>=1`, "no sample with those labels"},
		"too small":      {good, `app_requests_total{result="auth"}>=2`, "got 1"},
		"histogram":      {good, `app_latency_seconds_count>=4`, "got 3"},
	}
	for name, c := range cases {
		var want []string
		if c.want != "" {
			want = []string{c.want}
		}
		p := Check(c.text, want)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.problem) {
			t.Errorf("%s: problems %v, want one containing %q", name, p, c.problem)
		}
	}
}
