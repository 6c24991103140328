#include "app/notify_queue.h"

#include <openssl/rand.h>

#include <ctime>
#include <iterator>
#include <map>

#include "app/json_writer.h"
#include "base/encoding.h"

namespace brs::app {
namespace {

using store::Statement;

const store::Migration kNotifyMigrations[] = {
    {1,
     "CREATE TABLE health_state ("
     "  instance TEXT NOT NULL, plan TEXT NOT NULL, state TEXT NOT NULL,"
     "  PRIMARY KEY (instance, plan));"
     "CREATE TABLE notify_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE events ("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  event_id TEXT NOT NULL, target TEXT NOT NULL, body TEXT NOT NULL,"
     "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL,"
     "  failed INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
     "  UNIQUE (event_id, target));"
     "CREATE INDEX events_due ON events (failed, next_attempt_ms);"},
    {2, "CREATE INDEX events_head ON events (failed, target, seq);"},
};

StatusOr<std::string> NewEventId() {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) return Internal("no randomness (RAND_bytes failed)");
  return HexEncode(b, sizeof b);
}

std::string Rfc3339Utc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Summary(const ObservedHealth& o, const std::string& from) {
  std::string who = o.plan.empty() ? "instance " + o.instance : o.instance + "/" + o.plan;
  std::string s = who + ": " + from + " -> " + o.state;
  if (!o.reason.empty()) s += ": " + o.reason;
  return s;
}

bool QuietFirstSight(const std::string& state) { return state == "ok" || state == "no_plans"; }

}  // namespace

std::string TransitionJson(const HealthTransition& t) {
  JsonObject j;
  j.Str("eventId", t.event_id)
      .Str("instance", t.instance)
      .Str("plan", t.plan)
      .Str("repo", t.repo)
      .Str("from", t.from)
      .Str("to", t.to)
      .Str("time", Rfc3339Utc(t.time_ms))
      .Int("timeMs", t.time_ms)
      .Str("summary", t.summary);
  return j.str();
}

StatusOr<std::unique_ptr<NotifyQueue>> NotifyQueue::Open(const std::string& path) {
  std::unique_ptr<NotifyQueue> q(new NotifyQueue());
  BRS_ASSIGN_OR_RETURN(q->db_, store::SqliteDb::Open(path));
  BRS_RETURN_IF_ERROR(
      store::ApplyMigrations(*q->db_, "notify", kNotifyMigrations, std::size(kNotifyMigrations)));
  return q;
}

StatusOr<std::vector<HealthTransition>> NotifyQueue::Record(const std::vector<ObservedHealth>& seen,
                                                            const Route& route, WallTime now) {
  store::Transaction tx(*db_);
  BRS_RETURN_IF_ERROR(tx.BeginImmediate());
  bool baselined = false;
  {
    BRS_ASSIGN_OR_RETURN(Statement st,
                         db_->Prepare("SELECT value FROM notify_meta WHERE key = 'baseline'"));
    Status s;
    baselined = st.Step(&s);
    BRS_RETURN_IF_ERROR(s);
  }
  std::map<std::pair<std::string, std::string>, std::string> stored;
  {
    BRS_ASSIGN_OR_RETURN(Statement st,
                         db_->Prepare("SELECT instance, plan, state FROM health_state"));
    Status s;
    while (st.Step(&s)) {
      stored[{std::string(st.ColumnText(0)), std::string(st.ColumnText(1))}] =
          std::string(st.ColumnText(2));
    }
    BRS_RETURN_IF_ERROR(s);
  }
  std::vector<HealthTransition> out;
  const int64_t now_ms = UnixMillis(now);
  for (const ObservedHealth& o : seen) {
    auto it = stored.find({o.instance, o.plan});
    std::string from;
    if (it != stored.end()) {
      from = it->second;
      stored.erase(it);
      if (from == o.state) continue;
    }
    BRS_ASSIGN_OR_RETURN(Statement up, db_->Prepare("INSERT INTO health_state VALUES (?, ?, ?) "
                                                    "ON CONFLICT (instance, plan) DO UPDATE "
                                                    "SET state = excluded.state"));
    BRS_RETURN_IF_ERROR(up.Bind(1, o.instance).Bind(2, o.plan).Bind(3, o.state).Run());
    if (!baselined) continue;
    if (from.empty()) {
      if (QuietFirstSight(o.state)) continue;
      from = "none";
    }
    HealthTransition t;
    BRS_ASSIGN_OR_RETURN(t.event_id, NewEventId());
    t.instance = o.instance;
    t.plan = o.plan;
    t.repo = o.repo;
    t.from = from;
    t.to = o.state;
    t.time_ms = now_ms;
    t.summary = Summary(o, from);
    const std::string body = TransitionJson(t);
    for (const std::string& target : route(o.state)) {
      BRS_ASSIGN_OR_RETURN(Statement ins,
                           db_->Prepare("INSERT INTO events (event_id, target, body, "
                                        "next_attempt_ms) VALUES (?, ?, ?, ?)"));
      BRS_RETURN_IF_ERROR(
          ins.Bind(1, t.event_id).Bind(2, target).Bind(3, body).Bind(4, now_ms).Run());
    }
    out.push_back(std::move(t));
  }
  for (const auto& [key, state] : stored) {  // no longer reported
    BRS_ASSIGN_OR_RETURN(Statement del,
                         db_->Prepare("DELETE FROM health_state WHERE instance = ? AND plan = ?"));
    BRS_RETURN_IF_ERROR(del.Bind(1, key.first).Bind(2, key.second).Run());
  }
  if (!baselined) {
    BRS_RETURN_IF_ERROR(db_->Exec("INSERT INTO notify_meta VALUES ('baseline', '1')"));
  }
  BRS_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Status NotifyQueue::Reset() {
  store::Transaction tx(*db_);
  BRS_RETURN_IF_ERROR(tx.BeginImmediate());
  BRS_RETURN_IF_ERROR(db_->Exec("DELETE FROM health_state; DELETE FROM notify_meta"));
  return tx.Commit();
}

StatusOr<bool> NotifyQueue::HasBaseline() {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT value FROM notify_meta WHERE key = 'baseline'"));
  Status s;
  const bool found = st.Step(&s);
  BRS_RETURN_IF_ERROR(s);
  return found;
}

StatusOr<std::vector<QueuedEvent>> NotifyQueue::Heads() {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT seq, event_id, target, body, attempts, "
                                    "next_attempt_ms FROM events WHERE seq IN (SELECT MIN(seq) "
                                    "FROM events WHERE failed = 0 GROUP BY target) ORDER BY seq"));
  std::vector<QueuedEvent> out;
  Status s;
  while (st.Step(&s)) {
    QueuedEvent e;
    e.seq = st.ColumnInt(0);
    e.event_id = st.ColumnText(1);
    e.target = st.ColumnText(2);
    e.body = st.ColumnText(3);
    e.attempts = static_cast<int>(st.ColumnInt(4));
    e.next_attempt_ms = st.ColumnInt(5);
    out.push_back(std::move(e));
  }
  BRS_RETURN_IF_ERROR(s);
  return out;
}

StatusOr<std::optional<int64_t>> NotifyQueue::NextDueMs() {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT MIN(next_attempt_ms) FROM events WHERE failed = 0"));
  Status s;
  std::optional<int64_t> out;
  if (st.Step(&s) && !st.ColumnIsNull(0)) out = st.ColumnInt(0);
  BRS_RETURN_IF_ERROR(s);
  return out;
}

Status NotifyQueue::MarkDelivered(int64_t seq) {
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("DELETE FROM events WHERE seq = ?"));
  return st.Bind(1, seq).Run();
}

Status NotifyQueue::MarkRetry(int64_t seq, int attempts, int64_t next_attempt_ms,
                              const std::string& error) {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("UPDATE events SET attempts = ?, next_attempt_ms = ?, "
                                    "last_error = ? WHERE seq = ?"));
  return st.Bind(1, attempts).Bind(2, next_attempt_ms).Bind(3, error).Bind(4, seq).Run();
}

Status NotifyQueue::MarkFailed(int64_t seq, int attempts, const std::string& error) {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("UPDATE events SET attempts = ?, failed = 1, last_error = ? "
                                    "WHERE seq = ?"));
  return st.Bind(1, attempts).Bind(2, error).Bind(3, seq).Run();
}

StatusOr<NotifyQueue::Counts> NotifyQueue::CountEvents() {
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT COALESCE(SUM(failed = 0), 0), "
                                                  "COALESCE(SUM(failed = 1), 0) FROM events"));
  Status s;
  Counts c;
  if (st.Step(&s)) {
    c.pending = st.ColumnInt(0);
    c.failed = st.ColumnInt(1);
  }
  BRS_RETURN_IF_ERROR(s);
  return c;
}

StatusOr<std::string> NotifyQueue::StoredState(const std::string& instance,
                                               const std::string& plan) {
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT state FROM health_state WHERE "
                                                  "instance = ? AND plan = ?"));
  st.Bind(1, instance).Bind(2, plan);
  Status s;
  std::string out;
  if (st.Step(&s)) out = st.ColumnText(0);
  BRS_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace brs::app
