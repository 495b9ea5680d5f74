// TLS for the HTTP servers (REST and metrics): the server's OpenSSL context built from
// --tls-cert / --tls-key (and --tls-client-ca for mutual TLS), rebuilt when the files change
// so that certificates rotate without a restart.
//
//   absl::StatusOr<std::unique_ptr<TlsContextSource>> tls = TlsContextSource::Create(
//       {.cert_file = "server.pem", .key_file = "server.key", .client_ca_file = "ca.pem"});
//   std::shared_ptr<boost::asio::ssl::context> context = (*tls)->Current();  // per accept
//   std::string cn = PeerCommonName(ssl_stream.native_handle());   // after the handshake
//
// Policy: TLS 1.2 and 1.3 only; TLS 1.2 with forward-secret AEAD ciphers only (Mozilla's
// "intermediate" list); no compression, no renegotiation. With a client CA, a client must
// present a certificate that CA signed, or the handshake fails.
//
// Reloading: Current() looks at the files' modification times at most once per
// `reload_interval`; when one changed it builds a new context, and new connections use it
// (connections already open keep theirs: each holds its context). A change that does not
// load (a key that does not match the certificate, a half-written file) is logged and the
// previous context stays in force, to be retried at the next change. Current() is meant for
// one thread (the accept loop); the contexts it returns may be used on any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"
#include "frontend/http/log_throttle.h"

namespace tensord::http {

struct TlsOptions {
  std::string cert_file;       // PEM: the server's certificate chain, leaf first
  std::string key_file;        // PEM: its private key
  std::string client_ca_file;  // PEM: CAs of client certificates; empty: no mutual TLS
  std::chrono::milliseconds reload_interval{1000};
};

// A context for the files as they are now; InvalidArgument naming the file that failed.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const TlsOptions& options);

class TlsContextSource {
 public:
  static absl::StatusOr<std::unique_ptr<TlsContextSource>> Create(TlsOptions options);

  std::shared_ptr<boost::asio::ssl::context> Current();
  bool mutual() const { return !options_.client_ca_file.empty(); }
  const TlsOptions& options() const { return options_; }

 private:
  TlsContextSource(TlsOptions options, std::shared_ptr<boost::asio::ssl::context> context);
  // Modification times of the files, in ns, summed with their sizes (a change of either
  // counts).
  int64_t Stamp() const;

  const TlsOptions options_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  int64_t stamp_ = 0;
  std::chrono::steady_clock::time_point next_check_;
  LogThrottle log_{std::chrono::seconds(10)};
};

// The subject CN of the peer's certificate on `ssl` (an SSL*), or "" when there is none.
std::string PeerCommonName(void* ssl);

}  // namespace tensord::http
