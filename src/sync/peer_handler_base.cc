#include "sync/peer_handler_base.h"

#include <algorithm>

#include "sync/session_error.h"

namespace brs::sync {

PeerHandlerBase::PeerHandlerBase(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features)
    : env_(env), tunables_(tunables), features_(peer_features) {}

Status PeerHandlerBase::LoadPermissions(const v1::Multihost::Peer& entry, std::string_view what) {
  auto perms = PermissionSet::FromProto(entry.permissions());
  if (!perms.ok()) {
    return LocalConfigError("permissions of " + std::string(what) + " " + entry.instance_id() +
                            ": " + perms.status().message());
  }
  perms_ = std::move(*perms);
  return Status();
}

void PeerHandlerBase::SendConfigView(const v1::Config& config, ItemSink& out) const {
  SyncStreamItem item;
  *item.mutable_receive_config()->mutable_config() = RemoteConfigFor(config, perms_);
  out.Send(std::move(item));
  out.Send(ResourcesItem(config));
}

Status PeerHandlerBase::MarkConnected(const v1::Multihost::Peer& peer) {
  peer_ = peer;
  auto st = env_.peers->Update(peer.keyid(), [&](v1sync::PeerState& s) {
    s.set_peer_instance_id(peer.instance_id());
    s.set_state(v1sync::CONNECTION_STATE_CONNECTED);
    s.set_status_message("connected");
    s.set_last_heartbeat_millis(UnixMillis(env_.clock->NowWall()));
    return Status();
  });
  if (!st.ok()) return Internal("recording peer state: " + st.status().message());
  connected_ = true;
  return Status();
}

void PeerHandlerBase::OnConnectionDisconnected(const Status& why) {
  if (!connected_) return;
  connected_ = false;
  // The peer state tells the operator why; failures to record it are not
  // worth more than the session that already ended.
  if (record_end_state_) {
    (void)env_.peers->SetConnectionState(peer_.keyid(), peer_.instance_id(),
                                         ConnectionStateFor(why), StatusMessageFor(why));
  }
  std::map<std::string, PendingLog> pending;
  {
    std::lock_guard lock(logs_mu_);
    pending.swap(pending_logs_);
  }
  for (auto& [id, p] : pending) {
    p.fn({}, true, Unavailable("session ended before the log was complete"));
  }
}

Status PeerHandlerBase::HandleHeartbeat(const SyncStreamItem::SyncActionHeartbeat&, ItemSink&) {
  auto st = env_.peers->RecordHeartbeat(peer_.keyid(), UnixMillis(env_.clock->NowWall()));
  if (!st.ok()) return Internal("recording heartbeat: " + st.status().message());
  return Status();
}

Status PeerHandlerBase::HandleReceiveConfig(const SyncStreamItem::SyncActionReceiveConfig& item,
                                            ItemSink&) {
  if (!item.has_config()) return ProtocolError("receive_config without a config");
  auto st = env_.peers->Update(peer_.keyid(), [&](v1sync::PeerState& s) {
    *s.mutable_remote_config() = item.config();
    return Status();
  });
  if (!st.ok()) return Internal("storing remote config: " + st.status().message());
  return Status();
}

Status PeerHandlerBase::HandleReceiveResources(
    const SyncStreamItem::SyncActionReceiveResources& item, ItemSink&) {
  auto st = env_.peers->Update(peer_.keyid(), [&](v1sync::PeerState& s) {
    // Resources are added (Backrest keeps them in maps keyed by ID).
    for (const auto& repo : item.repos()) {
      auto* list = s.mutable_known_repos();
      auto it = std::find_if(list->begin(), list->end(),
                             [&](const v1sync::RepoMetadata& r) { return r.id() == repo.id(); });
      if (it != list->end()) {
        *it = repo;
      } else {
        *list->Add() = repo;
      }
    }
    for (const auto& plan : item.plans()) {
      auto* list = s.mutable_known_plans();
      auto it = std::find_if(list->begin(), list->end(),
                             [&](const v1sync::PlanMetadata& p) { return p.id() == plan.id(); });
      if (it == list->end()) *list->Add() = plan;
    }
    return Status();
  });
  if (!st.ok()) return Internal("storing resources: " + st.status().message());
  return Status();
}

Status PeerHandlerBase::HandleRequestLog(const SyncStreamItem::SyncActionRequestLog& item,
                                         ItemSink& out) {
  if (!features_.log_transfer) return RoleHandler::HandleRequestLog(item, out);
  const std::string& name = item.log_id();
  auto fail = [&](const std::string& message) {
    SyncStreamItem reply;
    auto* data = reply.mutable_receive_log_data();
    data->set_log_id(name);
    data->set_error_message(message);
    out.Send(std::move(reply));
    return Status();
  };
  if (env_.logs == nullptr) return fail("log transfer is not available on this instance");
  if (!store::ValidateLogName(name).ok()) return fail("invalid log name");
  auto meta = env_.logs->GetMetadata(name);
  if (!meta.ok()) return fail("log not found");
  // The log is readable only with READ_OPERATIONS on the op that owns it.
  auto owner = env_.oplog->Get(meta->owner_opid);
  if (!owner.ok() || !MayReadOperation(*owner)) return fail("log not found or not permitted");

  bool first = true;
  Status read = env_.logs->ReadChunks(name, 0, store::kLogChunkBytes, [&](std::string_view chunk) {
    SyncStreamItem reply;
    auto* data = reply.mutable_receive_log_data();
    data->set_log_id(name);
    if (first) {
      data->set_owner_opid(meta->owner_opid);
      data->set_expiration_ts_unix(meta->expires_unix);
      first = false;
    }
    data->set_chunk(chunk.data(), chunk.size());
    out.Send(std::move(reply));
    return true;
  });
  if (!read.ok()) return fail("reading log failed");
  SyncStreamItem end;
  auto* data = end.mutable_receive_log_data();
  data->set_log_id(name);
  if (first) {
    data->set_owner_opid(meta->owner_opid);
    data->set_expiration_ts_unix(meta->expires_unix);
  }
  out.Send(std::move(end));  // the empty chunk ends the log
  return Status();
}

Status PeerHandlerBase::HandleReceiveLogData(const SyncStreamItem::SyncActionReceiveLogData& item,
                                             ItemSink& out) {
  if (!features_.log_transfer) return RoleHandler::HandleReceiveLogData(item, out);
  if (item.chunk().size() > store::kLogChunkBytes) {
    return ProtocolError("receive_log_data chunk larger than 64 KiB");
  }
  LogChunkFn fn;
  bool done = false;
  Status outcome;
  {
    std::lock_guard lock(logs_mu_);
    auto it = pending_logs_.find(item.log_id());
    if (it == pending_logs_.end()) return ProtocolError("receive_log_data for a log not requested");
    PendingLog& p = it->second;
    if (!item.error_message().empty()) {
      done = true;
      outcome = NotFound("peer: " + item.error_message().substr(0, 512));
    } else if (item.chunk().empty()) {
      done = true;
    } else {
      p.received += static_cast<int64_t>(item.chunk().size());
      if (p.received > kMaxFetchedLogBytes) {
        done = true;
        outcome = ResourceExhausted("fetched log exceeds the size limit");
      }
    }
    fn = p.fn;
    if (done) pending_logs_.erase(it);
  }
  if (done) {
    fn({}, true, outcome);
  } else {
    fn(item.chunk(), false, Status());
  }
  return Status();
}

Status PeerHandlerBase::FetchLog(const std::string& log_id, ItemSink& out, LogChunkFn fn) {
  if (!features_.log_transfer) {
    return FailedPrecondition(
        "peer did not announce log transfer (a Backrest peer cannot serve logs)");
  }
  BRS_RETURN_IF_ERROR(store::ValidateLogName(log_id));
  {
    std::lock_guard lock(logs_mu_);
    if (pending_logs_.count(log_id)) return Status(Code::kAlreadyExists, "log is being fetched");
    pending_logs_[log_id] = PendingLog{std::move(fn), 0};
  }
  SyncStreamItem req;
  req.mutable_request_log()->set_log_id(log_id);
  out.Send(std::move(req));
  return Status();
}

}  // namespace brs::sync
