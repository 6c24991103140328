// `backrest-sync init [--instance NAME]`: creates the data directory (0700),
// config.json (0600, Backrest format) with the instance name and a new
// identity, and the admin token. Refuses when the config has an identity.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/commands.h"
#include "app/id_rules.h"
#include "app/json_writer.h"
#include "crypto/identity.h"

namespace brs::app {
namespace {

// mkdir -p with mode 0700 for what it creates; the last component is
// chmod'ed to 0700 even when it existed.
Status MakeDataDir(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    const std::string prefix = path.substr(0, i);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Internal("cannot create " + prefix + ": " + std::strerror(errno));
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return FailedPrecondition(path + " exists and is not a directory");
  }
  if (::chmod(path.c_str(), 0700) != 0) {
    return Internal("cannot chmod 0700 " + path + ": " + std::strerror(errno));
  }
  return Status();
}

// The host name made a valid instance ID (Backrest's SanitizeID: other
// characters become '_'; at most 50 chars).
std::string HostInstanceName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "backrest-sync";
  std::string name = host;
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  if (name.size() > kInstanceIdMaxLen) name.resize(kInstanceIdMaxLen);
  return name;
}

}  // namespace

Outcome RunInit(CommandContext& ctx, const InitFlags& flags) {
  const std::string instance = flags.instance.empty() ? HostInstanceName() : flags.instance;
  if (Status st = CheckBackrestId("--instance", instance, kInstanceIdMaxLen); !st.ok()) {
    return flags.instance.empty() ? Outcome(st) : Outcome::Usage(st.message());
  }
  const std::string& path = ctx.flags().data;
  DataDir dir{path};
  // An existing config is read first: a corrupt one is an error (left as it
  // is), and one with an identity is never touched.
  {
    store::ConfigStore::Options o;
    o.path = dir.config();
    if (::access(dir.config().c_str(), F_OK) == 0) {
      BRS_ASSIGN_OR_RETURN(auto existing, store::ConfigStore::Open(o));
      const auto& id = existing->Get()->multihost().identity();
      if (!id.keyid().empty()) {
        return FailedPrecondition(dir.config() + " already has an identity (" + id.keyid() +
                                  "); refusing to replace it");
      }
    }
  }
  BRS_RETURN_IF_ERROR(MakeDataDir(path));
  store::ConfigStore::Options o;
  o.path = dir.config();
  o.create_if_missing = true;
  BRS_ASSIGN_OR_RETURN(auto config, store::ConfigStore::Open(o));
  BRS_ASSIGN_OR_RETURN(crypto::Identity identity, crypto::Identity::Generate());
  BRS_RETURN_IF_ERROR(config
                          ->Update([&](v1::Config& c) {
                            if (!c.multihost().identity().keyid().empty()) {
                              return FailedPrecondition(dir.config() +
                                                        " got an identity meanwhile; refusing "
                                                        "to replace it");
                            }
                            if (c.instance().empty()) c.set_instance(instance);
                            *c.mutable_multihost()->mutable_identity() =
                                identity.ToPrivateKeyProto();
                            return Status();
                          })
                          .status());
  BRS_RETURN_IF_ERROR(EnsureAdminToken(dir).status());
  const std::string final_instance = config->Get()->instance();
  if (ctx.json()) {
    ctx.out() << JsonObject()
                     .Str("instance", final_instance)
                     .Str("keyid", identity.key_id())
                     .Str("data", dir.path)
                     .str()
              << "\n";
  } else {
    ctx.out() << "initialized " << dir.path << "\n  instance  " << final_instance
              << "\n  key ID    " << identity.key_id() << "\n";
  }
  return Outcome();
}

void RegisterInit(CommandRegistry& r) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* c = r.AddCommand(nullptr, "init", "create the data directory, config and identity",
                             [flags](CommandContext& ctx) { return RunInit(ctx, *flags); });
  c->add_option("--instance", flags->instance, "instance name (default: the host name)");
}

}  // namespace brs::app
