// The EchoService of RPC_TEST_SERVICE.md, served with connect-go.
//
// Messages are protobuf well-known wrappers, so neither side needs generated
// code: Echo and Bidi carry BytesValue, Count takes an Int64Value n and
// streams Int64Value{0..n-1}. A request whose bytes start with "error:" fails
// with the Connect code named after the colon and message "requested".
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	serviceName   = "brs.test.v1.EchoService"
	procEcho      = "/" + serviceName + "/Echo"
	procCount     = "/" + serviceName + "/Count"
	procBidi      = "/" + serviceName + "/Bidi"
	maxCount      = 1_000_000
	errorPrefix   = "error:"
	errorMessage  = "requested"
	maxMessageLen = 16 << 20
)

// requestedError returns the error a payload asks for, or nil when the payload
// does not start with "error:". An unknown code name is invalid_argument.
func requestedError(payload []byte) error {
	if !bytes.HasPrefix(payload, []byte(errorPrefix)) {
		return nil
	}
	var code connect.Code
	if err := code.UnmarshalText(payload[len(errorPrefix):]); err != nil {
		return connect.NewError(connect.CodeInvalidArgument,
			fmt.Errorf("unknown error code %q", payload[len(errorPrefix):]))
	}
	return connect.NewError(code, errors.New(errorMessage))
}

func echo(_ context.Context, req *connect.Request[wrapperspb.BytesValue]) (*connect.Response[wrapperspb.BytesValue], error) {
	if err := requestedError(req.Msg.GetValue()); err != nil {
		return nil, err
	}
	return connect.NewResponse(wrapperspb.Bytes(req.Msg.GetValue())), nil
}

func count(ctx context.Context, req *connect.Request[wrapperspb.Int64Value], stream *connect.ServerStream[wrapperspb.Int64Value]) error {
	n := req.Msg.GetValue()
	if n < 0 || n > maxCount {
		return connect.NewError(connect.CodeInvalidArgument,
			fmt.Errorf("n must be in [0, %d], got %d", maxCount, n))
	}
	msg := &wrapperspb.Int64Value{}
	for i := int64(0); i < n; i++ {
		if err := ctx.Err(); err != nil {
			return connect.NewError(connect.CodeCanceled, err)
		}
		msg.Value = i
		if err := stream.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

func bidi(_ context.Context, stream *connect.BidiStream[wrapperspb.BytesValue, wrapperspb.BytesValue]) error {
	for {
		msg, err := stream.Receive()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := requestedError(msg.GetValue()); err != nil {
			return err
		}
		if err := stream.Send(msg); err != nil {
			return err
		}
	}
}

// newEchoMux returns the handler serving the three procedures (Connect, gRPC
// and gRPC-Web, gzip accepted: connect-go's defaults).
func newEchoMux() *http.ServeMux {
	opts := []connect.HandlerOption{connect.WithReadMaxBytes(maxMessageLen)}
	mux := http.NewServeMux()
	mux.Handle(procEcho, connect.NewUnaryHandler(procEcho, echo, opts...))
	mux.Handle(procCount, connect.NewServerStreamHandler(procCount, count, opts...))
	mux.Handle(procBidi, connect.NewBidiStreamHandler(procBidi, bidi, opts...))
	return mux
}
