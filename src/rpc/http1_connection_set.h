// A server's HTTP/1.1 connections: at most `max_connections` served at
// once (one more is answered 503 with "Connection: close" and closed),
// each request answered on a thread from the server's `spawn` (so at most
// one such thread per connection), and all of them shut down and closed
// together when the server stops.
#pragma once

#include <asio.hpp>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

#include "rpc/http1.h"
#include "rpc/http1_connection.h"
#include "rpc/refusal_reporter.h"

namespace brs::rpc::internal {

class Http1ConnectionSet {
 public:
  struct Options {
    Http1Connection::Options connection;
    size_t max_connections = 128;
  };
  // Runs a task that may block, on a thread of its own (Server's Spawn).
  using SpawnFn = std::function<void(std::function<void()>)>;

  // `handlers`, `spawn` and `refusals` are used until Close, and the
  // connections' strands until they have closed.
  Http1ConnectionSet(asio::io_context& io, Options options, const Http1Handlers& handlers,
                     SpawnFn spawn, RefusalReporter& refusals);

  // Serves a new connection (`already_read`: the bytes sniffed; the first
  // request's head is due by header_deadline_ms), or refuses it with 503
  // when `max_connections` are being served. After Shutdown: closes it.
  void Serve(std::unique_ptr<ByteChannel> channel, std::string already_read,
             int64_t header_deadline_ms);
  // Connections being served (not those refused).
  size_t count() const;
  // Refuses new connections; closes idle ones now, the others after the
  // response they are writing.
  void Shutdown();
  // Closes every connection now.
  void Close();
  // Some connection is not closed yet.
  bool any_alive() const;

 private:
  Http1Connection::EventFn EventsOf(bool counted);

  asio::io_context& io_;
  const Options options_;
  const Http1Handlers& handlers_;
  SpawnFn spawn_;
  RefusalReporter& refusals_;
  mutable std::mutex mu_;
  size_t served_ = 0;                                      // mu_
  bool stopping_ = false;                                  // mu_
  std::list<std::weak_ptr<Http1Connection>> connections_;  // mu_
};

}  // namespace brs::rpc::internal
