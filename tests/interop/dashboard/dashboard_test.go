// The dashboard in headless Chromium (Debian's chromium, driven with
// chromedp) against a real hub and real client processes
// (BRS_BINARY serve): login refused and accepted, the fleet page's states
// for ok, failing, stale and unreachable hosts, a new op shown without a
// reload (on the fleet and ops pages), the ops filters (instance, status,
// time) and pagination checked against the hub's store, the instance
// page's charts and an op's log fetched from its client, config pushed
// from the page (applied, refused), a
// token made in the page pairing a new client (`backrest-sync join`), a
// client revoked in the page refused at its next session; on every page,
// each control has an accessible name and Tab reaches it.
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

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

type env struct {
	t     *testing.T
	owner *testing.T // whose end stops the processes started (nil: t)
	bin   string
	dir   string
}

// in is e for a subtest: its failures end the subtest, not its parent;
// processes it starts live until the parent ends.
func (e *env) in(t *testing.T) *env {
	owner := e.owner
	if owner == nil {
		owner = e.t
	}
	return &env{t: t, owner: owner, bin: e.bin, dir: e.dir}
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
	owner := e.owner
	if owner == nil {
		owner = e.t
	}
	owner.Cleanup(func() { stop(cmd) })
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
	return backupOp(plan, status, ago, "backup "+plan, "")
}

// backupOp is backup with its display message and logref ("": none).
func backupOp(plan, status string, ago time.Duration, message, logref string) string {
	start := time.Now().Add(-ago).UnixMilli()
	return fmt.Sprintf(`{"repoId":"repo1","repoGuid":"g-repo1","planId":%q,"status":%q,`+
		`"unixTimeStartMs":"%d","unixTimeEndMs":"%d","displayMessage":%q,"logref":%q,`+
		`"operationBackup":{"lastStatus":{"summary":{"dataAdded":"%d"}}}}`+"\n",
		plan, status, start, start+int64(30000+ago.Milliseconds()%60000), message, logref,
		1048576+ago.Milliseconds()%5000000)
}

// op is one line of `ops list --json`.
type op struct {
	ID              string `json:"id"`
	InstanceID      string `json:"instanceId"`
	Status          string `json:"status"`
	UnixTimeStartMs string `json:"unixTimeStartMs"`
	DisplayMessage  string `json:"displayMessage"`
	Logref          string `json:"logref"`
}

// ops lists the ops of `data` (newest first) with `ops list` and its
// filter flags.
func (e *env) ops(data string, flags ...string) []op {
	e.t.Helper()
	out := e.run("", append([]string{"ops", "list", "--data", data, "--json"}, flags...)...)
	var list []op
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var o op
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			e.t.Fatalf("ops list: %v: %s", err, line)
		}
		list = append(list, o)
	}
	return list
}

// addLogs stores `text` as the log of each of data's ops with a logref
// (`logs add`), so that the client can serve it.
func (e *env) addLogs(data string, text func(logref string) string) {
	e.t.Helper()
	for _, o := range e.ops(data) {
		if o.Logref == "" {
			continue
		}
		path := filepath.Join(e.dir, data+"-"+o.Logref+".log")
		if err := os.WriteFile(path, []byte(text(o.Logref)), 0o600); err != nil {
			e.t.Fatal(err)
		}
		e.run("", "logs", "add", o.Logref, path, "--data", data, "--op", o.ID)
	}
}

func logText(logref string) string {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "%s: restic says line %d\n", logref, i)
	}
	return b.String()
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
func (e *env) client(name, hub, ops string, joinFlags ...string) *exec.Cmd {
	token := strings.SplitN(e.run("", "pair", "new", "--data", "hub", "--label", name,
		"--grant", "READ_OPERATIONS:*"), "\n", 2)[0]
	return e.joined(name, hub, token, ops, joinFlags...)
}

// A client that joins the hub with `token`, with one repo and the given
// ops, serving.
func (e *env) joined(name, hub, token, ops string, joinFlags ...string) *exec.Cmd {
	e.run("", "init", "--data", name, "--instance", name)
	e.run("", append([]string{"join", token, "--url", "http://" + hub, "--data", name}, joinFlags...)...)
	e.run("", "repo", "add", "--data", name, "--id", "repo1", "--guid", "g-repo1", "--uri", "/r1")
	e.addOps(name, ops)
	e.addLogs(name, logText)
	cmd, _ := e.serve(name)
	return cmd
}

// hubState is the state of the session to the hub `hub` as the client
// `data` reports it (`peers --json`), e.g. CONNECTION_STATE_CONNECTED.
func (e *env) hubState(data, hub string) string {
	cmd := exec.Command(e.bin, "peers", "--data", data, "--json")
	cmd.Dir = e.dir
	out, _ := cmd.Output()
	for _, line := range strings.Split(string(out), "\n") {
		var p struct {
			PeerInstanceID string `json:"peerInstanceId"`
			State          string `json:"state"`
		}
		if json.Unmarshal([]byte(line), &p) == nil && p.PeerInstanceID == hub {
			return p.State
		}
	}
	return ""
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
	okOps += backupOp("daily", "STATUS_SUCCESS", 30*time.Minute, "backup with a log", "c-ok-log-1")
	e.client("c-ok", hub, okOps)
	e.client("c-failing", hub, backup("daily", "STATUS_ERROR", time.Hour))
	e.client("c-stale", hub, backup("daily", "STATUS_SUCCESS", 40*time.Hour))
	gone := e.client("c-gone", hub, backupOp("daily", "STATUS_SUCCESS", time.Hour, "backup of c-gone", "c-gone-log-1"))
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

	b := &browser{ctx: ctx, shots: shots}
	do, shot, evalBool, evalJSON, waitJS := b.do, b.shot, b.evalBool, b.evalJSON, b.waitJS

	t.Run("WrongPasswordIsRefused", func(t *testing.T) {
		do(t, "login form", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("login-user")))
		shot(t, "login")
		b.checkA11y(t, "login")
		do(t, "wrong password", chromedp.SendKeys(chromedp.ID("login-user"), "alice"),
			chromedp.SendKeys(chromedp.ID("login-password"), "not-the-password"),
			chromedp.Click(chromedp.ID("login-submit")))
		waitJS(t, "the refusal", `document.getElementById("login-error").textContent.includes("Wrong")`)
		if !evalBool(t, `getComputedStyle(document.getElementById("nav")).display === "none" && !document.getElementById("fleet-table")`) {
			t.Fatal("the pages' navigation or the fleet is shown after a wrong password")
		}
		shot(t, "login-refused")
	})

	t.Run("FleetShowsEachHostsState", func(t *testing.T) {
		do(t, "log in", chromedp.SetValue(chromedp.ID("login-user"), "alice"),
			chromedp.SetValue(chromedp.ID("login-password"), "pw-right"),
			chromedp.Click(chromedp.ID("login-submit")),
			chromedp.WaitVisible(chromedp.ID("fleet-table")))
		if !evalBool(t, `getComputedStyle(document.getElementById("login")).display === "none"`) {
			t.Error("the login form is still shown after logging in")
		}
		want := map[string]string{"c-ok": "ok", "c-failing": "failing", "c-stale": "stale",
			"c-gone": "unreachable", "hub": "no_plans"}
		for inst, state := range want {
			waitJS(t, inst+" "+state, fmt.Sprintf(
				`!!document.querySelector('#fleet-table tr[data-instance=%q][data-state=%q]')`, inst, state))
		}
		var counts map[string]string
		evalJSON(t, `Object.fromEntries([...document.querySelectorAll('#fleet-counts li')].map(l => [l.dataset.state, l.querySelector('b').textContent]))`, &counts)
		for _, s := range []string{"ok", "failing", "stale", "unreachable", "no_plans"} {
			if counts[s] != "1" {
				t.Errorf("count of %s = %q, want 1 (%v)", s, counts[s], counts)
			}
		}
		// Filter and sort.
		do(t, "filter", chromedp.SendKeys(chromedp.ID("fleet-filter"), "c-st"))
		waitJS(t, "filtered rows", `document.querySelectorAll('#fleet-table tbody tr').length === 1`)
		evalBool(t, `(f => { f.value = ""; return f.dispatchEvent(new Event("input")); })(document.getElementById("fleet-filter"))`)
		waitJS(t, "all rows", `document.querySelectorAll('#fleet-table tbody tr').length === 5`)
		var first string
		evalJSON(t, `document.querySelector('#fleet-table tbody tr').dataset.instance`, &first)
		if first != "c-failing" {
			t.Errorf("sorted by state, the first row is %q, want the failing host", first)
		}
		shot(t, "fleet")
		b.checkA11y(t, "fleet")
		// The keyboard alone: Enter on the Operations link opens that page.
		do(t, "focus the Operations link", chromedp.Focus(chromedp.ID("nav-ops")), chromedp.KeyEvent(kb.Enter))
		waitJS(t, "the ops page by keyboard", `!!document.getElementById("ops-table") && location.hash === "#/ops"`)
		do(t, "back to the fleet", chromedp.Navigate(base+"/#/fleet"), chromedp.WaitVisible(chromedp.ID("fleet-table")))
	})

	t.Run("NewOpAppearsWithoutReload", func(t *testing.T) {
		evalBool(t, `window.__noReload = true`)
		e.in(t).addOps("c-failing", backup("daily", "STATUS_SUCCESS", time.Minute))
		waitJS(t, "c-failing recovered on the open page",
			`!!document.querySelector('#fleet-table tr[data-instance="c-failing"][data-state="ok"]')`)
		if !evalBool(t, `window.__noReload === true`) {
			t.Fatal("the page was reloaded")
		}
	})

	// What the page lists, checked against the hub's store (`ops list`).
	idsOf := func(list []op) []string {
		ids := []string{}
		for _, o := range list {
			ids = append(ids, o.ID)
		}
		return ids
	}
	setField := func(t *testing.T, id, value string) {
		evalBool(t, fmt.Sprintf(`(f => { f.value = %q; return f.dispatchEvent(new Event("change")); })(document.getElementById(%q))`, value, id))
	}
	samePage := func(t *testing.T, what string, want []string) {
		t.Helper()
		wantJSON, _ := json.Marshal(want)
		waitJS(t, what, fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('#ops-table tbody tr')].map(r => r.dataset.op)) === %q`, string(wantJSON)))
	}

	t.Run("OpsFilterAndPagination", func(t *testing.T) {
		do(t, "ops page", chromedp.Navigate(base+"/#/ops"), chromedp.WaitVisible(chromedp.ID("ops-table")))
		stored := e.in(t).ops("hub", "--instance", "c-ok")
		if len(stored) <= 50 || len(stored) > 100 {
			t.Fatalf("the hub holds %d ops of c-ok, want two pages' worth", len(stored))
		}
		setField(t, "ops-instance", "c-ok")
		samePage(t, "the first page: c-ok's 50 newest", idsOf(stored[:50]))
		shot(t, "ops")
		b.checkA11y(t, "ops")
		do(t, "older", chromedp.Click(chromedp.ID("ops-older")))
		waitJS(t, "second page", `document.getElementById("ops-page").textContent === "page 2"`)
		samePage(t, "the second page: the rest of c-ok's", idsOf(stored[50:]))
		if !evalBool(t, `document.getElementById("ops-older").disabled`) {
			t.Error("Older is enabled on the last page")
		}
		do(t, "newer", chromedp.Click(chromedp.ID("ops-newer")))
		samePage(t, "the first page again", idsOf(stored[:50]))

		// Status: every instance's failed ops, as the store has them.
		var failed []op
		for _, o := range e.in(t).ops("hub") {
			if o.Status == "STATUS_ERROR" {
				failed = append(failed, o)
			}
		}
		if len(failed) == 0 {
			t.Fatal("the hub holds no failed op")
		}
		setField(t, "ops-instance", "")
		setField(t, "ops-status", "4")
		samePage(t, "the failed ops", idsOf(failed))

		// Time: c-ok's ops started within the last 2 days (a minute bound,
		// in the browser's local time as datetime-local takes it).
		setField(t, "ops-status", "")
		from := time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
		var recent []op
		for _, o := range stored {
			var ms int64
			fmt.Sscan(o.UnixTimeStartMs, &ms)
			if ms >= from.UnixMilli() {
				recent = append(recent, o)
			}
		}
		if len(recent) == 0 || len(recent) == len(stored) {
			t.Fatalf("%d of c-ok's %d ops in the last 2 days: the bound selects nothing", len(recent), len(stored))
		}
		setField(t, "ops-instance", "c-ok")
		setField(t, "ops-from", from.Local().Format("2006-01-02T15:04"))
		samePage(t, "c-ok's ops of the last 2 days", idsOf(recent))
		shot(t, "ops-filtered")
		setField(t, "ops-from", "")
		setField(t, "ops-instance", "")
	})

	// The ops page, showing the newest ops, lists a new one as it arrives.
	t.Run("NewOpAppearsOnTheOpsPage", func(t *testing.T) {
		do(t, "ops page", chromedp.Navigate(base+"/#/ops"), chromedp.WaitVisible(chromedp.ID("ops-table")))
		waitJS(t, "the unfiltered first page", `document.querySelectorAll('#ops-table tbody tr').length === 50`)
		evalBool(t, `window.__noReload = true`)
		e.in(t).addOps("c-stale", backupOp("daily", "STATUS_SUCCESS", time.Second, "a backup just now", ""))
		waitJS(t, "the new op on the open page", `[...document.querySelectorAll('#ops-table tbody tr:first-child td')].some(td => td.textContent === "a backup just now")`)
		if !evalBool(t, `window.__noReload === true`) {
			t.Fatal("the page was reloaded")
		}
		newest := e.in(t).ops("hub", "--limit", "1")
		if len(newest) != 1 || newest[0].DisplayMessage != "a backup just now" {
			t.Fatalf("the hub's newest op is %+v", newest)
		}
		samePage(t, "the first page as the store has it", idsOf(e.in(t).ops("hub", "--limit", "50")))
	})

	t.Run("InstancePageDrawsCharts", func(t *testing.T) {
		do(t, "instance page", chromedp.Navigate(base+"/#/instance/c-ok"))
		waitJS(t, "charts", `document.querySelectorAll('svg polyline').length === 2 && document.querySelectorAll('svg rect').length > 70`)
		shot(t, "instance")
		b.checkA11y(t, "instance")
	})

	// An op's log in the page: fetched from the client that ran it (log
	// transfer over its session); for a client not connected, the reason.
	t.Run("InstancePageShowsAnOpsLog", func(t *testing.T) {
		do(t, "instance page", chromedp.Navigate(base+"/#/instance/c-ok"))
		waitJS(t, "the Log button", `!!document.querySelector('#instance-ops .show-log')`)
		do(t, "press Log with the keyboard", chromedp.Focus(chromedp.CSS(`#instance-ops .show-log`)), chromedp.KeyEvent(kb.Enter))
		wantJSON, _ := json.Marshal(logText("c-ok-log-1"))
		waitJS(t, "c-ok's log, whole", fmt.Sprintf(`document.getElementById("op-log-text")?.textContent === %s`, wantJSON))
		if !evalBool(t, `document.activeElement === document.getElementById("op-log-text")`) {
			t.Error("the focus did not move to the log")
		}
		shot(t, "instance-log")
		b.checkA11y(t, "instance with a log")
		do(t, "c-gone's page", chromedp.Navigate(base+"/#/instance/c-gone"))
		waitJS(t, "c-gone's Log button", `!!document.querySelector('#instance-ops .show-log')`)
		do(t, "press Log", chromedp.Click(chromedp.CSS(`#instance-ops .show-log`)))
		waitJS(t, "why there is no log", `(document.getElementById("op-log-status")?.textContent || "").includes("not connected")`)
	})

	// A push from the page, with each client's outcome shown: a new repo is
	// applied (the default grants take repos from the hub), deleting one is
	// refused (that needs READ_WRITE_CONFIG, which no client granted).
	t.Run("PushConfigShowsTheClientsOutcome", func(t *testing.T) {
		do(t, "peers page", chromedp.Navigate(base+"/#/peers"), chromedp.WaitVisible(chromedp.ID("push-repos")))
		push := func(t *testing.T, client, repos, deleteRepos, outcome string) {
			t.Helper()
			if !evalBool(t, fmt.Sprintf(`(s => { const o = [...s.options].find(o => o.textContent === %q); if (o) s.value = o.value; return !!o; })(document.getElementById("push-peer"))`, client)) {
				t.Fatalf("%s is not among the clients to push to", client)
			}
			evalBool(t, fmt.Sprintf(`(document.getElementById("push-repos").value = %q, document.getElementById("push-delete-repos").value = %q, true)`, repos, deleteRepos))
			do(t, "push", chromedp.Click(chromedp.ID("push-submit")))
			waitJS(t, client+" "+outcome, fmt.Sprintf(`(p => !!p && p.textContent.includes(%q))(document.querySelector('#push-result [data-outcome=%q]'))`, client, outcome))
		}
		push(t, "c-ok", "", "repo1", "refused")
		shot(t, "peers-push-refused")
		if out := e.in(t).run("", "repo", "list", "--data", "c-ok", "--json"); !strings.Contains(out, "repo1") {
			t.Errorf("c-ok refused the push but lost its repo: %s", out)
		}
		push(t, "c-stale", `[{"id":"pushed1","uri":"/p1","guid":"g-pushed1"}]`, "", "applied")
		shot(t, "peers-push")
		if out := e.in(t).run("", "repo", "list", "--data", "c-stale", "--json"); !strings.Contains(out, "pushed1") {
			t.Errorf("c-stale applied the push but has not the repo: %s", out)
		}
	})

	// A token made in the page, given to `backrest-sync join`: the new client
	// pairs, is listed as authorized and connected, and its op arrives.
	t.Run("TokenFromThePageLetsJoinPair", func(t *testing.T) {
		do(t, "peers page", chromedp.Navigate(base+"/#/peers"), chromedp.WaitVisible(chromedp.ID("token-label")))
		shot(t, "peers")
		b.checkA11y(t, "peers")
		do(t, "new token", chromedp.SendKeys(chromedp.ID("token-label"), "c-new laptop"),
			chromedp.Click(chromedp.ID("token-create")))
		waitJS(t, "the token shown once", `(document.getElementById("new-token")?.textContent || "").length > 20`)
		var token string
		evalJSON(t, `document.getElementById("new-token").textContent`, &token)
		waitJS(t, "the token listed", `[...document.querySelectorAll('#tokens-table tbody tr td:first-child')].some(td => td.textContent === "c-new laptop")`)
		shot(t, "peers-token")
		b.checkA11y(t, "peers with a new token")
		e.in(t).joined("c-new", hub, token, backup("daily", "STATUS_SUCCESS", 2*time.Hour))
		waitJS(t, "c-new authorized and connected on the open page",
			`!!document.querySelector('#clients-table tr[data-client="c-new"] .s-ok')`)
		waitFor(t, "c-new's op at the hub", 60*time.Second, func() bool { return e.states()["c-new"] == "ok" })
		if got := e.hubState("c-new", "hub"); got != "CONNECTION_STATE_CONNECTED" {
			t.Errorf("c-new's session to the hub is %q, want connected", got)
		}
	})

	// Revoked in the page (two presses), the client's session ends and its
	// next one is refused.
	t.Run("RevokeInThePageRefusesTheNextSession", func(t *testing.T) {
		sel := `#clients-table tr[data-client="c-new"] .revoke-client`
		do(t, "revoke", chromedp.Click(chromedp.CSS(sel)))
		waitJS(t, "the confirmation", fmt.Sprintf(`document.querySelector(%q).textContent.startsWith("Confirm")`, sel))
		do(t, "confirm", chromedp.Click(chromedp.CSS(sel)))
		waitJS(t, "c-new gone from the clients", `!document.querySelector('#clients-table tr[data-client="c-new"]') && !!document.getElementById("clients-table")`)
		waitFor(t, "c-new's next session refused", 60*time.Second, func() bool {
			return e.hubState("c-new", "hub") == "CONNECTION_STATE_ERROR_AUTH"
		})
		hubLog, _ := os.ReadFile(filepath.Join(e.dir, "hub.log"))
		if !strings.Contains(string(hubLog), "is not authorized") {
			t.Errorf("the hub did not log the refusal of the revoked client")
		}
		shot(t, "peers-revoked")
	})

	t.Run("LogoutEndsTheSession", func(t *testing.T) {
		do(t, "logout", chromedp.Navigate(base+"/#/fleet"), chromedp.WaitVisible(chromedp.ID("logout")),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-user")))
		do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("login-user")))
	})
}

// browser: the page under test, with helpers that fail the calling
// (sub)test; a wait that times out saves a screenshot and the page's text.
type browser struct {
	ctx   context.Context
	shots string
}

func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.dump(t, what)
		t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dump saves what the page shows after a failure (FAIL-<what>.png) and logs
// its text.
func (b *browser) dump(t *testing.T, what string) {
	t.Helper()
	name := "FAIL-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, what)
	if png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644)
	}
	if text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`)); err == nil {
		t.Logf("the page after %q (%s.png):\n%s", what, name, text)
	}
}

func (b *browser) evalBool(t *testing.T, js string) bool {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (b *browser) evalJSON(t *testing.T, js string, out any) {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("JSON.stringify("+js+")"))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	if err := json.Unmarshal([]byte(v), out); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
}

func (b *browser) waitJS(t *testing.T, what, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.dump(t, what)
			t.Fatalf("timed out waiting for %s (%s)", what, js)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkA11y: every control the page shows has an accessible name (from
// Chromium's own accessibility tree), and Tab, pressed from the top of the
// page, reaches every one that is enabled.
func (b *browser) checkA11y(t *testing.T, page string) {
	t.Helper()
	tree, err := chromedp.Call(b.ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatalf("%s: accessibility tree: %v", page, err)
	}
	controls := map[string]bool{"button": true, "textbox": true, "searchbox": true, "combobox": true,
		"link": true, "spinbutton": true, "checkbox": true, "radio": true, "listbox": true, "slider": true}
	named := 0
	for _, n := range tree.Nodes {
		if n.Ignored || n.Role == nil {
			continue
		}
		var role, name string
		_ = json.Unmarshal(n.Role.Value, &role)
		if !controls[role] {
			continue
		}
		if n.Name != nil {
			_ = json.Unmarshal(n.Name.Value, &name)
		}
		if strings.TrimSpace(name) == "" {
			t.Errorf("%s: a %s without an accessible name (DOM node %d)", page, role, n.BackendDOMNodeID)
		}
		named++
	}
	if named == 0 {
		t.Errorf("%s: no controls in the accessibility tree", page)
	}

	// Tab order: name the focusable, enabled, visible controls (by what
	// stays the same when a live page redraws its rows: id, label, link),
	// then Tab through the page and note which got the focus.
	const keyJS = `(e => e ? (e.id || e.getAttribute("aria-label") || e.getAttribute("href") || e.textContent.trim().slice(0, 30) || e.tagName) : "")`
	var want []string
	b.evalJSON(t, `(() => {
	  const els = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
	    .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0 &&
	                 getComputedStyle(e).visibility !== "hidden");
	  document.activeElement?.blur();
	  window.scrollTo(0, 0);
	  return els.map(`+keyJS+`);
	})()`, &want)
	reached := map[string]bool{}
	wanted := map[string]bool{}
	for _, k := range want {
		wanted[k] = true
	}
	// Tab goes on from where the focus last was, and wraps at the end.
	for i := 0; i < 2*len(want)+4 && len(reached) < len(wanted); i++ {
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatalf("%s: Tab: %v", page, err)
		}
		var key string
		b.evalJSON(t, keyJS+`(document.activeElement === document.body ? null : document.activeElement)`, &key)
		if wanted[key] {
			reached[key] = true
		}
	}
	for k := range wanted {
		if !reached[k] {
			t.Errorf("%s: Tab never reaches %q", page, k)
		}
	}
	if len(want) == 0 {
		t.Errorf("%s: nothing to focus", page)
	}
}
