#include "rpc/protocol.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wire_format_lite.h>

#include <cctype>
#include <vector>

#include "base/encoding.h"

namespace brs::rpc {
namespace {

constexpr size_t kMaxErrorJson = 1 << 20;
constexpr size_t kMaxDetails = 64;
constexpr std::string_view kTypeUrlPrefix = "type.googleapis.com/";

// Base64 of either padding (Connect and gRPC senders differ), standard
// alphabet; nullopt when it is not base64.
std::optional<std::string> DecodeBase64Lenient(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  auto b = Base64Decode(text, Base64Alphabet::kStandard, Base64Padding::kNone);
  if (!b.ok()) return std::nullopt;
  return std::string(b->begin(), b->end());
}

std::string EncodeBase64(std::string_view bytes) {
  return Base64Encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                      Base64Alphabet::kStandard, Base64Padding::kNone);
}

// The type name of an Any's type URL: what follows its last '/'.
std::string TypeNameOfUrl(std::string_view url) {
  const auto slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

// Connect error JSON "details": [{"type": name, "value": base64}, ...];
// entries that are not well formed are dropped, as Connect clients do.
std::vector<StatusDetail> DetailsFromJson(const google::protobuf::Struct& err) {
  std::vector<StatusDetail> out;
  auto it = err.fields().find("details");
  if (it == err.fields().end() || !it->second.has_list_value()) return out;
  for (const auto& v : it->second.list_value().values()) {
    if (out.size() == kMaxDetails || !v.has_struct_value()) continue;
    const auto& f = v.struct_value().fields();
    auto t = f.find("type");
    auto val = f.find("value");
    if (t == f.end() || !t->second.has_string_value() || val == f.end() ||
        !val->second.has_string_value()) {
      continue;
    }
    auto bytes = DecodeBase64Lenient(val->second.string_value());
    if (!bytes) continue;
    out.push_back({TypeNameOfUrl(t->second.string_value()), std::move(*bytes)});
  }
  return out;
}

std::string Lower(std::string_view v) {
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool ParseStruct(std::string_view body, google::protobuf::Struct* out) {
  if (body.size() > kMaxErrorJson) return false;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(std::string(body), out, opts).ok();
}

// A missing, null or unrecognized code is `fallback` (the HTTP status's
// code; unknown in an end-of-stream message), the message kept, as the
// Connect protocol says.
Status StatusFromErrorObject(const google::protobuf::Struct& err, Code fallback) {
  auto it = err.fields().find("code");
  Code code = fallback;
  if (it != err.fields().end() && it->second.has_string_value()) {
    const std::string& name = it->second.string_value();
    code = CodeFromName(name);
    if (code == Code::kUnknown && name != "unknown") code = fallback;
    if (code == Code::kOk) code = Code::kUnknown;
  }
  std::string message;
  auto m = err.fields().find("message");
  if (m != err.fields().end() && m->second.has_string_value()) message = m->second.string_value();
  return Status(code, message).WithDetails(DetailsFromJson(err));
}

}  // namespace

std::optional<ContentType> ParseContentType(std::string_view value) {
  const auto semi = value.find(';');
  const std::string v = Lower(Trim(value.substr(0, semi)));
  if (v == "application/proto") return ContentType{Protocol::kConnectUnary, Codec::kProto};
  if (v == "application/json") return ContentType{Protocol::kConnectUnary, Codec::kJson};
  if (v == "application/connect+proto") return ContentType{Protocol::kConnectStream, Codec::kProto};
  if (v == "application/connect+json") return ContentType{Protocol::kConnectStream, Codec::kJson};
  if (v == "application/grpc" || v == "application/grpc+proto") {
    return ContentType{Protocol::kGrpc, Codec::kProto};
  }
  if (v == "application/grpc+json") return ContentType{Protocol::kGrpc, Codec::kJson};
  return std::nullopt;
}

std::string ContentTypeString(const ContentType& ct) {
  const bool json = ct.codec == Codec::kJson;
  switch (ct.protocol) {
    case Protocol::kConnectUnary:
      return json ? "application/json" : "application/proto";
    case Protocol::kConnectStream:
      return json ? "application/connect+json" : "application/connect+proto";
    case Protocol::kGrpc:
      return json ? "application/grpc+json" : "application/grpc+proto";
  }
  return "application/proto";
}

int HttpStatusForCode(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kCanceled:
      return 499;
    case Code::kInvalidArgument:
      return 400;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 429;
    case Code::kFailedPrecondition:
      return 400;
    case Code::kAborted:
      return 409;
    case Code::kOutOfRange:
      return 400;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
      return 503;
    case Code::kUnauthenticated:
      return 401;
    case Code::kUnknown:
    case Code::kInternal:
    case Code::kDataLoss:
      return 500;
  }
  return 500;
}

Code CodeForHttpStatus(int s) {
  switch (s) {
    case 200:
      return Code::kOk;
    case 400:
      return Code::kInternal;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code::kUnavailable;
    default:
      return Code::kUnknown;
  }
}

std::string ConnectErrorJson(const Status& s) {
  std::string out = "{\"code\":\"";
  out += CodeName(s.code());
  out += '"';
  if (!s.message().empty()) {
    out += ",\"message\":\"" + JsonEscape(s.message()) + '"';
  }
  if (!s.details().empty()) {
    out += ",\"details\":[";
    for (size_t i = 0; i < s.details().size(); ++i) {
      const StatusDetail& d = s.details()[i];
      if (i > 0) out += ',';
      out += "{\"type\":\"" + JsonEscape(TypeNameOfUrl(d.type)) + "\",\"value\":\"" +
             EncodeBase64(d.value) + "\"}";
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string ConnectEndStreamJson(const Status& s, const Headers& trailers) {
  std::string out = "{";
  if (!s.ok()) out += "\"error\":" + ConnectErrorJson(s);
  if (!trailers.empty()) {
    if (!s.ok()) out += ',';
    out += "\"metadata\":{";
    std::vector<bool> done(trailers.size(), false);
    bool first = true;
    for (size_t i = 0; i < trailers.size(); ++i) {
      if (done[i]) continue;
      out += first ? "\"" : ",\"";
      first = false;
      out += JsonEscape(trailers[i].first) + "\":[";
      for (size_t j = i; j < trailers.size(); ++j) {
        if (trailers[j].first != trailers[i].first) continue;
        done[j] = true;
        if (j != i) out += ',';
        out += '"' + JsonEscape(trailers[j].second) + '"';
      }
      out += ']';
    }
    out += '}';
  }
  return out + "}";
}

void ParseConnectEndStreamMetadata(std::string_view body, Headers* trailers) {
  google::protobuf::Struct st;
  if (!ParseStruct(body, &st)) return;
  auto it = st.fields().find("metadata");
  if (it == st.fields().end() || !it->second.has_struct_value()) return;
  for (const auto& [name, values] : it->second.struct_value().fields()) {
    if (!values.has_list_value()) continue;
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& v : values.list_value().values()) {
      if (v.has_string_value()) trailers->emplace_back(lower, v.string_value());
    }
  }
}

Status ParseConnectErrorJson(std::string_view body, Code fallback, std::string_view what) {
  google::protobuf::Struct st;
  if (!ParseStruct(body, &st))
    return Status(fallback, std::string(what) + " is not a Connect error");
  return StatusFromErrorObject(st, fallback);
}

Status ParseConnectEndStreamJson(std::string_view body) {
  google::protobuf::Struct st;
  if (!ParseStruct(body, &st)) return Internal("invalid end-of-stream JSON");
  auto it = st.fields().find("error");
  if (it == st.fields().end() || it->second.has_null_value()) return Status::Ok();
  if (!it->second.has_struct_value()) return Internal("invalid end-of-stream error");
  return StatusFromErrorObject(it->second.struct_value(), Code::kUnknown);
}

std::string GrpcPercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string GrpcPercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);  // malformed escapes are passed through, per gRPC
    }
  }
  return out;
}

std::string GrpcStatusDetailsBin(const Status& s) {
  // google.rpc.Status {int32 code = 1; string message = 2; repeated Any
  // details = 3;}, Any {string type_url = 1; bytes value = 2;}.
  std::string proto;
  {
    google::protobuf::io::StringOutputStream zs(&proto);
    google::protobuf::io::CodedOutputStream out(&zs);
    out.WriteTag(1 << 3);
    out.WriteVarint64(static_cast<uint64_t>(static_cast<int64_t>(s.code())));
    if (!s.message().empty()) {
      out.WriteTag((2 << 3) | 2);
      out.WriteVarint32(static_cast<uint32_t>(s.message().size()));
      out.WriteString(s.message());
    }
    for (const StatusDetail& d : s.details()) {
      const std::string url = std::string(kTypeUrlPrefix) + TypeNameOfUrl(d.type);
      std::string any;
      {
        google::protobuf::io::StringOutputStream azs(&any);
        google::protobuf::io::CodedOutputStream a(&azs);
        a.WriteTag((1 << 3) | 2);
        a.WriteVarint32(static_cast<uint32_t>(url.size()));
        a.WriteString(url);
        a.WriteTag((2 << 3) | 2);
        a.WriteVarint32(static_cast<uint32_t>(d.value.size()));
        a.WriteString(d.value);
      }
      out.WriteTag((3 << 3) | 2);
      out.WriteVarint32(static_cast<uint32_t>(any.size()));
      out.WriteString(any);
    }
  }
  return EncodeBase64(proto);
}

namespace {

// Reads a length-delimited field's bytes after its tag.
bool ReadBytes(google::protobuf::io::CodedInputStream* in, std::string* out) {
  uint32_t len = 0;
  return in->ReadVarint32(&len) && in->ReadString(out, static_cast<int>(len));
}

bool ParseAny(const std::string& bytes, StatusDetail* d) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::string url;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == ((1 << 3) | 2)) {
      if (!ReadBytes(&in, &url)) return false;
    } else if (tag == ((2 << 3) | 2)) {
      if (!ReadBytes(&in, &d->value)) return false;
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  if (!in.ConsumedEntireMessage()) return false;
  d->type = TypeNameOfUrl(url);
  return true;
}

}  // namespace

Status WithGrpcStatusDetails(const Status& s, std::string_view bin) {
  if (s.ok() || bin.size() > kMaxErrorJson) return s;
  auto proto = DecodeBase64Lenient(bin);
  if (!proto) return s;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(proto->data()),
                                            static_cast<int>(proto->size()));
  std::vector<StatusDetail> details;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == ((3 << 3) | 2)) {
      std::string any;
      StatusDetail d;
      if (!ReadBytes(&in, &any) || !ParseAny(any, &d)) return s;
      if (details.size() < kMaxDetails) details.push_back(std::move(d));
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) {
      return s;
    }
  }
  if (!in.ConsumedEntireMessage()) return s;
  return s.WithDetails(std::move(details));
}

}  // namespace brs::rpc
