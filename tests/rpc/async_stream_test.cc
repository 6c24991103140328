// Streams served without a thread each (AsyncStreamHandler, AsyncStream):
// messages in order both ways over Connect and gRPC, back-pressure through
// writable() and its notification, the call counted until Finish, the
// JSON codec still served by the blocking handler, hundreds of streams on
// a fixed number of threads, and Client::OpenAsync.
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <asio.hpp>
#include <atomic>
#include <filesystem>
#include <mutex>

#include "rpc/client.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"
#include "rpc/wait_until.h"

namespace brs::rpc {
namespace {

using testing::Bytes;
using testing::WaitUntil;

constexpr std::string_view kEchoPath = "/brs.test.v1.EchoService/Bidi";

size_t ThreadCount() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)e;
    ++n;
  }
  return n;
}

// Echoes every message back, or (flood > 0) answers the first message with
// `flood` messages of 64 KiB, writing only while the stream is writable.
// Runs on one pool thread for all its streams; counts what it saw.
class AsyncEcho : public std::enable_shared_from_this<AsyncEcho> {
 public:
  struct Counters {
    std::atomic<int> blocked{0};  // writable() said false
    std::atomic<int> finished{0};
  };
  static void Serve(asio::thread_pool& pool, std::shared_ptr<AsyncStream> s, int flood,
                    Counters* counters) {
    auto e = std::make_shared<AsyncEcho>(pool, std::move(s), flood, counters);
    // The stream owns its echo through the notify until the echo ends.
    e->stream_->SetNotify([e] { e->Kick(); });
    e->Kick();
  }
  AsyncEcho(asio::thread_pool& pool, std::shared_ptr<AsyncStream> s, int flood, Counters* c)
      : strand_(asio::make_strand(pool)), stream_(std::move(s)), flood_(flood), counters_(c) {}

 private:
  void Kick() {
    if (kicked_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] {
      self->kicked_ = false;
      self->Pump();
    });
  }
  void Pump() {
    if (done_) return;
    while (!pending_.empty() || flood_left_ > 0) {
      if (!stream_->writable()) {
        counters_->blocked++;
        return;  // the notify comes back once it drained
      }
      if (flood_left_ > 0) {
        --flood_left_;
        (void)stream_->TryWrite(Bytes(std::string(64 << 10, 'f')));
      } else {
        (void)stream_->TryWrite(pending_);
        pending_.clear();
      }
    }
    std::string m;
    for (;;) {
      auto r = stream_->TryRead(&m);
      if (!r.ok() || *r == Stream::ReadResult::kEnd) {
        End(r.ok() ? Status() : r.status());
        return;
      }
      if (*r == Stream::ReadResult::kTimeout) return;
      if (flood_ > 0) {
        flood_left_ = flood_;
        flood_ = 0;
      } else {
        pending_ = m;
      }
      Pump();
      return;
    }
  }
  void End(const Status& st) {
    done_ = true;
    stream_->Finish(st);
    counters_->finished++;
    stream_->SetNotify(nullptr);  // drops the stream's hold on us
  }

  asio::strand<asio::thread_pool::executor_type> strand_;
  std::shared_ptr<AsyncStream> stream_;
  int flood_;
  int flood_left_ = 0;
  Counters* counters_;
  std::atomic<bool> kicked_{false};
  std::string pending_;
  bool done_ = false;
};

class AsyncStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  void Start(int flood) {
    server_ = std::make_unique<Server>(ServerOptions{});
    static const google::protobuf::BytesValue kBytes;
    server_->HandleBidi(
        std::string(kEchoPath),
        [](const CallInfo&, Stream& s) {  // JSON: the blocking handler
          std::string m;
          for (;;) {
            BRS_ASSIGN_OR_RETURN(auto r, s.Read(&m));
            if (r != Stream::ReadResult::kMessage) return Status();
            BRS_RETURN_IF_ERROR(s.Write(m));
          }
        },
        {&kBytes, &kBytes},
        [this, flood](const CallInfo&, std::shared_ptr<AsyncStream> s) {
          AsyncEcho::Serve(pool_, std::move(s), flood, &counters_);
        });
    ASSERT_TRUE(server_->Start().ok());
    ClientOptions c;
    c.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    c.grpc = GetParam();
    client_ = std::move(*Client::Create(c));
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop(1'000);
    pool_.join();
  }

  asio::thread_pool pool_{1};
  AsyncEcho::Counters counters_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_P(AsyncStreamTest, EchoesMessagesInOrderAndEndsWithTheStatus) {
  Start(0);
  auto s = client_->Open(kEchoPath, CallKind::kBidi);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(WaitUntil([&] { return server_->active_calls() == 1; }));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE((*s)->Write(Bytes("m" + std::to_string(i))).ok());
    std::string got;
    auto r = (*s)->Read(&got);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(*r, Stream::ReadResult::kMessage);
    ASSERT_EQ(got, Bytes("m" + std::to_string(i)));
  }
  (*s)->Finish(Status());
  std::string got;
  auto r = (*s)->Read(&got);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Stream::ReadResult::kEnd);
  EXPECT_TRUE(WaitUntil([&] { return server_->active_calls() == 0; }));
  EXPECT_EQ(counters_.finished.load(), 1);
}

// 4 MiB answered to a reader that does not read yet: the writer sees the
// buffer full, and the notification lets it go on once the reader reads.
TEST_P(AsyncStreamTest, AFullSendBufferHoldsTheWriterUntilThePeerReads) {
  Start(64);
  auto s = client_->Open(kEchoPath, CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Write(Bytes("go")).ok());
  ASSERT_TRUE(WaitUntil([&] { return counters_.blocked.load() > 0; }));
  for (int i = 0; i < 64; ++i) {
    std::string got;
    auto r = (*s)->Read(&got);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(*r, Stream::ReadResult::kMessage) << i;
    ASSERT_EQ(got, Bytes(std::string(64 << 10, 'f')));
  }
  (*s)->Finish(Status());
  std::string got;
  EXPECT_EQ(*(*s)->Read(&got), Stream::ReadResult::kEnd);
}

// 300 open streams cost the server no thread each.
TEST_P(AsyncStreamTest, HundredsOfStreamsRunOnAFixedNumberOfThreads) {
  Start(0);
  const size_t before = ThreadCount();
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < 300; ++i) {
    auto s = client_->Open(kEchoPath, CallKind::kBidi);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->Write(Bytes("hi")).ok());
    streams.push_back(std::move(*s));
  }
  for (auto& s : streams) {
    std::string got;
    ASSERT_EQ(*s->Read(&got), Stream::ReadResult::kMessage);
  }
  EXPECT_EQ(server_->active_calls(), 300u);
  EXPECT_LE(ThreadCount(), before + 4);
  for (auto& s : streams) s->Finish(Status());
  EXPECT_TRUE(WaitUntil([&] { return server_->active_calls() == 0; }));
}

// A client's AsyncStream: writes without waiting, told when answers come.
TEST_P(AsyncStreamTest, AClientAsyncStreamIsNotifiedOfEachAnswer) {
  Start(0);
  auto s = client_->OpenAsync(kEchoPath, CallKind::kBidi);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::mutex mu;
  std::condition_variable cv;
  int notified = 0;
  (*s)->SetNotify([&] {
    std::lock_guard lock(mu);
    ++notified;
    cv.notify_all();
  });
  ASSERT_TRUE((*s)->writable());
  ASSERT_TRUE((*s)->TryWrite(Bytes("one")).ok());
  std::string got;
  for (;;) {
    int seen;
    {
      std::lock_guard lock(mu);
      seen = notified;
    }
    auto r = (*s)->TryRead(&got);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (*r == Stream::ReadResult::kMessage) break;
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return notified != seen; }));
  }
  EXPECT_EQ(got, Bytes("one"));
  EXPECT_GE(notified, 1);
  (*s)->SetNotify(nullptr);
  (*s)->Finish(Status());
}

INSTANTIATE_TEST_SUITE_P(Protocols, AsyncStreamTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Grpc" : "Connect");
                         });

}  // namespace
}  // namespace brs::rpc
