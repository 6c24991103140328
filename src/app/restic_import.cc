#include "app/restic_import.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <ctime>

#include "store/op_validation.h"

namespace brs::app {
namespace {

using google::protobuf::Value;

constexpr int kMaxSnapshots = 10'000'000;

const Value* Field(const google::protobuf::Struct& s, const char* k) {
  auto it = s.fields().find(k);
  return it == s.fields().end() ? nullptr : &it->second;
}
std::string Str(const google::protobuf::Struct& s, const char* k) {
  const Value* v = Field(s, k);
  return v && v->kind_case() == Value::kStringValue ? v->string_value() : "";
}
// A number field as an int64; 0 when absent, not a number, or outside
// int64's range (casting such a double is undefined: a fuzz finding,
// "files_new":1e300).
int64_t Num(const google::protobuf::Struct& s, const char* k) {
  const Value* v = Field(s, k);
  if (!v || v->kind_case() != Value::kNumberValue) return 0;
  const double d = v->number_value();
  // [-2^63, 2^63): both bounds exact doubles; NaN fails both tests.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0;
  return static_cast<int64_t>(d);
}
std::vector<std::string> Strs(const google::protobuf::Struct& s, const char* k) {
  std::vector<std::string> out;
  const Value* v = Field(s, k);
  if (v && v->kind_case() == Value::kListValue) {
    for (const auto& e : v->list_value().values()) {
      if (e.kind_case() == Value::kStringValue) out.push_back(e.string_value());
    }
  }
  return out;
}

bool IsHexId(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

StatusOr<int64_t> ParseRfc3339Millis(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se)) {
    return InvalidArgument("not an RFC 3339 time: " + std::string(s.substr(0, 40)));
  }
  size_t p = 19;
  int64_t ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[p] - '0');
      ++digits;
      ++p;
    }
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  int64_t offset_s = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh, om;
    if (!Digits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, &om)) {
      return InvalidArgument("bad zone offset in time: " + std::string(s.substr(0, 40)));
    }
    offset_s = (oh * 3600 + om * 60) * (s[p] == '+' ? 1 : -1);
    p += 6;
  }
  if (p != s.size()) {
    return InvalidArgument("trailing characters in time: " + std::string(s.substr(0, 40)));
  }
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 60) {
    return InvalidArgument("not a valid date/time: " + std::string(s.substr(0, 40)));
  }
  std::tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000 + ms;
}

namespace {

// restic's snapshot summary into Backrest's; the backup's duration in
// milliseconds (0 when restic gave no valid start and end).
int64_t ReadSummary(const google::protobuf::Struct& m, v1::SnapshotSummary& out) {
  out.set_files_new(Num(m, "files_new"));
  out.set_files_changed(Num(m, "files_changed"));
  out.set_files_unmodified(Num(m, "files_unmodified"));
  out.set_dirs_new(Num(m, "dirs_new"));
  out.set_dirs_changed(Num(m, "dirs_changed"));
  out.set_dirs_unmodified(Num(m, "dirs_unmodified"));
  out.set_data_blobs(Num(m, "data_blobs"));
  out.set_tree_blobs(Num(m, "tree_blobs"));
  out.set_data_added(Num(m, "data_added"));
  out.set_total_files_processed(Num(m, "total_files_processed"));
  out.set_total_bytes_processed(Num(m, "total_bytes_processed"));
  auto bs = ParseRfc3339Millis(Str(m, "backup_start"));
  auto be = ParseRfc3339Millis(Str(m, "backup_end"));
  if (!bs.ok() || !be.ok() || *be < *bs) return 0;
  out.set_total_duration(static_cast<double>(*be - *bs) / 1000.0);
  return *be - *bs;
}

}  // namespace

StatusOr<std::vector<v1::Operation>> ParseResticSnapshots(std::string_view json,
                                                          const ResticImportOptions& o) {
  google::protobuf::Value root;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!st.ok() || root.kind_case() != Value::kListValue) {
    return InvalidArgument("expected the JSON array printed by `restic snapshots --json`");
  }
  std::vector<v1::Operation> ops;
  if (root.list_value().values_size() > kMaxSnapshots) {
    return InvalidArgument("more than " + std::to_string(kMaxSnapshots) +
                           " snapshots in one import");
  }
  int index = 0;
  for (const auto& v : root.list_value().values()) {
    const std::string where = "snapshot #" + std::to_string(index++);
    if (v.kind_case() != Value::kStructValue) return InvalidArgument(where + " is not an object");
    const auto& s = v.struct_value();
    const std::string id = Str(s, "id");
    if (!IsHexId(id)) {
      return InvalidArgument(where + ": \"id\" must be the 64-hex-digit snapshot ID (restic " +
                             "0.9 or later), got \"" + id.substr(0, 80) + "\"");
    }
    auto start_or = ParseRfc3339Millis(Str(s, "time"));
    if (!start_or.ok()) return InvalidArgument(where + ": " + start_or.status().message());
    const int64_t start = *start_or;
    v1::Operation op;
    auto* snap = op.mutable_operation_index_snapshot()->mutable_snapshot();
    snap->set_id(id);
    snap->set_unix_time_ms(start);
    snap->set_hostname(Str(s, "hostname"));
    snap->set_username(Str(s, "username"));
    snap->set_tree(Str(s, "tree"));
    snap->set_parent(Str(s, "parent"));
    for (auto& p : Strs(s, "paths")) snap->add_paths(std::move(p));
    std::string plan, instance;
    for (auto& t : Strs(s, "tags")) {
      if (t.rfind("plan:", 0) == 0 && plan.empty()) plan = t.substr(5);
      if (t.rfind("created-by:", 0) == 0 && instance.empty()) instance = t.substr(11);
      snap->add_tags(std::move(t));
    }
    snap->mutable_summary();  // Backrest always sets one (zero when restic has none)
    int64_t duration_ms = 0;
    if (const Value* sum = Field(s, "summary"); sum && sum->kind_case() == Value::kStructValue) {
      duration_ms = ReadSummary(sum->struct_value(), *snap->mutable_summary());
    }
    const int64_t end = start + duration_ms;
    op.set_repo_id(o.repo_id);
    op.set_repo_guid(o.repo_guid);
    op.set_plan_id(!plan.empty() ? plan : !o.plan_id.empty() ? o.plan_id : "_unassociated_");
    op.set_instance_id(!instance.empty() ? instance : o.instance_id);
    op.set_unix_time_start_ms(start);
    op.set_unix_time_end_ms(end);
    op.set_status(v1::STATUS_SUCCESS);
    op.set_snapshot_id(id);
    // Backrest's rules (e.g. a snapshot dated at the epoch has no start
    // time a Backrest hub would accept).
    if (Status valid = store::ValidateOperation(op, store::StoreAssigns::kIdModnoAndFlowId);
        !valid.ok()) {
      return InvalidArgument(where + " (" + id.substr(0, 8) + "): " + valid.message());
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

StatusOr<std::string> ParseResticConfigId(std::string_view json) {
  google::protobuf::Struct root;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!st.ok())
    return InvalidArgument("expected the JSON object printed by `restic cat config --json`");
  const std::string id = Str(root, "id");
  if (!IsHexId(id))
    return InvalidArgument("`restic cat config --json` output has no 64-hex-digit \"id\"");
  return id;
}

}  // namespace brs::app
