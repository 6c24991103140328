package dashboard

// The fleet page's time to interactive at fleet scale (issue #12 §4), in
// headless Chromium: a measurement, not a test; it runs only when
// bench/dashboard_browser.sh gives it a hub (BRS_BENCH_URL, the admin token
// in BRS_BENCH_TOKEN). Each visit is a fresh load of the page with the
// session cookie; the time is the page's own performance mark
// "fleet-drawn" (every instance's row drawn, from navigation start), and
// the filter is then checked to answer. Prints the median and spread.

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestFleetPageInteractive(t *testing.T) {
	base, token, chromium := os.Getenv("BRS_BENCH_URL"), os.Getenv("BRS_BENCH_TOKEN"), os.Getenv("BRS_CHROMIUM")
	if base == "" || token == "" || chromium == "" {
		t.Skip("a measurement: run by bench/dashboard_browser.sh")
	}
	runs := 11
	if n, err := strconv.Atoi(os.Getenv("BRS_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 10*time.Minute)
	defer cancel()
	b := &browser{ctx: ctx, shots: t.TempDir()}

	b.do(t, "log in with the admin token", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("login-user")),
		chromedp.SetValue(chromedp.ID("login-password"), token), chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("fleet-table")))
	var instances int
	b.evalJSON(t, `0`, &instances)
	var times []float64
	for i := 0; i < runs; i++ {
		b.do(t, "reload", chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/#/fleet"))
		b.waitJS(t, "the fleet drawn", `performance.getEntriesByName("fleet-drawn").length > 0`)
		var ms float64
		b.evalJSON(t, `performance.getEntriesByName("fleet-drawn")[0].startTime`, &ms)
		b.evalJSON(t, `document.querySelectorAll('#fleet-table tbody tr').length`, &instances)
		times = append(times, ms)
	}
	if instances < 1000 {
		t.Fatalf("the page drew %d instances; the bench's hub has 1 000", instances)
	}
	// Interactive: the filter answers.
	b.do(t, "filter", chromedp.SendKeys(chromedp.ID("fleet-filter"), "host-99"))
	b.waitJS(t, "filtered", `document.querySelectorAll('#fleet-table tbody tr').length === 11`)
	sort.Float64s(times)
	fmt.Printf("fleet page drawn (%d instances), ms from navigation start, %d visits: median %.0f, min %.0f, max %.0f\n",
		instances, runs, times[len(times)/2], times[0], times[len(times)-1])
}
