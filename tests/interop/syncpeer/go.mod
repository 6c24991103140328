module brs/interop/syncpeer

go 1.26.0

require (
	connectrpc.com/connect v1.21.1
	golang.org/x/net v0.56.0
	google.golang.org/protobuf v1.36.11
)

require golang.org/x/text v0.38.0 // indirect
