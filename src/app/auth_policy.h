// The daemon's rules for API authentication (README "Security"):
//  - the state service requires credentials (a Backrest user from
//    `auth.users` over HTTP Basic, or the admin bearer token) unless the
//    operator set `auth.disabled` in config.json;
//  - `auth.disabled` is honoured on a loopback listen address only, unless
//    `serve --insecure-no-auth` was given; every time it takes effect a
//    warning is logged;
//  - the admin API (the CLI's) always requires the admin token;
//  - every refused call is logged once, with the method, the caller's
//    address and the reason, never the presented credential.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "rpc/server.h"
#include "v1/config.pb.h"

namespace brs::app {

// True when `listen` ("host:port", host an IP address, IPv6 in brackets)
// binds only loopback: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. A wildcard
// (0.0.0.0, ::, empty host) or anything else is not.
bool IsLoopbackListen(std::string_view listen);

// Whether `auth.disabled` may take effect for a daemon listening on
// `listen`: Ok when auth is enabled, or the address is loopback, or
// `insecure_no_auth`; FailedPrecondition saying why and what to do
// otherwise.
Status CheckAuthDisabledAllowed(const v1::Auth& auth, std::string_view listen,
                                bool insecure_no_auth);

// The auth section the daemon enforces: `configured`, with `disabled`
// cleared when CheckAuthDisabledAllowed refuses it.
v1::Auth EffectiveAuth(const v1::Auth& configured, std::string_view listen, bool insecure_no_auth);

// One warning line for a refused API call: method path, caller address and
// `why` (a reason from the authenticator, which never holds the secret).
void LogAuthRefusal(const rpc::CallInfo& call, const Status& why);

}  // namespace brs::app
