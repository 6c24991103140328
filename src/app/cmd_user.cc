// `backrest-sync user add NAME | remove NAME`: the Backrest users of the
// config's `auth.users`, who may call the state service with HTTP Basic.
// The password is read from stdin (its first line), never from the command
// line, and stored only as a bcrypt hash (Backrest's `passwordBcrypt`).
#include <iostream>

#include "app/commands.h"
#include "app/json_writer.h"
#include "base/secret.h"
#include "sync/api_auth.h"

namespace brs::app {
namespace {

// bcrypt reads at most 72 bytes; Backrest (Go's bcrypt) refuses longer ones.
constexpr size_t kMaxPasswordBytes = 72;

Status CheckUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("user name must be 1..64 bytes");
  for (unsigned char c : name) {
    if (c == ':' || c < 0x20 || c == 0x7f) {
      return InvalidArgument("user name must not hold ':' or control characters");
    }
  }
  return Status();
}

// The first line of stdin (without its line ending), at most
// kMaxPasswordBytes + 1 bytes kept so that a longer one is refused.
std::string ReadPasswordLine() {
  std::string pw;
  char c;
  while (std::cin.get(c) && c != '\n') {
    if (pw.size() <= kMaxPasswordBytes) pw.push_back(c);
  }
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  return pw;
}

Outcome RunUserAdd(CommandContext& ctx, const std::string& name, bool replace) {
  if (Status st = CheckUserName(name); !st.ok()) return Outcome::Usage(st.message());
  BRS_RETURN_IF_ERROR(ctx.RequireDataDir().status());  // before reading stdin
  std::string password = ReadPasswordLine();
  if (password.empty()) {
    return Outcome::Usage(
        "no password on stdin (e.g. `printf '%s\\n' \"$PW\" | backrest-sync "
        "user add NAME`)");
  }
  if (password.size() > kMaxPasswordBytes) {
    SecureWipe(password.data(), password.size());
    return Outcome::Usage("the password is longer than 72 bytes (bcrypt's limit)");
  }
  auto hash = sync::MakeBackrestPassword(password);
  SecureWipe(password.data(), password.size());
  BRS_RETURN_IF_ERROR(hash.status());
  bool replaced = false;
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    replaced = false;
    for (auto& u : *c.mutable_auth()->mutable_users()) {
      if (u.name() != name) continue;
      if (!replace) {
        return Status(Code::kAlreadyExists,
                      "user " + name + " already exists (--replace sets a new password)");
      }
      u.set_password_bcrypt(*hash);
      replaced = true;
      return Status();
    }
    auto* u = c.mutable_auth()->add_users();
    u->set_name(name);
    u->set_password_bcrypt(*hash);
    return Status();
  }));
  if (ctx.json()) {
    ctx.out() << JsonObject().Str("added", name).Bool("replaced", replaced).str() << "\n";
  } else {
    ctx.out() << (replaced ? "set a new password for user " : "added user ") << name << "\n";
  }
  return Outcome();
}

Outcome RunUserRemove(CommandContext& ctx, const std::string& name) {
  return RemoveFromConfig(
      ctx, "user", name,
      [&](v1::Config& c) {
        return EraseFirst(*c.mutable_auth()->mutable_users(),
                          [&](const v1::User& u) { return u.name() == name; });
      },
      "removed user " + name);
}

}  // namespace

void RegisterUser(CommandRegistry& r) {
  CLI::App* user = r.Group("user", "Backrest users who may call the state service (HTTP Basic)");

  auto name = std::make_shared<std::string>();
  auto replace = std::make_shared<bool>(false);
  CLI::App* a = r.AddCommand(
      user, "add", "add a user; the password is the first line of stdin",
      [name, replace](CommandContext& ctx) { return RunUserAdd(ctx, *name, *replace); });
  a->add_option("name", *name, "user name")->required();
  a->add_flag("--replace", *replace, "set a new password for an existing user");

  auto rm_name = std::make_shared<std::string>();
  CLI::App* rm = r.AddCommand(user, "remove", "remove a user", [rm_name](CommandContext& ctx) {
    return RunUserRemove(ctx, *rm_name);
  });
  rm->add_option("name", *rm_name, "user name")->required();
}

}  // namespace brs::app
