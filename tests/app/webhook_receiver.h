// A webhook receiver for tests: a real HTTP/1.1 server on 127.0.0.1 (a free
// port, or a given one to come back on after being down), plain or TLS
// (OpenSSL, a certificate handed in), that records every request and
// answers with the status the test sets. Requests are recorded before the
// answer is sent, so once a synchronous POST returned, it is visible here.
// Hold makes it record a request and keep its sender waiting for the answer
// (a daemon killed mid-POST) until Release or the receiver's end.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace brs::app::testing {

struct ReceivedRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // names lowercase
  std::string body;
};

class WebhookReceiver {
 public:
  // port 0: a free one. cert/key: PEM files for TLS (empty: plain HTTP).
  explicit WebhookReceiver(int port = 0, const std::string& cert = "",
                           const std::string& key = "") {
    if (!cert.empty()) {
      tls_ = SSL_CTX_new(TLS_server_method());
      if (SSL_CTX_use_certificate_file(tls_, cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_use_PrivateKey_file(tls_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        std::fprintf(stderr, "receiver: cannot load %s\n", cert.c_str());
      }
    }
    // Close-on-exec: a daemon the test spawns later must not inherit the
    // listening socket, or connections would queue in its backlog (never
    // accepted) after this receiver went down.
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
      std::perror("receiver: bind/listen");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~WebhookReceiver() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    held_cv_.notify_all();
    thread_.join();
    ::close(fd_);
    if (tls_) SSL_CTX_free(tls_);
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  void SetStatus(int status) { status_ = status; }
  // Called on the receiver's thread for each request once it is recorded,
  // before it is answered (e.g. to move a fake clock: a slow receiver).
  void OnRequest(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    on_request_ = std::move(fn);
  }
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    held_cv_.notify_all();
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = nullptr;
      if (tls_) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) != 1) {  // e.g. the client refused our certificate
          SSL_free(ssl);
          ::close(c);
          continue;
        }
      }
      Serve(c, ssl);
      if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
      }
      ::close(c);
    }
  }

  static long Recv(int c, SSL* ssl, char* buf, size_t n) {
    return ssl ? SSL_read(ssl, buf, static_cast<int>(n)) : ::recv(c, buf, n, 0);
  }
  static void Send(int c, SSL* ssl, const std::string& s) {
    if (ssl) {
      SSL_write(ssl, s.data(), static_cast<int>(s.size()));
    } else {
      (void)!::send(c, s.data(), s.size(), MSG_NOSIGNAL);
    }
  }

  void Serve(int c, SSL* ssl) {
    std::string in;
    char buf[4096];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      long n = Recv(c, ssl, buf, sizeof buf);
      if (n <= 0 || in.size() > (64 << 10)) return;
      in.append(buf, static_cast<size_t>(n));
    }
    ReceivedRequest r;
    std::string head = in.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    r.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value[0] == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = e + 2;
    }
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    r.body = in.substr(head_end + 4);
    while (r.body.size() < length) {
      long n = Recv(c, ssl, buf, sizeof buf);
      if (n <= 0) return;
      r.body.append(buf, static_cast<size_t>(n));
    }
    std::function<void()> on_request;
    {
      std::unique_lock lock(mu_);
      requests_.push_back(r);
      on_request = on_request_;
    }
    if (on_request) on_request();
    {
      std::unique_lock lock(mu_);
      held_cv_.wait(lock, [this] { return !held_ || stop_; });
    }
    const int status = status_;
    Send(c, ssl,
         "HTTP/1.1 " + std::to_string(status) +
             " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  }

  int fd_ = -1;
  int port_ = 0;
  SSL_CTX* tls_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<int> status_{200};
  mutable std::mutex mu_;
  std::condition_variable held_cv_;
  bool held_ = false;  // under mu_
  std::vector<ReceivedRequest> requests_;
  std::function<void()> on_request_;  // under mu_
  std::thread thread_;
};

// A self-signed certificate (its own CA) for 127.0.0.1 and localhost.
inline bool WriteTestCert(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (!pkey) return false;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("webhook test CA"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  FILE* f = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return true;
}

}  // namespace brs::app::testing
