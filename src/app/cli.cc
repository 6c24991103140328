#include "app/cli.h"

#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "app/admin_service.h"
#include "app/daemon.h"
#include "app/data_dir.h"
#include "app/log.h"
#include "app/restic_import.h"
#include "brs/admin.pb.h"
#include "crypto/pairing_token.h"
#include "rpc/client.h"
#include "sync/permissions.h"
#include "sync/rpc_glue.h"
#include "sync/state_service.h"

namespace brs::app {
namespace {

struct Globals {
  std::string data = DefaultDataDir();
  bool json = false;
  std::string log_format = "text";
  std::string log_level = "info";
};

// A command's outcome; the message is printed as "backrest-sync: error: …".
struct Failure {
  int code;
  std::string message;
};

[[noreturn]] void Fail(const Status& st) { throw Failure{1, st.message()}; }
[[noreturn]] void Usage(const std::string& m) { throw Failure{2, m}; }
void Check(const Status& st) {
  if (!st.ok()) Fail(st);
}
template <typename T>
T Must(StatusOr<T> v) {
  if (!v.ok()) Fail(v.status());
  return std::move(*v);
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t t = unix_seconds;
  std::tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  return buf;
}

// "90s", "30m", "24h", "7d", "1h30m".
StatusOr<int64_t> ParseDuration(const std::string& s) {
  if (s.empty()) return InvalidArgument("empty duration");
  int64_t total = 0, n = 0;
  bool digits = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      digits = true;
      if (n > 1'000'000'000) return InvalidArgument("duration too large: " + s);
      continue;
    }
    if (!digits) return InvalidArgument("bad duration \"" + s + "\" (e.g. 30m, 24h, 7d)");
    int64_t unit = c == 's'   ? 1
                   : c == 'm' ? 60
                   : c == 'h' ? 3600
                   : c == 'd' ? 86400
                   : c == 'w' ? 604800
                              : 0;
    if (unit == 0) return InvalidArgument("bad duration unit in \"" + s + "\" (use s, m, h, d, w)");
    total += n * unit;
    n = 0;
    digits = false;
  }
  if (digits) return InvalidArgument("duration \"" + s + "\" needs a unit (e.g. 30m, 24h, 7d)");
  return total;
}

std::vector<v1::Multihost::Permission> ParseGrants(const std::vector<std::string>& grants,
                                                   bool default_read_ops) {
  std::vector<v1::Multihost::Permission> out;
  for (const auto& g : grants) {
    auto p = sync::ParsePermissionFlag(g);
    if (!p.ok()) Usage("--grant " + g + ": " + p.status().message());
    out.push_back(*p);
  }
  if (out.empty() && default_read_ops) {
    v1::Multihost::Permission p;
    p.set_type(v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
    p.add_scopes("*");
    out.push_back(p);
  }
  return out;
}

std::string PermissionsText(
    const google::protobuf::RepeatedPtrField<v1::Multihost::Permission>& ps) {
  std::string out;
  for (const auto& p : ps) {
    if (!out.empty()) out += " ";
    std::string t = v1::Multihost::Permission::Type_Name(p.type());
    if (t.rfind("PERMISSION_", 0) == 0) t = t.substr(11);
    out += t;
    if (p.scopes_size()) {
      out += ":";
      for (int i = 0; i < p.scopes_size(); ++i) out += (i ? "," : "") + p.scopes(i);
    }
  }
  return out.empty() ? "-" : out;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::unique_ptr<store::ConfigStore> Config(const Globals& g) {
  DataDir dir = Must(ExistingDataDir(g.data));
  return Must(OpenConfig(dir));
}

void UpdateConfig(const Globals& g, const store::ConfigStore::UpdateFn& fn) {
  auto cfg = Config(g);
  Check(cfg->Update(fn).status());
}

// ---- Talking to a running daemon ----

struct DaemonLink {
  std::unique_ptr<rpc::Client> client;
  rpc::Headers auth;
};

// The running daemon of this data dir, or nullopt when none answers.
std::optional<DaemonLink> FindDaemon(const DataDir& dir) {
  auto info = ReadFile(dir.daemon_info(), 4096);
  if (!info.ok()) return std::nullopt;
  auto pos = info->find("\"listen\":\"");
  if (pos == std::string::npos) return std::nullopt;
  pos += 10;
  std::string listen = info->substr(pos, info->find('"', pos) - pos);
  const bool tls = info->find("\"tls\":true") != std::string::npos;
  if (listen.rfind("0.0.0.0:", 0) == 0) listen = "127.0.0.1:" + listen.substr(8);
  auto token = ReadAdminToken(dir);
  if (!token.ok()) return std::nullopt;
  rpc::ClientOptions o;
  o.base_url = std::string(tls ? "https://" : "http://") + listen;
  o.connect_timeout_ms = 3'000;
  auto client = rpc::Client::Create(o);
  if (!client.ok()) return std::nullopt;
  return DaemonLink{std::move(*client), {{"authorization", "Bearer " + *token}}};
}

DaemonLink RequireDaemon(const DataDir& dir) {
  auto d = FindDaemon(dir);
  if (!d) {
    Fail(Unavailable("no running daemon for " + dir.path +
                     " (start it with `backrest-sync serve --data " + dir.path + "`)"));
  }
  return std::move(*d);
}

// Opens the oplog directly, or says the daemon holds it.
StatusOr<std::unique_ptr<store::OplogStore>> OpenOplog(const DataDir& dir) {
  store::OplogStore::Options o;
  o.path = dir.oplog();
  return store::OplogStore::Open(o);
}

// ---- Commands ----

void CmdInit(const Globals& g, const std::string& instance_flag) {
  std::string instance = instance_flag;
  if (instance.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    instance = host[0] ? host : "backrest-sync";
  }
  if (::mkdir(g.data.c_str(), 0700) != 0 && errno != EEXIST) {
    // Create parents as needed.
    std::string p;
    for (size_t i = 1; i <= g.data.size(); ++i) {
      if (i == g.data.size() || g.data[i] == '/') {
        p = g.data.substr(0, i);
        ::mkdir(p.c_str(), 0700);
      }
    }
  }
  struct stat st;
  if (::stat(g.data.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    Fail(Internal("cannot create the data directory " + g.data));
  }
  ::chmod(g.data.c_str(), 0700);
  DataDir dir{g.data};
  store::ConfigStore::Options o;
  o.path = dir.config();
  o.create_if_missing = true;
  auto cfg = Must(store::ConfigStore::Open(o));
  if (!cfg->Get()->multihost().identity().keyid().empty()) {
    Fail(FailedPrecondition(dir.config() + " already has an identity (" +
                            cfg->Get()->multihost().identity().keyid() +
                            "); refusing to replace it"));
  }
  auto id = Must(crypto::Identity::Generate());
  Check(cfg->Update([&](v1::Config& c) {
             if (c.instance().empty()) c.set_instance(instance);
             *c.mutable_multihost()->mutable_identity() = id.ToPrivateKeyProto();
             return Status();
           })
            .status());
  Must(EnsureAdminToken(dir));
  auto c = cfg->Get();
  if (g.json) {
    std::cout << "{\"instance\":\"" << JsonEscape(c->instance()) << "\",\"keyid\":\"" << id.key_id()
              << "\",\"data\":\"" << JsonEscape(dir.path) << "\"}\n";
  } else {
    std::cout << "initialized " << dir.path << "\n  instance  " << c->instance() << "\n  key ID    "
              << id.key_id() << "\n";
  }
}

void CmdPairNew(const Globals& g, const std::string& label, const std::string& expires,
                int max_uses, const std::vector<std::string>& grants) {
  int64_t expires_at = 0;
  if (!expires.empty()) {
    auto d = ParseDuration(expires);
    if (!d.ok()) Usage("--expires: " + d.status().message());
    expires_at = NowUnix() + *d;
  }
  if (max_uses < 0) Usage("--max-uses must not be negative");
  auto perms = ParseGrants(grants, true);
  auto cfg = Config(g);
  auto id = Must(LoadIdentity(*cfg->Get()));
  const std::string secret = crypto::GeneratePairingSecret();
  Check(cfg->Update([&](v1::Config& c) {
             auto* t = c.mutable_multihost()->add_pairing_tokens();
             t->set_secret(secret);
             t->set_label(label);
             t->set_created_at_unix(NowUnix());
             t->set_expires_at_unix(expires_at);
             t->set_max_uses(max_uses);
             for (const auto& p : perms) *t->add_permissions() = p;
             return Status();
           })
            .status());
  const std::string token = crypto::FormatPairingToken(id.key_id(), secret, cfg->Get()->instance());
  if (g.json) {
    std::cout << "{\"token\":\"" << JsonEscape(token) << "\",\"label\":\"" << JsonEscape(label)
              << "\",\"expires_at_unix\":" << expires_at << ",\"max_uses\":" << max_uses
              << ",\"fingerprint\":\"" << crypto::PairingSecretFingerprint(secret) << "\"}\n";
  } else {
    std::cout << token << "\n";
    std::cerr << "Give this token to the client (Backrest: \"add known host\"; backrest-sync: "
                 "`backrest-sync join TOKEN --url URL`). It is shown only once.\n";
  }
}

void CmdPairList(const Globals& g) {
  auto cfg = Config(g)->Get();
  const int64_t now = NowUnix();
  if (g.json) {
    std::cout << "[";
    bool first = true;
    for (const auto& t : cfg->multihost().pairing_tokens()) {
      std::cout << (first ? "" : ",") << "{\"label\":\"" << JsonEscape(t.label())
                << "\",\"fingerprint\":\"" << crypto::PairingSecretFingerprint(t.secret())
                << "\",\"created_at_unix\":" << t.created_at_unix()
                << ",\"expires_at_unix\":" << t.expires_at_unix() << ",\"uses\":" << t.uses()
                << ",\"max_uses\":" << t.max_uses() << ",\"permissions\":\""
                << JsonEscape(PermissionsText(t.permissions())) << "\"}";
      first = false;
    }
    std::cout << "]\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"FINGERPRINT", "LABEL", "CREATED", "EXPIRES", "USES", "PERMISSIONS"}};
  for (const auto& t : cfg->multihost().pairing_tokens()) {
    std::string exp = FormatTime(t.expires_at_unix());
    if (t.expires_at_unix() > 0 && now > t.expires_at_unix()) exp += " (expired)";
    rows.push_back(
        {crypto::PairingSecretFingerprint(t.secret()), t.label().empty() ? "-" : t.label(),
         FormatTime(t.created_at_unix()), exp,
         std::to_string(t.uses()) + "/" + (t.max_uses() ? std::to_string(t.max_uses()) : "∞"),
         PermissionsText(t.permissions())});
  }
  PrintTable(rows);
}

void CmdPairRevoke(const Globals& g, const std::string& which) {
  int removed = 0;
  UpdateConfig(g, [&](v1::Config& c) {
    auto* list = c.mutable_multihost()->mutable_pairing_tokens();
    for (int i = list->size() - 1; i >= 0; --i) {
      const auto& t = list->Get(i);
      if (t.label() == which || crypto::PairingSecretFingerprint(t.secret()) == which) {
        list->DeleteSubrange(i, 1);
        ++removed;
      }
    }
    if (removed == 0) return NotFound("no pairing token with label or fingerprint " + which);
    return Status();
  });
  std::cout << "revoked " << removed << " token" << (removed == 1 ? "" : "s") << "\n";
}

void CmdJoin(const Globals& g, const std::string& token, const std::string& url,
             const std::vector<std::string>& grants, bool replace) {
  auto parsed = crypto::ParsePairingToken(token);
  if (!parsed.ok()) Usage(parsed.status().message());
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    Usage("--url must be http://host:port or https://host:port");
  }
  auto perms = ParseGrants(grants, true);
  UpdateConfig(g, [&](v1::Config& c) {
    auto* hosts = c.mutable_multihost()->mutable_known_hosts();
    for (int i = 0; i < hosts->size(); ++i) {
      if (hosts->Get(i).keyid() == parsed->hub_keyid) {
        if (!replace) {
          return Status(Code::kAlreadyExists, "already joined " + parsed->hub_instance +
                                                  " (use --replace to replace that entry)");
        }
        hosts->DeleteSubrange(i, 1);
        break;
      }
    }
    auto* h = hosts->Add();
    h->set_instance_id(parsed->hub_instance);
    h->set_keyid(parsed->hub_keyid);
    h->set_instance_url(url);
    h->set_initial_pairing_secret(parsed->secret);
    for (const auto& p : perms) *h->add_permissions() = p;
    return Status();
  });
  std::cout << "joined " << parsed->hub_instance << " (" << parsed->hub_keyid << ") at " << url
            << "; the running daemon connects now (or start `backrest-sync serve`)\n";
}

void CmdRepoAdd(const Globals& g, const std::string& id, const std::string& guid,
                const std::string& uri) {
  if (id.empty() || guid.empty()) Usage("repo add needs --id and --guid");
  UpdateConfig(g, [&](v1::Config& c) {
    for (const auto& r : c.repos()) {
      if (r.id() == id) return Status(Code::kAlreadyExists, "repo " + id + " already exists");
      if (r.guid() == guid)
        return Status(Code::kAlreadyExists, "repo GUID " + guid + " is used by " + r.id());
    }
    auto* r = c.add_repos();
    r->set_id(id);
    r->set_guid(guid);
    r->set_uri(uri);
    return Status();
  });
  std::cout << "added repo " << id << "\n";
}

void CmdRepoList(const Globals& g) {
  auto cfg = Config(g)->Get();
  if (g.json) {
    std::cout << "[";
    for (int i = 0; i < cfg->repos_size(); ++i)
      std::cout << (i ? "," : "") << ToJson(cfg->repos(i));
    std::cout << "]\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "GUID", "URI", "SHARED", "ORIGIN"}};
  for (const auto& r : cfg->repos()) {
    rows.push_back({r.id(), r.guid(), r.uri().empty() ? "-" : r.uri(), r.shared() ? "yes" : "no",
                    r.origin_instance_id().empty() ? "-" : r.origin_instance_id()});
  }
  PrintTable(rows);
}

void CmdRepoRemove(const Globals& g, const std::string& id) {
  UpdateConfig(g, [&](v1::Config& c) {
    auto* repos = c.mutable_repos();
    for (int i = 0; i < repos->size(); ++i) {
      if (repos->Get(i).id() == id) {
        repos->DeleteSubrange(i, 1);
        return Status();
      }
    }
    return NotFound("no repo " + id);
  });
  std::cout << "removed repo " << id << "\n";
}

std::string ReadInput(const std::string& file) {
  if (file.empty() || file == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  return Must(ReadFile(file, size_t{1} << 30));
}

// Adds ops directly or through the daemon; returns the IDs.
std::vector<int64_t> AddOps(const DataDir& dir, std::vector<v1::Operation> ops) {
  auto oplog = OpenOplog(dir);
  if (oplog.ok()) {
    Check((*oplog)->Add(ops));
    std::vector<int64_t> ids;
    for (const auto& op : ops) ids.push_back(op.id());
    return ids;
  }
  if (oplog.status().code() != Code::kUnavailable) Fail(oplog.status());
  DaemonLink d = RequireDaemon(dir);
  std::vector<int64_t> ids;
  // Batches keep each call well under the message limit.
  for (size_t at = 0; at < ops.size(); at += 2000) {
    v1::OperationList list;
    for (size_t i = at; i < std::min(ops.size(), at + 2000); ++i) *list.add_operations() = ops[i];
    auto r = d.client->Unary(kAdminAddOps, list.SerializeAsString(), d.auth, 60'000);
    if (!r.ok()) Fail(r.status());
    admin::v1::AddOpsResponse resp;
    resp.ParseFromString(*r);
    ids.insert(ids.end(), resp.ids().begin(), resp.ids().end());
  }
  return ids;
}

std::vector<v1::Operation> QueryOps(const DataDir& dir, const admin::v1::OpsQuery& q) {
  auto oplog = OpenOplog(dir);
  if (oplog.ok()) {
    return Must((*oplog)->Query(
        QueryFromFlags(q.peer_keyid(), q.instance_id(), q.repo_id(), q.plan_id(), q.limit())));
  }
  if (oplog.status().code() != Code::kUnavailable) Fail(oplog.status());
  DaemonLink d = RequireDaemon(dir);
  auto r = d.client->Unary(kAdminQueryOps, q.SerializeAsString(), d.auth, 60'000);
  if (!r.ok()) Fail(r.status());
  v1::OperationList list;
  list.ParseFromString(*r);
  return {list.operations().begin(), list.operations().end()};
}

void CmdOpsAdd(const Globals& g, const std::string& file) {
  DataDir dir = Must(ExistingDataDir(g.data));
  auto cfg = Must(OpenConfig(dir))->Get();
  std::string text = ReadInput(file);
  std::vector<v1::Operation> ops;
  auto parse_one = [&](std::string_view json, const std::string& where) {
    v1::Operation op;
    google::protobuf::util::JsonParseOptions o;
    auto st = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &op, o);
    if (!st.ok()) Fail(InvalidArgument(where + ": not an Operation: " + std::string(st.message())));
    if (op.instance_id().empty()) op.set_instance_id(cfg->instance());
    op.set_id(0);
    op.set_modno(0);
    if (op.unix_time_start_ms() == 0) {
      op.set_unix_time_start_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
    }
    // What the store will check once it assigns the IDs.
    v1::Operation probe = op;
    probe.set_id(1);
    probe.set_modno(1);
    if (probe.flow_id() == 0) probe.set_flow_id(1);
    Status valid = store::ValidateOperation(probe);
    if (!valid.ok()) Fail(InvalidArgument(where + ": " + valid.message()));
    bool known = false;
    for (const auto& r : cfg->repos()) known |= r.id() == op.repo_id();
    if (!known) {
      std::cerr << "backrest-sync: warning: " << where << ": repo " << op.repo_id()
                << " is not in the config; the op is stored but not forwarded to hubs "
                   "(add it with `backrest-sync repo add`)\n";
    }
    ops.push_back(std::move(op));
  };
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) Fail(InvalidArgument("no operations in the input"));
  // One JSON object (possibly multi-line), or JSON Lines.
  bool single = false;
  {
    v1::Operation probe;
    single = google::protobuf::util::JsonStringToMessage(text, &probe).ok();
  }
  if (single) {
    parse_one(text, file.empty() ? "stdin" : file);
  } else {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      parse_one(line, (file.empty() || file == "-" ? std::string("stdin") : file) + ":" +
                          std::to_string(n));
    }
  }
  auto ids = AddOps(dir, std::move(ops));
  if (g.json) {
    std::cout << "{\"added\":" << ids.size() << "}\n";
  } else {
    std::cout << "added " << ids.size() << " operation" << (ids.size() == 1 ? "" : "s") << "\n";
  }
}

void CmdOpsList(const Globals& g, const std::string& peer, const std::string& instance,
                const std::string& repo, const std::string& plan, int64_t limit) {
  DataDir dir = Must(ExistingDataDir(g.data));
  admin::v1::OpsQuery q;
  q.set_peer_keyid(peer);
  q.set_instance_id(instance);
  q.set_repo_id(repo);
  q.set_plan_id(plan);
  q.set_limit(limit);
  auto ops = QueryOps(dir, q);
  if (g.json) {
    for (const auto& op : ops) std::cout << ToJson(op) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "FLOW", "MODNO", "STATUS", "INSTANCE", "REPO", "PLAN", "STARTED", "SNAPSHOT"}};
  for (const auto& op : ops) {
    std::string status = v1::OperationStatus_Name(op.status());
    if (status.rfind("STATUS_", 0) == 0) status = status.substr(7);
    rows.push_back({std::to_string(op.id()), std::to_string(op.flow_id()),
                    std::to_string(op.modno()), status, op.instance_id(), op.repo_id(),
                    op.plan_id(), FormatTime(op.unix_time_start_ms() / 1000),
                    op.snapshot_id().empty() ? "-" : op.snapshot_id().substr(0, 8)});
  }
  PrintTable(rows);
  if (ops.empty()) std::cout << "(no operations)\n";
}

void CmdImportRestic(const Globals& g, const std::string& repo, const std::string& plan,
                     const std::string& guid_flag, const std::string& file) {
  if (repo.empty()) Usage("ops import-restic needs --repo ID");
  DataDir dir = Must(ExistingDataDir(g.data));
  auto cfgstore = Must(OpenConfig(dir));
  std::string guid = guid_flag;
  for (const auto& r : cfgstore->Get()->repos()) {
    if (r.id() == repo) guid = r.guid();
  }
  if (guid.empty()) {
    uint8_t b[16];
    std::FILE* f = std::fopen("/dev/urandom", "rb");
    if (!f || std::fread(b, 1, sizeof b, f) != sizeof b) Fail(Internal("no randomness"));
    std::fclose(f);
    guid = HexEncode(b, sizeof b);
    std::cerr << "backrest-sync: note: repo " << repo << " is new; added it with GUID " << guid
              << " (pass --guid to use the restic repository ID)\n";
  }
  Check(cfgstore
            ->Update([&](v1::Config& c) {
              for (const auto& r : c.repos()) {
                if (r.id() == repo) return Status();
              }
              auto* r = c.add_repos();
              r->set_id(repo);
              r->set_guid(guid);
              return Status();
            })
            .status());
  ResticImportOptions o{repo, guid, plan, cfgstore->Get()->instance()};
  auto ops = Must(ParseResticSnapshots(ReadInput(file), o));
  // Skip snapshots already indexed for this repo.
  admin::v1::OpsQuery q;
  q.set_repo_id(repo);
  std::set<std::string> known;
  for (const auto& op : QueryOps(dir, q)) {
    if (!op.snapshot_id().empty()) known.insert(op.snapshot_id());
  }
  std::vector<v1::Operation> fresh;
  for (auto& op : ops) {
    if (!known.count(op.snapshot_id())) fresh.push_back(std::move(op));
  }
  const bool progress = ::isatty(2) && fresh.size() > 5000;
  size_t done = 0;
  std::vector<int64_t> ids;
  for (size_t at = 0; at < fresh.size(); at += 5000) {
    std::vector<v1::Operation> batch(
        fresh.begin() + static_cast<long>(at),
        fresh.begin() + static_cast<long>(std::min(fresh.size(), at + 5000)));
    auto got = AddOps(dir, std::move(batch));
    done += got.size();
    if (progress) std::cerr << "\rimported " << done << "/" << fresh.size() << std::flush;
  }
  if (progress) std::cerr << "\n";
  if (g.json) {
    std::cout << "{\"imported\":" << done << ",\"skipped\":" << ops.size() - fresh.size() << "}\n";
  } else {
    std::cout << "imported " << done << " snapshot" << (done == 1 ? "" : "s") << " into repo "
              << repo << " (" << (ops.size() - fresh.size()) << " already known)\n";
  }
}

void PrintPeers(const Globals& g, const std::vector<v1sync::PeerState>& states) {
  if (g.json) {
    for (const auto& s : states) std::cout << ToJson(s) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"INSTANCE", "KEY ID", "STATE", "LAST HEARTBEAT", "MESSAGE"}};
  for (const auto& s : states) {
    std::string state = v1sync::ConnectionState_Name(s.state());
    if (state.rfind("CONNECTION_STATE_", 0) == 0) state = state.substr(17);
    rows.push_back({s.peer_instance_id(), s.peer_keyid(), state,
                    FormatTime(s.last_heartbeat_millis() / 1000), s.status_message()});
  }
  PrintTable(rows);
}

void CmdPeers(const Globals& g, bool watch) {
  DataDir dir = Must(ExistingDataDir(g.data));
  auto d = FindDaemon(dir);
  if (!d) {
    if (watch) Fail(Unavailable("--watch needs a running daemon (backrest-sync serve)"));
    // Offline: the stored states.
    auto cfg = Must(OpenConfig(dir));
    auto peers = Must(store::PeerStateStore::Open(dir.state()));
    sync::SessionRegistry none;
    sync::StateService svc(cfg.get(), peers.get(), &none);
    PrintPeers(g, Must(svc.Snapshot()));
    return;
  }
  auto stream = d->client->Open(sync::kPeerStatesPath, rpc::CallKind::kServerStream, d->auth);
  if (!stream.ok()) Fail(stream.status());
  v1sync::SyncStateStreamRequest req;
  req.set_subscribe(watch);
  Check((*stream)->Write(req.SerializeAsString()));
  (*stream)->Finish(Status());
  std::vector<v1sync::PeerState> states;
  std::string m;
  for (;;) {
    auto r = (*stream)->Read(&m, watch ? rpc::kNoDeadline : rpc::SteadyNowMs() + 30'000);
    if (!r.ok()) Fail(r.status());
    if (*r != rpc::Stream::ReadResult::kMessage) break;
    v1sync::PeerState s;
    s.ParseFromString(m);
    if (watch) {
      PrintPeers(g, {s});
      std::cout.flush();
    } else {
      states.push_back(s);
    }
  }
  if (!watch) PrintPeers(g, states);
}

void CmdStatus(const Globals& g) {
  DataDir dir = Must(ExistingDataDir(g.data));
  auto cfg = Must(OpenConfig(dir))->Get();
  admin::v1::StatusResponse s;
  s.set_instance(cfg->instance());
  s.set_keyid(cfg->multihost().identity().keyid());
  bool running = false;
  if (auto d = FindDaemon(dir)) {
    auto r = d->client->Unary(kAdminStatus, "", d->auth, 5'000);
    if (r.ok() && s.ParseFromString(*r)) running = true;
  }
  if (!running) {
    auto oplog = OpenOplog(dir);
    if (oplog.ok()) {
      int64_t total = Must((*oplog)->Count({})), synced = 0;
      Check((*oplog)->ScanMetadata({}, [&](const store::OpMetadata& m) {
        synced += !m.original_instance_keyid.empty();
        return true;
      }));
      s.set_ops_local(total - synced);
      s.set_ops_synced(synced);
    }
  }
  if (g.json) {
    std::string j = ToJson(s);
    j.insert(j.size() - 1, std::string(j.size() > 2 ? "," : "") +
                               "\"running\":" + (running ? "true" : "false") + ",\"data\":\"" +
                               JsonEscape(dir.path) + "\"");
    std::cout << j << "\n";
    return;
  }
  std::cout << "instance     " << s.instance() << "\nkey ID       " << s.keyid()
            << "\ndata         " << dir.path << "\ndaemon       "
            << (running ? "running on " + s.listen() : "not running") << "\noperations   "
            << s.ops_local() << " own, " << s.ops_synced() << " from peers\n";
  if (running) std::cout << "connected    " << s.peers_connected() << " peer(s)\n";
  std::cout << "known hosts  " << cfg->multihost().known_hosts_size() << "\nclients      "
            << cfg->multihost().authorized_clients_size() << "\n";
}

void CmdConfigPush(const Globals& g, const std::string& peer, const std::string& repos_file,
                   const std::vector<std::string>& delete_repos,
                   const std::vector<std::string>& delete_plans) {
  if (peer.empty()) Usage("config push needs --peer KEYID");
  DataDir dir = Must(ExistingDataDir(g.data));
  v1sync::SetRemoteClientConfigRequest req;
  req.set_peer_keyid(peer);
  if (!repos_file.empty()) {
    // A JSON array of Backrest repo objects, or a config.json whose repos are pushed.
    std::string text = ReadInput(repos_file);
    v1::Config holder;
    std::string wrapped = text.find_first_not_of(" \t\r\n") != std::string::npos &&
                                  text[text.find_first_not_of(" \t\r\n")] == '['
                              ? "{\"repos\":" + text + "}"
                              : text;
    auto st = google::protobuf::util::JsonStringToMessage(wrapped, &holder);
    if (!st.ok()) Fail(InvalidArgument(repos_file + ": " + std::string(st.message())));
    *req.mutable_repos() = holder.repos();
    *req.mutable_plans() = holder.plans();
  }
  for (const auto& r : delete_repos) req.add_repos_to_delete(r);
  for (const auto& p : delete_plans) req.add_plans_to_delete(p);
  DaemonLink d = RequireDaemon(dir);
  auto r = d.client->Unary(sync::kSetRemoteConfigPath, req.SerializeAsString(), d.auth, 30'000);
  if (!r.ok()) Fail(r.status());
  std::cout << "sent set_config to " << peer << "\n";
}

void CmdLogsGet(const Globals& g, const std::string& logref, const std::string& peer) {
  DataDir dir = Must(ExistingDataDir(g.data));
  DaemonLink d = RequireDaemon(dir);
  admin::v1::FetchLogRequest req;
  req.set_log_id(logref);
  req.set_peer_keyid(peer);
  auto stream = d.client->Open(kAdminFetchLog, rpc::CallKind::kServerStream, d.auth);
  if (!stream.ok()) Fail(stream.status());
  Check((*stream)->Write(req.SerializeAsString()));
  (*stream)->Finish(Status());
  std::string m;
  for (;;) {
    auto r = (*stream)->Read(&m, rpc::SteadyNowMs() + 120'000);
    if (!r.ok()) Fail(r.status());
    if (*r != rpc::Stream::ReadResult::kMessage) break;
    admin::v1::LogChunk c;
    c.ParseFromString(m);
    std::cout << c.data();
  }
  std::cout.flush();
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"backrest-sync: a hub and client for Backrest's multi-instance sync"};
  app.set_version_flag("--version", std::string("backrest-sync ") + BRS_VERSION);
  app.require_subcommand(1);
  Globals g;
  auto add_common = [&](CLI::App* c) {
    c->add_option("--data", g.data,
                  "data directory (default $BACKREST_SYNC_DATA or ~/.local/share/backrest-sync)");
    c->add_flag("--json", g.json, "print data as JSON");
    c->add_option("--log-format", g.log_format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    c->add_option("--log-level", g.log_level, "debug, info, warn, error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  };

  std::string instance;
  auto* init = app.add_subcommand("init", "create the data directory, config and identity");
  add_common(init);
  init->add_option("--instance", instance, "instance name (default: host name)");

  DaemonOptions dopts;
  auto* serve = app.add_subcommand("serve", "run the hub and client roles");
  add_common(serve);
  serve->add_option("--listen", dopts.listen, "address to listen on (default 127.0.0.1:9898)");
  serve->add_option("--tls-cert", dopts.tls_cert, "PEM certificate (enables TLS)");
  serve->add_option("--tls-key", dopts.tls_key, "PEM private key");
  serve->add_option("--ca", dopts.ca_file, "PEM CA bundle for https:// known hosts");
  int64_t heartbeat_s = 600, retry_s = 60;
  serve->add_option("--heartbeat", heartbeat_s, "seconds between heartbeats (Backrest: 600)");
  serve->add_option("--retry-delay", retry_s, "reconnect delay base in seconds (Backrest: 60)");

  auto* pair = app.add_subcommand("pair", "pairing tokens for new clients");
  pair->require_subcommand(1);
  std::string label, expires;
  int max_uses = 1;
  std::vector<std::string> grants;
  auto* pair_new = pair->add_subcommand("new", "create a token (printed once)");
  add_common(pair_new);
  pair_new->add_option("--label", label, "a name for the token");
  pair_new->add_option("--expires", expires, "lifetime, e.g. 30m, 24h, 7d (default: never)");
  pair_new->add_option("--max-uses", max_uses,
                       "uses before the token is deleted (0: unlimited; default 1)");
  pair_new->add_option("--grant", grants,
                       "permission for paired clients, TYPE[:SCOPE,...] (repeatable)");
  auto* pair_list = pair->add_subcommand("list", "list tokens (secrets are never shown)");
  add_common(pair_list);
  std::string revoke_which;
  auto* pair_revoke = pair->add_subcommand("revoke", "delete a token by label or fingerprint");
  add_common(pair_revoke);
  pair_revoke->add_option("token", revoke_which, "label or fingerprint")->required();

  std::string token, url;
  bool replace = false;
  std::vector<std::string> join_grants;
  auto* join = app.add_subcommand("join", "add a hub as a known host with a pairing token");
  add_common(join);
  join->add_option("token", token, "<keyid>:<secret>#<instance>")->required();
  join->add_option("--url", url, "the hub's URL (http:// or https://)")->required();
  join->add_option("--grant", join_grants,
                   "what the hub may read, TYPE[:SCOPE,...] (default READ_OPERATIONS:*)");
  join->add_flag("--replace", replace, "replace an existing entry for that hub");

  bool watch = false;
  auto* peers = app.add_subcommand("peers", "state of every known host and client");
  add_common(peers);
  peers->add_flag("--watch", watch, "keep printing changes");

  auto* ops = app.add_subcommand("ops", "operations");
  ops->require_subcommand(1);
  std::string peer_f, instance_f, repo_f, plan_f, file_f, guid_f;
  int64_t limit = 0;
  auto* ops_list = ops->add_subcommand("list", "list operations");
  add_common(ops_list);
  ops_list->add_option("--peer", peer_f, "only ops synced from this key ID");
  ops_list->add_option("--instance", instance_f, "only ops of this instance");
  ops_list->add_option("--repo", repo_f, "only ops of this repo ID");
  ops_list->add_option("--plan", plan_f, "only ops of this plan ID");
  ops_list->add_option("--limit", limit, "at most N (newest first)");
  auto* ops_add =
      ops->add_subcommand("add", "add operations (protobuf JSON, one object or JSON Lines)");
  add_common(ops_add);
  ops_add->add_option("file", file_f, "file or - for stdin");
  auto* ops_import = ops->add_subcommand("import-restic", "index `restic snapshots --json` output");
  add_common(ops_import);
  ops_import->add_option("--repo", repo_f, "repo ID")->required();
  ops_import->add_option("--plan", plan_f, "plan ID for snapshots without a plan: tag");
  ops_import->add_option("--guid", guid_f,
                         "repo GUID when the repo is new (e.g. the restic repository ID)");
  ops_import->add_option("file", file_f, "file or - for stdin");

  auto* repo = app.add_subcommand("repo", "the config's repos");
  repo->require_subcommand(1);
  std::string repo_id, repo_guid, repo_uri;
  auto* repo_add = repo->add_subcommand("add", "add a repo");
  add_common(repo_add);
  repo_add->add_option("--id", repo_id, "repo ID")->required();
  repo_add->add_option("--guid", repo_guid, "repo GUID")->required();
  repo_add->add_option("--uri", repo_uri, "restic repository URI");
  auto* repo_list = repo->add_subcommand("list", "list repos");
  add_common(repo_list);
  auto* repo_remove = repo->add_subcommand("remove", "remove a repo");
  add_common(repo_remove);
  repo_remove->add_option("id", repo_id, "repo ID")->required();

  auto* config = app.add_subcommand("config", "configure connected clients");
  config->require_subcommand(1);
  std::string push_peer, push_repos;
  std::vector<std::string> del_repos, del_plans;
  auto* push = config->add_subcommand("push", "send set_config to a connected client");
  add_common(push);
  push->add_option("--peer", push_peer, "client key ID")->required();
  push->add_option("--repos", push_repos, "JSON array of repos (Backrest format) or a config.json");
  push->add_option("--delete-repo", del_repos, "repo ID to delete on the client");
  push->add_option("--delete-plan", del_plans, "plan ID to delete on the client");

  auto* logs = app.add_subcommand("logs", "operation logs");
  logs->require_subcommand(1);
  std::string logref, log_peer;
  auto* logs_get = logs->add_subcommand("get", "print a log (from a connected peer with --peer)");
  add_common(logs_get);
  logs_get->add_option("logref", logref, "the op's logref")->required();
  logs_get->add_option("--peer", log_peer, "key ID of the peer that has the log");

  auto* status = app.add_subcommand("status", "instance, key, daemon, op counts");
  add_common(status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  Status logst = InitLogging(g.log_format, g.log_level);
  if (!logst.ok()) {
    std::fprintf(stderr, "backrest-sync: error: %s\n", logst.message().c_str());
    return 2;
  }
  try {
    if (init->parsed()) CmdInit(g, instance);
    if (serve->parsed()) {
      // A fresh machine: serve on embedded defaults, creating the data dir.
      if (!ExistingDataDir(g.data).ok()) {
        std::fprintf(stderr, "backrest-sync: no data directory at %s; initializing it\n",
                     g.data.c_str());
        CmdInit(g, "");
      }
      DataDir dir = Must(ExistingDataDir(g.data));
      dopts.dir = dir;
      dopts.heartbeat_interval_ms = heartbeat_s * 1000;
      dopts.retry_delay_ms = retry_s * 1000;
      if (dopts.tls_cert.empty() != dopts.tls_key.empty())
        Usage("--tls-cert and --tls-key go together");
      return RunDaemon(dopts);
    }
    if (pair_new->parsed()) CmdPairNew(g, label, expires, max_uses, grants);
    if (pair_list->parsed()) CmdPairList(g);
    if (pair_revoke->parsed()) CmdPairRevoke(g, revoke_which);
    if (join->parsed()) CmdJoin(g, token, url, join_grants, replace);
    if (peers->parsed()) CmdPeers(g, watch);
    if (ops_list->parsed()) CmdOpsList(g, peer_f, instance_f, repo_f, plan_f, limit);
    if (ops_add->parsed()) CmdOpsAdd(g, file_f);
    if (ops_import->parsed()) CmdImportRestic(g, repo_f, plan_f, guid_f, file_f);
    if (repo_add->parsed()) CmdRepoAdd(g, repo_id, repo_guid, repo_uri);
    if (repo_list->parsed()) CmdRepoList(g);
    if (repo_remove->parsed()) CmdRepoRemove(g, repo_id);
    if (push->parsed()) CmdConfigPush(g, push_peer, push_repos, del_repos, del_plans);
    if (logs_get->parsed()) CmdLogsGet(g, logref, log_peer);
    if (status->parsed()) CmdStatus(g);
  } catch (const Failure& f) {
    std::fprintf(stderr, "backrest-sync: error: %s\n", f.message.c_str());
    return f.code;
  }
  return 0;
}

}  // namespace brs::app
