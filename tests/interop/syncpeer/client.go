package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "brs/syncgen/v1"
	"brs/syncgen/v1sync"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
)

const syncProcedure = "/v1sync.BackrestSyncService/Sync"

type syncClient = connect.Client[v1sync.SyncStreamItem, v1sync.SyncStreamItem]
type syncStream = connect.BidiStreamForClient[v1sync.SyncStreamItem, v1sync.SyncStreamItem]

// clientConfig is one run of the sync peer.
type clientConfig struct {
	url           string // http:// (h2c prior knowledge) or https:// (TLS, ALPN h2)
	seed          []byte // 32-byte ed25519 identity seed
	instance      string
	pairingSecret string
	expectHubKey  string // if set, the hub's key ID must equal it
	badSignature  bool   // corrupt our handshake signature
	ops           int    // operations to push after the handshake
	// refuseSetConfig: after the handshake, wait for a set_config and end
	// the session (Backrest's client refuses a push it may not apply by
	// ending the session with an auth error; the hub sees the stream reset).
	refuseSetConfig bool
	firstID         int // the first op's ID (then +1 each)
	invalidEvery    int // every Nth op breaks Backrest's validation; 10 ops per item then
	// state: the peer's whole oplog to push this session (--state FILE):
	// puts (ID, modno), sent as created_operations 100 per item, then the
	// deleted IDs as one deleted_operations; a peer re-sends it all in
	// every session, so whatever a broken session lost arrives again.
	state *peerState
}

// result is what a successful run learned.
type result struct {
	hubKeyID    string
	hubInstance string
	hubItems    int    // items received from the hub after its handshake
	hubEnd      string // with ops: how the hub ended the stream after ours closed
}

// endsDisconnect tells whether a hub's final code, after our side closed,
// only reports the disconnect: a hub sees our close as the peer going away
// (Backrest classifies it "disconnected" and ends with internal; others say
// unavailable). An item the hub rejected ends it with its own code first
// (invalid_argument, permission_denied, ...), since items are handled in
// order.
func endsDisconnect(c connect.Code) bool {
	return c == connect.CodeUnavailable || c == connect.CodeInternal || c == connect.CodeCanceled
}

// newHTTPClient dials like Backrest's sync client: h2c prior knowledge for
// http://, TLS with ALPN h2 for https://.
func newHTTPClient(rawURL string) (*http.Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http":
		return &http.Client{Transport: &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}}, nil
	case "https":
		return &http.Client{Transport: &http2.Transport{}}, nil
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
}

// codeOf maps a run's error to the Connect code it reports: the hub's own
// code when the hub ended the stream, else the local classification.
func codeOf(err error) connect.Code {
	var cerr *connect.Error
	var perr *protocolError
	var aerr *authError
	switch {
	case errors.As(err, &aerr):
		return connect.CodePermissionDenied
	case errors.As(err, &perr):
		return connect.CodeInvalidArgument
	case errors.As(err, &cerr):
		return cerr.Code()
	case errors.Is(err, context.DeadlineExceeded):
		return connect.CodeDeadlineExceeded
	}
	return connect.CodeUnknown
}

// session is the client's view of one Sync stream.
type session struct {
	stream *syncStream
	ch     *channel
}

func (s *session) send(inner *v1sync.SyncStreamItem) error {
	outer, err := s.ch.seal(inner)
	if err != nil {
		return err
	}
	return s.stream.Send(outer)
}

func (s *session) receive() (*v1sync.SyncStreamItem, error) {
	outer, err := s.stream.Receive()
	if err != nil {
		return nil, err
	}
	return s.ch.open(outer)
}

// runClient connects, runs the key exchange and the handshake, waits for the
// hub's first item after the handshake (its acceptance), then optionally
// pushes resources and operations, closes its side and reads (decrypting
// every item) until the hub ends the stream, which must be OK or a
// disconnect code (endsDisconnect).
func runClient(ctx context.Context, cfg clientConfig) (*result, error) {
	id, err := identityFromSeed(cfg.seed)
	if err != nil {
		return nil, err
	}
	if cfg.instance == "" {
		return nil, errors.New("instance ID is required")
	}
	hc, err := newHTTPClient(cfg.url)
	if err != nil {
		return nil, err
	}
	if t, ok := hc.Transport.(*http2.Transport); ok {
		defer t.CloseIdleConnections()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := connect.NewClient[v1sync.SyncStreamItem, v1sync.SyncStreamItem](
		hc, strings.TrimRight(cfg.url, "/")+syncProcedure, connect.WithReadMaxBytes(maxItemSize))
	stream := client.CallBidiStream(ctx)
	defer stream.CloseResponse()

	// §4: key exchange.
	kex, hello, err := newClientKEX()
	if err != nil {
		return nil, err
	}
	if err := stream.Send(hello); err != nil {
		return nil, fmt.Errorf("send establish_shared_secret: %w", receiveErr(stream, err))
	}
	reply, err := stream.Receive()
	if err != nil {
		return nil, fmt.Errorf("await establish_shared_secret: %w", err)
	}
	ch, err := kex.finish(reply)
	if err != nil {
		return nil, err
	}
	s := &session{stream: stream, ch: ch}

	// §5: both sides send their handshake unprompted.
	if err := s.send(makeHandshake(id, cfg.instance, cfg.pairingSecret, ch.transcript, cfg.badSignature)); err != nil {
		return nil, fmt.Errorf("send handshake: %w", receiveErr(stream, err))
	}
	hubItem, err := s.receive()
	if err != nil {
		return nil, fmt.Errorf("await hub handshake: %w", err)
	}
	hs, err := verifyHandshake(hubItem, ch.transcript)
	if err != nil {
		return nil, fmt.Errorf("hub handshake: %w", err)
	}
	if hs.GetPairingSecret() != "" {
		return nil, &authError{"hub sent a non-empty pairing secret"}
	}
	res := &result{hubKeyID: hs.GetPublicKey().GetKeyid(), hubInstance: hs.GetInstanceId()}
	if cfg.expectHubKey != "" && res.hubKeyID != cfg.expectHubKey {
		return nil, &authError{fmt.Sprintf("hub key %s is not the expected %s", res.hubKeyID, cfg.expectHubKey)}
	}

	// The hub verifies ours and either ends the stream with an error or
	// carries on (Backrest sends the client its config first).
	if _, err := s.receive(); err != nil {
		return nil, fmt.Errorf("after handshake: %w", err)
	}
	res.hubItems = 1

	if cfg.refuseSetConfig {
		if err := awaitSetConfig(s, res); err != nil {
			return nil, err
		}
		cancel() // resets the stream, as a Backrest client's ended session
		return res, nil
	}
	if cfg.ops > 0 || cfg.state != nil {
		push := pushOperations
		if cfg.state != nil {
			push = pushState
		}
		if err := push(s, cfg); err != nil {
			return nil, fmt.Errorf("push operations: %w", receiveErr(stream, err))
		}
		if err := stream.CloseRequest(); err != nil {
			return nil, err
		}
		// Drain (decrypting every item) until the hub ends the stream.
		for {
			_, err := s.receive()
			if isEOF(err) {
				res.hubEnd = "ok"
				break
			}
			if err != nil {
				var cerr *connect.Error
				if errors.As(err, &cerr) && endsDisconnect(cerr.Code()) {
					res.hubEnd = cerr.Code().String()
					break
				}
				if errors.As(err, &cerr) || errors.Is(err, context.DeadlineExceeded) {
					return nil, fmt.Errorf("hub ended the stream: %w", err)
				}
				return nil, err
			}
			res.hubItems++
		}
	}
	return res, nil
}

// receiveErr returns the hub's error when a send failed because the hub had
// already ended the stream, else err.
func isEOF(err error) bool { return errors.Is(err, io.EOF) }

func receiveErr(stream *syncStream, err error) error {
	if _, rerr := stream.Receive(); rerr != nil && !isEOF(rerr) {
		return rerr
	}
	return err
}

// awaitSetConfig reads (decrypting) until the hub sends set_config.
func awaitSetConfig(s *session, res *result) error {
	for {
		item, err := s.receive()
		if err != nil {
			return fmt.Errorf("await set_config: %w", err)
		}
		res.hubItems++
		if item.GetSetConfig() != nil {
			return nil
		}
	}
}

// pushOperations sends receive_resources (one repo, one plan) and ops
// operations, each in its own receive_operations{created_operations}.
func pushOperations(s *session, cfg clientConfig) error {
	if err := s.send(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveResources{
		ReceiveResources: &v1sync.SyncStreamItem_SyncActionReceiveResources{
			Repos: []*v1sync.RepoMetadata{{Id: "repo1", Guid: "guid-repo1"}},
			Plans: []*v1sync.PlanMetadata{{Id: "plan1"}},
		},
	}}); err != nil {
		return err
	}
	start := time.Now().UnixMilli()
	perItem := 1
	if cfg.invalidEvery > 0 {
		perItem = 10
	}
	first := int64(cfg.firstID)
	if first <= 0 {
		first = 1
	}
	var batch []*v1.Operation
	for i := 0; i < cfg.ops; i++ {
		op := &v1.Operation{
			Id:              first + int64(i),
			Modno:           int64(i + 1),
			FlowId:          first + int64(i/2),
			RepoId:          "repo1",
			RepoGuid:        "guid-repo1",
			PlanId:          "plan1",
			InstanceId:      cfg.instance,
			Status:          v1.OperationStatus_STATUS_SUCCESS,
			UnixTimeStartMs: start + int64(i),
			UnixTimeEndMs:   start + int64(i) + 1,
			DisplayMessage:  fmt.Sprintf("syncpeer operation %d", first+int64(i)),
			Op:              &v1.Operation_OperationBackup{OperationBackup: &v1.OperationBackup{}},
		}
		if cfg.invalidEvery > 0 && (i+1)%cfg.invalidEvery == 0 {
			op.SnapshotId = "deadbeef" // Backrest wants all 64 characters
		}
		batch = append(batch, op)
		if len(batch) < perItem && i+1 < cfg.ops {
			continue
		}
		if err := s.send(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveOperations{
			ReceiveOperations: &v1sync.SyncStreamItem_SyncActionReceiveOperations{
				Event: &v1.OperationEvent{Event: &v1.OperationEvent_CreatedOperations{
					CreatedOperations: &v1.OperationList{Operations: batch},
				}},
			},
		}}); err != nil {
			return err
		}
		batch = nil
	}
	return nil
}
