// The dashboard in headless Chromium (Debian's chromium, driven with
// chromedp) against a real hub and real client processes
// (BRS_BINARY serve): login refused and accepted, the fleet page's states
// for ok, failing, stale and unreachable hosts, a new op shown without a
// reload, the ops filter and pagination, the instance page's charts.
// Screenshots of each page go to BRS_SCREENSHOTS. Run by
// tests/interop/run_dashboard.sh (which skips without Go or chromium).
package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

type env struct {
	t   *testing.T
	bin string
	dir string
}

// run runs the binary in the test's dir; stdin is `in`.
func (e *env) run(in string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.dir
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		e.t.Fatalf("%s %v: %v\n%s%s", e.bin, args, err, out, stderr)
	}
	return string(out)
}

// serve starts `serve --data data` and waits until it listens; the
// process is stopped (SIGTERM) when the test ends.
func (e *env) serve(data string) (*exec.Cmd, string) {
	e.t.Helper()
	log, err := os.Create(filepath.Join(e.dir, data+".log"))
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "serve", "--data", data, "--listen", "127.0.0.1:0",
		"--heartbeat", "1", "--retry-delay", "1")
	cmd.Dir = e.dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { stop(cmd) })
	for i := 0; i < 600; i++ {
		b, _ := os.ReadFile(filepath.Join(e.dir, data, "daemon.json"))
		var info struct{ Listen string }
		if json.Unmarshal(b, &info) == nil && info.Listen != "" {
			return cmd, info.Listen
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("%s did not start", data)
	return nil, ""
}

func stop(cmd *exec.Cmd) {
	if cmd.ProcessState == nil && cmd.Process != nil {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

// backup is one backup op started `ago` ago, as `ops add` takes it.
func backup(plan, status string, ago time.Duration) string {
	start := time.Now().Add(-ago).UnixMilli()
	return fmt.Sprintf(`{"repoId":"repo1","repoGuid":"g-repo1","planId":%q,"status":%q,`+
		`"unixTimeStartMs":"%d","unixTimeEndMs":"%d","displayMessage":"backup %s",`+
		`"operationBackup":{"lastStatus":{"summary":{"dataAdded":"%d"}}}}`+"\n",
		plan, status, start, start+int64(30000+ago.Milliseconds()%60000), plan, 1048576+ago.Milliseconds()%5000000)
}

func (e *env) addOps(data, jsonl string) {
	e.t.Helper()
	path := filepath.Join(e.dir, data+"-ops.jsonl")
	if err := os.WriteFile(path, []byte(jsonl), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.run("", "ops", "add", "--data", data, path)
}

// A client paired with the hub, with one repo and the given ops, serving.
func (e *env) client(name, hub, ops string) *exec.Cmd {
	e.run("", "init", "--data", name, "--instance", name)
	token := strings.SplitN(e.run("", "pair", "new", "--data", "hub", "--label", name,
		"--grant", "READ_OPERATIONS:*"), "\n", 2)[0]
	e.run("", "join", token, "--url", "http://"+hub, "--data", name)
	e.run("", "repo", "add", "--data", name, "--id", "repo1", "--guid", "g-repo1", "--uri", "/r1")
	e.addOps(name, ops)
	cmd, _ := e.serve(name)
	return cmd
}

// health is the hub's report, as `health --json` prints it.
type health struct {
	Plans []struct {
		Instance string `json:"instance"`
		Plan     string `json:"plan"`
		State    string `json:"state"`
	} `json:"plans"`
}

func (e *env) states() map[string]string {
	cmd := exec.Command(e.bin, "health", "--data", "hub", "--json")
	cmd.Dir = e.dir
	out, _ := cmd.Output()
	var h health
	_ = json.Unmarshal(out, &h)
	m := map[string]string{}
	for _, p := range h.Plans {
		m[p.Instance] = p.State
	}
	return m
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestDashboard(t *testing.T) {
	bin, chromium, shots := os.Getenv("BRS_BINARY"), os.Getenv("BRS_CHROMIUM"), os.Getenv("BRS_SCREENSHOTS")
	if bin == "" || chromium == "" {
		t.Skip("BRS_BINARY and BRS_CHROMIUM not set (run through run_dashboard.sh)")
	}
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, bin: bin, dir: t.TempDir()}
	e.run("", "init", "--data", "hub", "--instance", "hub")
	e.run("pw-right\n", "user", "add", "alice", "--data", "hub")
	if err := os.WriteFile(filepath.Join(e.dir, "hub", "health.json"),
		[]byte(`{"unreachableAfter":"8s"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, hub := e.serve("hub")
	base := "http://" + hub

	// Real clients: one backing up fine (and with enough ops for two pages),
	// one failing, one whose last backup is too old, one gone away.
	okOps := ""
	for i := 0; i < 75; i++ {
		okOps += backup("daily", "STATUS_SUCCESS", time.Duration(75-i)*8*time.Hour)
	}
	okOps += backup("daily", "STATUS_SUCCESS", time.Hour)
	e.client("c-ok", hub, okOps)
	e.client("c-failing", hub, backup("daily", "STATUS_ERROR", time.Hour))
	e.client("c-stale", hub, backup("daily", "STATUS_SUCCESS", 40*time.Hour))
	gone := e.client("c-gone", hub, backup("daily", "STATUS_SUCCESS", time.Hour))
	waitFor(t, "the four clients' ops at the hub", 60*time.Second, func() bool {
		s := e.states()
		return s["c-ok"] == "ok" && s["c-failing"] == "failing" && s["c-stale"] == "stale" &&
			s["c-gone"] == "ok"
	})
	stop(gone)
	waitFor(t, "c-gone unreachable", 60*time.Second, func() bool { return e.states()["c-gone"] == "unreachable" })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // CI runs as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evalBool := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	evalJSON := func(js string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("JSON.stringify(" + js + ")"))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		if err := json.Unmarshal([]byte(v), out); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	waitJS := func(what, js string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (%s)", what, js)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	t.Run("WrongPasswordIsRefused", func(t *testing.T) {
		do("login form", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("login-user")))
		shot("login")
		do("wrong password", chromedp.SendKeys(chromedp.ID("login-user"), "alice"),
			chromedp.SendKeys(chromedp.ID("login-password"), "not-the-password"),
			chromedp.Click(chromedp.ID("login-submit")))
		waitJS("the refusal", `document.getElementById("login-error").textContent.includes("Wrong")`)
		if !evalBool(`document.getElementById("nav").hidden`) {
			t.Fatal("the pages' navigation is shown after a wrong password")
		}
		shot("login-refused")
	})

	t.Run("FleetShowsEachHostsState", func(t *testing.T) {
		do("log in", chromedp.SetValue(chromedp.ID("login-user"), "alice"),
			chromedp.SetValue(chromedp.ID("login-password"), "pw-right"),
			chromedp.Click(chromedp.ID("login-submit")),
			chromedp.WaitVisible(chromedp.ID("fleet-table")))
		want := map[string]string{"c-ok": "ok", "c-failing": "failing", "c-stale": "stale",
			"c-gone": "unreachable", "hub": "no_plans"}
		for inst, state := range want {
			waitJS(inst+" "+state, fmt.Sprintf(
				`!!document.querySelector('#fleet-table tr[data-instance=%q][data-state=%q]')`, inst, state))
		}
		var counts map[string]string
		evalJSON(`Object.fromEntries([...document.querySelectorAll('#fleet-counts li')].map(l => [l.dataset.state, l.querySelector('b').textContent]))`, &counts)
		for _, s := range []string{"ok", "failing", "stale", "unreachable", "no_plans"} {
			if counts[s] != "1" {
				t.Errorf("count of %s = %q, want 1 (%v)", s, counts[s], counts)
			}
		}
		// Filter and sort.
		do("filter", chromedp.SendKeys(chromedp.ID("fleet-filter"), "c-st"))
		waitJS("filtered rows", `document.querySelectorAll('#fleet-table tbody tr').length === 1`)
		do("clear filter", chromedp.SetValue(chromedp.ID("fleet-filter"), ""))
		evalBool(`document.getElementById("fleet-filter").dispatchEvent(new Event("input"))`)
		waitJS("all rows", `document.querySelectorAll('#fleet-table tbody tr').length === 5`)
		var first string
		evalJSON(`document.querySelector('#fleet-table tbody tr').dataset.instance`, &first)
		if first != "c-failing" {
			t.Errorf("sorted by state, the first row is %q, want the failing host", first)
		}
		shot("fleet")
	})

	t.Run("NewOpAppearsWithoutReload", func(t *testing.T) {
		evalBool(`window.__noReload = true`)
		e.addOps("c-failing", backup("daily", "STATUS_SUCCESS", time.Minute))
		waitJS("c-failing recovered on the open page",
			`!!document.querySelector('#fleet-table tr[data-instance="c-failing"][data-state="ok"]')`)
		if !evalBool(`window.__noReload === true`) {
			t.Fatal("the page was reloaded")
		}
	})

	t.Run("OpsFilterAndPagination", func(t *testing.T) {
		do("ops page", chromedp.Navigate(base+"/#/ops"), chromedp.WaitVisible(chromedp.ID("ops-table")))
		do("filter c-ok", chromedp.SetValue(chromedp.ID("ops-instance"), "c-ok"))
		evalBool(`document.getElementById("ops-instance").dispatchEvent(new Event("change"))`)
		waitJS("first page", `[...document.querySelectorAll('#ops-table tbody tr')].length === 50 && [...document.querySelectorAll('#ops-table tbody tr td:nth-child(2)')].every(td => td.textContent === "c-ok")`)
		var page1 []string
		evalJSON(`[...document.querySelectorAll('#ops-table tbody tr')].map(r => r.dataset.op)`, &page1)
		shot("ops")
		do("older", chromedp.Click(chromedp.ID("ops-older")))
		waitJS("second page", `document.getElementById("ops-page").textContent === "page 2"`)
		var page2 []string
		evalJSON(`[...document.querySelectorAll('#ops-table tbody tr')].map(r => r.dataset.op)`, &page2)
		if len(page2) != 26 {
			t.Fatalf("page 2 has %d ops, want 26 (76 ops of c-ok)", len(page2))
		}
		if !evalBool(`document.getElementById("ops-older").disabled`) {
			t.Error("Older is enabled on the last page")
		}
		seen := map[string]bool{}
		for _, id := range append(page1, page2...) {
			if seen[id] {
				t.Fatalf("op %s on both pages", id)
			}
			seen[id] = true
		}
	})

	t.Run("InstancePageDrawsCharts", func(t *testing.T) {
		do("instance page", chromedp.Navigate(base+"/#/instance/c-ok"))
		waitJS("charts", `document.querySelectorAll('svg polyline').length === 2 && document.querySelectorAll('svg rect').length > 70`)
		shot("instance")
	})

	t.Run("LogoutEndsTheSession", func(t *testing.T) {
		do("logout", chromedp.Navigate(base+"/#/fleet"), chromedp.WaitVisible(chromedp.ID("logout")),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-user")))
		do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("login-user")))
	})
}
