#include "rpc/http1_connection_set.h"

#include <vector>

namespace brs::rpc::internal {

Http1ConnectionSet::Http1ConnectionSet(asio::io_context& io, Options options,
                                       const Http1Handlers& handlers, SpawnFn spawn,
                                       RefusalReporter& refusals)
    : io_(io),
      options_(options),
      handlers_(handlers),
      spawn_(std::move(spawn)),
      refusals_(refusals) {}

Http1Connection::EventFn Http1ConnectionSet::EventsOf(bool counted) {
  return [this, counted](Http1Connection::Event e, const std::string& peer) {
    using Event = Http1Connection::Event;
    using Reason = RefusalReporter::Reason;
    switch (e) {
      case Event::kHeaderTimeout:
        refusals_.Note(Reason::kHeaderTimeout, peer);
        return;
      case Event::kBodyTimeout:
        refusals_.Note(Reason::kBodyTimeout, peer);
        return;
      case Event::kWriteTimeout:
        refusals_.Note(Reason::kWriteTimeout, peer);
        return;
      case Event::kIdleTimeout:
        return;  // the normal end of a keep-alive connection
      case Event::kClosed:
        if (counted) {
          std::lock_guard lock(mu_);
          --served_;
        }
        return;
    }
  };
}

void Http1ConnectionSet::Serve(std::unique_ptr<ByteChannel> channel, std::string already_read,
                               int64_t header_deadline_ms) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    channel->Close();
    return;
  }
  const bool refuse = served_ >= options_.max_connections;
  if (!refuse) ++served_;
  auto on_request = [this](const std::shared_ptr<Http1Connection>& c, Http1Request r) {
    spawn_([this, c, r = std::move(r)]() mutable {
      c->End(ServeHttp1Request(std::move(r), handlers_, *c));
    });
  };
  auto conn = Http1Connection::Create(io_, std::move(channel), options_.connection,
                                      std::move(on_request), EventsOf(!refuse));
  for (auto it = connections_.begin(); it != connections_.end();) {
    it = it->expired() ? connections_.erase(it) : std::next(it);
  }
  connections_.push_back(conn);
  lock.unlock();
  if (refuse) {
    refusals_.Note(RefusalReporter::Reason::kConnectionLimit, conn->peer());
    conn->Refuse(FormatHttp1Response(503, "text/plain; charset=utf-8",
                                     "too many HTTP/1.1 connections; try again later\n", false));
    return;
  }
  conn->Start(std::move(already_read), header_deadline_ms);
}

size_t Http1ConnectionSet::count() const {
  std::lock_guard lock(mu_);
  return served_;
}

void Http1ConnectionSet::Shutdown() {
  std::vector<std::shared_ptr<Http1Connection>> all;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& w : connections_) {
      if (auto c = w.lock()) all.push_back(std::move(c));
    }
  }
  for (auto& c : all) c->Shutdown();
}

void Http1ConnectionSet::Close() {
  std::vector<std::shared_ptr<Http1Connection>> all;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& w : connections_) {
      if (auto c = w.lock()) all.push_back(std::move(c));
    }
  }
  for (auto& c : all) c->Close();
}

bool Http1ConnectionSet::any_alive() const {
  std::lock_guard lock(mu_);
  for (const auto& w : connections_) {
    if (auto c = w.lock(); c && c->alive()) return true;
  }
  return false;
}

}  // namespace brs::rpc::internal
