// `backrest-sync join TOKEN --url URL`: adds the hub of a pairing token as
// a known host {instance_id, keyid, instance_url, initial_pairing_secret,
// permissions}. A running daemon applies the change at once and connects.
// Without --grant the hub gets what Backrest's UI gives a pasted known host:
// READ_OPERATIONS:* and RECEIVE_SHARED_REPOS (so a hub's shared repos land).
#include "app/commands.h"
#include "app/grants.h"
#include "app/json_writer.h"
#include "crypto/pairing_token.h"

namespace brs::app {
namespace {

// Backrest's UI default for a known host (SPEC §6a).
const std::vector<std::string> kDefaultJoinGrants = {"READ_OPERATIONS:*", "RECEIVE_SHARED_REPOS"};

struct JoinFlags {
  std::string token;
  std::string url;
  std::vector<std::string> grants;
  bool replace = false;
};

// http(s)://HOST[:PORT][/PREFIX] with a non-empty host, a port in 1-65535,
// no user info, query, fragment, spaces or control characters.
Status CheckHubUrl(const std::string& url) {
  const std::string hint = " (expected http://HOST:PORT or https://HOST:PORT)";
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else {
    return InvalidArgument("--url \"" + url + "\" must start with http:// or https://");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '@') {
      return InvalidArgument("--url \"" + url + "\" contains a character not allowed here" + hint);
    }
  }
  const std::string hostport = rest.substr(0, rest.find('/'));
  std::string host = hostport, port;
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string::npos) return InvalidArgument("--url: unclosed '[' in " + url);
    host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return InvalidArgument("--url: bad port in " + url);
      port = hostport.substr(close + 2);
      if (port.empty()) return InvalidArgument("--url: empty port in " + url);
    }
  } else if (const size_t colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (port.empty()) return InvalidArgument("--url: empty port in " + url);
  }
  if (host.empty()) return InvalidArgument("--url \"" + url + "\" has no host" + hint);
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return InvalidArgument("--url: port \"" + port + "\" is not 1-65535");
    }
  }
  return Status();
}

Outcome RunJoin(CommandContext& ctx, const JoinFlags& flags) {
  auto parsed = crypto::ParsePairingToken(flags.token);
  if (!parsed.ok()) return Outcome::Usage(parsed.status().message());
  if (Status st = CheckHubUrl(flags.url); !st.ok()) return Outcome::Usage(st.message());
  auto perms = ParseGrantFlags(flags.grants.empty() ? kDefaultJoinGrants : flags.grants);
  if (!perms.ok()) return Outcome::Usage(perms.status().message());
  bool replaced = false;
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    replaced = false;
    if (c.multihost().identity().keyid() == parsed->hub_keyid) {
      return InvalidArgument("the token is this instance's own (key ID " + parsed->hub_keyid + ")");
    }
    auto* hosts = c.mutable_multihost()->mutable_known_hosts();
    for (int i = 0; i < hosts->size(); ++i) {
      const auto& h = hosts->Get(i);
      const bool same_key = h.keyid() == parsed->hub_keyid;
      if (!same_key && h.instance_id() != parsed->hub_instance) continue;
      if (!flags.replace) {
        return Status(Code::kAlreadyExists, "already a known host: " + h.instance_id() + " (" +
                                                h.keyid() +
                                                "); pass --replace to replace that entry");
      }
      hosts->DeleteSubrange(i, 1);
      replaced = true;
      break;
    }
    auto* h = hosts->Add();
    h->set_instance_id(parsed->hub_instance);
    h->set_keyid(parsed->hub_keyid);
    h->set_instance_url(flags.url);
    h->set_initial_pairing_secret(parsed->secret);
    *h->mutable_permissions() = *perms;
    return Status();
  }));
  if (ctx.json()) {
    ctx.out() << JsonObject()
                     .Str("instance", parsed->hub_instance)
                     .Str("keyid", parsed->hub_keyid)
                     .Str("url", flags.url)
                     .Str("permissions", PermissionsText(*perms))
                     .Bool("replaced", replaced)
                     .str()
              << "\n";
  } else {
    ctx.out() << (replaced ? "replaced " : "joined ") << parsed->hub_instance << " ("
              << parsed->hub_keyid << ") at " << flags.url
              << "; a running daemon connects now (else start `backrest-sync serve`)\n";
  }
  return Outcome();
}

}  // namespace

void RegisterJoin(CommandRegistry& r) {
  auto flags = std::make_shared<JoinFlags>();
  CLI::App* c = r.AddCommand(nullptr, "join", "add a hub as a known host with a pairing token",
                             [flags](CommandContext& ctx) { return RunJoin(ctx, *flags); });
  c->add_option("token", flags->token, "the hub's token, <keyid>:<secret>#<instance>")->required();
  c->add_option("--url", flags->url, "the hub's URL (http://HOST:PORT or https://HOST:PORT)")
      ->required();
  c->add_option("--grant", flags->grants,
                "what the hub may do here, TYPE[:SCOPE,...] (repeatable; default, as Backrest: "
                "READ_OPERATIONS:* RECEIVE_SHARED_REPOS)");
  c->add_flag("--replace", flags->replace, "replace an existing entry for that hub");
}

}  // namespace brs::app
