// SubscriberList: the subscribers of one store and the queue of events they
// are owed, shared by OplogStore, PeerStateStore and ConfigStore.
//
// A store publishes events while it holds its own lock (so the queue's order
// is the commit order) and delivers them after releasing it. The list
// promises:
//  - Order: events reach every subscriber in publish order; each event gets
//    the next sequence number (1, 2, ...), also when nobody is subscribed.
//  - Only what came after: a subscriber receives the events published after
//    Subscribe returned, none published before.
//  - One delivery at a time per list: Deliver runs the callbacks on the
//    calling thread, holding only the list's delivery mutex (never a store
//    lock, never the list's queue mutex).
//  - Re-entrancy: an event published from inside a callback is delivered by
//    the Deliver call already running further up that thread's stack, after
//    the callback returns (a nested Deliver returns at once).
//  - Unsubscribe: after it returns the subscriber is not called again. From
//    inside a callback (on the delivering thread) it does not wait, and the
//    running call finishes normally; from another thread it waits until the
//    delivery in progress has finished.
//
// `Subscriber` is whatever the store keeps per subscriber (a callback, a
// filter); Deliver's `deliver(subscriber, event, seq)` makes the call.
// Thread safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace brs::store {

template <typename Event, typename Subscriber>
class SubscriberList {
 public:
  using Id = uint64_t;

  // Registers `subscriber` for the events published from now on.
  Id Subscribe(Subscriber subscriber) {
    auto entry = std::make_shared<Entry>();
    entry->subscriber = std::move(subscriber);
    std::lock_guard lock(mu_);
    entry->id = next_id_++;
    entry->after_seq = seq_;
    entries_.push_back(entry);
    return entry->id;
  }

  // Removes a subscriber (no-op for an unknown id); see the header comment.
  void Unsubscribe(Id id) {
    {
      std::lock_guard lock(mu_);
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if ((*it)->id == id) {
          (*it)->active = false;
          entries_.erase(it);
          break;
        }
      }
    }
    if (delivering_thread_.load() != std::this_thread::get_id()) {
      std::lock_guard wait(delivery_mu_);  // the delivery in progress has finished
    }
  }

  // Queues `event` with the next sequence number and returns that number.
  // Nobody subscribed: the event is dropped (nobody can be owed it).
  uint64_t Publish(Event event) {
    std::lock_guard lock(mu_);
    const uint64_t seq = ++seq_;
    if (!entries_.empty()) pending_.push_back(Pending{seq, std::move(event)});
    return seq;
  }

  // Delivers every queued event, in order, to each subscriber owed it, until
  // the queue is empty (also of events published meanwhile).
  template <typename Fn>
  void Deliver(const Fn& deliver) {
    DeliverRounds(deliver, /*latest_only=*/false);
  }
  // Like Deliver, but of the events queued by the time a round starts each
  // subscriber gets only the newest it is owed: for events that each carry
  // the whole state (a config), so a burst of changes may be coalesced.
  template <typename Fn>
  void DeliverLatest(const Fn& deliver) {
    DeliverRounds(deliver, /*latest_only=*/true);
  }

 private:
  struct Entry {
    Id id = 0;
    uint64_t after_seq = 0;  // owed the events with seq > after_seq
    std::atomic<bool> active{true};
    Subscriber subscriber;
  };
  struct Pending {
    uint64_t seq;
    Event event;
  };

  template <typename Fn>
  void DeliverRounds(const Fn& deliver, bool latest_only) {
    if (delivering_thread_.load() == std::this_thread::get_id()) return;  // the outer call delivers
    std::lock_guard delivering(delivery_mu_);
    delivering_thread_.store(std::this_thread::get_id());
    for (;;) {
      std::deque<Pending> batch;
      std::vector<std::shared_ptr<Entry>> entries;
      {
        std::lock_guard lock(mu_);
        if (pending_.empty()) break;
        batch.swap(pending_);
        entries = entries_;
      }
      // latest_only: just the newest event (the highest seq; a subscriber
      // not owed it is owed none of the batch).
      for (auto p = latest_only ? batch.end() - 1 : batch.begin(); p != batch.end(); ++p) {
        for (const auto& e : entries) {
          if (e->active.load() && p->seq > e->after_seq) deliver(e->subscriber, p->event, p->seq);
        }
      }
    }
    delivering_thread_.store(std::thread::id());
  }

  std::mutex mu_;  // guards entries_, pending_, seq_, next_id_
  std::vector<std::shared_ptr<Entry>> entries_;
  std::deque<Pending> pending_;
  uint64_t seq_ = 0;
  Id next_id_ = 1;
  std::mutex delivery_mu_;  // held while callbacks run
  std::atomic<std::thread::id> delivering_thread_{};
};

}  // namespace brs::store
