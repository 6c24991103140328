// The admin API's trust procedures, for the dashboard's Pairing and peers
// page (proto/brs/admin.proto, TrustRequest and after): list pairing tokens
// (never their secrets), authorized clients and known hosts with whether a
// session is live; create a pairing token (its string answered once);
// revoke a token; change a client's grants; revoke a client (its session
// ends and its next one is refused, as `pair revoke KEYID`). Each change
// goes through the ConfigStore, which the running daemon applies at once,
// and is logged.
#pragma once

#include "app/admin_service.h"

namespace brs::app {

inline constexpr std::string_view kAdminTrust = "/brs.admin.v1.Admin/Trust";
inline constexpr std::string_view kAdminCreateToken = "/brs.admin.v1.Admin/CreatePairingToken";
inline constexpr std::string_view kAdminRevokeToken = "/brs.admin.v1.Admin/RevokePairingToken";
inline constexpr std::string_view kAdminSetClientGrants = "/brs.admin.v1.Admin/SetClientGrants";
inline constexpr std::string_view kAdminRevokeClient = "/brs.admin.v1.Admin/RevokeClient";

// Registers them; each call passes `check` (the admin token or a
// dashboard session) first.
void RegisterAdminTrust(rpc::Server& server, const AdminContext* ctx,
                        Status (*check)(const AdminContext*, const rpc::CallInfo&));

}  // namespace brs::app
