package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var wantRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?>=([0-9.eE+-]+)$`)
var labelRE = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"$`)

// Check returns every problem with the exposition: parse errors, lint
// problems, and wanted samples that are missing or too small.
func Check(text string, want []string) []string {
	var problems []string
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	lint, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		problems = append(problems, "lint: "+err.Error())
	}
	for _, p := range lint {
		problems = append(problems, fmt.Sprintf("lint %s: %s", p.Metric, p.Text))
	}
	for _, w := range want {
		if p := checkWant(families, w); p != "" {
			problems = append(problems, p)
		}
	}
	sort.Strings(problems)
	return problems
}

func checkWant(families map[string]*dto.MetricFamily, w string) string {
	m := wantRE.FindStringSubmatch(w)
	if m == nil {
		return fmt.Sprintf("want %q: not NAME{labels}>=N", w)
	}
	name, labelText, minText := m[1], m[3], m[4]
	min, err := strconv.ParseFloat(minText, 64)
	if err != nil {
		return fmt.Sprintf("want %q: bad number", w)
	}
	labels := map[string]string{}
	if labelText != "" {
		for _, kv := range strings.Split(labelText, ",") {
			lm := labelRE.FindStringSubmatch(strings.TrimSpace(kv))
			if lm == nil {
				return fmt.Sprintf("want %q: bad label %q", w, kv)
			}
			labels[lm[1]] = lm[2]
		}
	}
	family, histCount := families[name], false
	if family == nil && strings.HasSuffix(name, "_count") {
		family, histCount = families[strings.TrimSuffix(name, "_count")], true
	}
	if family == nil {
		return fmt.Sprintf("want %s: no such metric family", w)
	}
	best, found := 0.0, false
	for _, metric := range family.GetMetric() {
		if !matches(metric, labels) {
			continue
		}
		v, ok := value(family.GetType(), metric, histCount)
		if !ok {
			continue
		}
		if !found || v > best {
			best, found = v, true
		}
	}
	switch {
	case !found:
		return fmt.Sprintf("want %s: no sample with those labels", w)
	case best < min:
		return fmt.Sprintf("want %s: got %g", w, best)
	}
	return ""
}

func matches(metric *dto.Metric, labels map[string]string) bool {
	have := map[string]string{}
	for _, l := range metric.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for k, v := range labels {
		if have[k] != v {
			return false
		}
	}
	return true
}

func value(t dto.MetricType, metric *dto.Metric, histCount bool) (float64, bool) {
	switch {
	case histCount && t == dto.MetricType_HISTOGRAM:
		return float64(metric.GetHistogram().GetSampleCount()), true
	case t == dto.MetricType_COUNTER:
		return metric.GetCounter().GetValue(), true
	case t == dto.MetricType_GAUGE:
		return metric.GetGauge().GetValue(), true
	case t == dto.MetricType_UNTYPED:
		return metric.GetUntyped().GetValue(), true
	}
	return 0, false
}
