#include "frontend/http/tls_context.h"

#include <sys/stat.h>

#include "fmt/format.h"
#include "openssl/err.h"
#include "openssl/ssl.h"
#include "openssl/x509.h"
#include "spdlog/spdlog.h"

namespace tensord::http {
namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list: ECDHE key exchange, AEAD ciphers only. TLS 1.3's
// suites are OpenSSL's defaults (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string Reason(const boost::system::error_code& error) {
  // OpenSSL's own text is more telling than asio's when there is one.
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    return text;
  }
  return error.message();
}

int64_t FileStamp(const std::string& path) {
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return 0;
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec +
         static_cast<int64_t>(info.st_size) + static_cast<int64_t>(info.st_ino);
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  ERR_clear_error();
  boost::system::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       error);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("cannot set the TLS cipher list");
  }
  if (context->use_certificate_chain_file(options.cert_file, error)) {
    return absl::InvalidArgumentError(
        fmt::format("cannot load the TLS certificate '{}' "
                    "(--tls-cert): {}",
                    options.cert_file, Reason(error)));
  }
  if (context->use_private_key_file(options.key_file, ssl::context::pem, error)) {
    return absl::InvalidArgumentError(fmt::format(
        "cannot load the TLS private key '{}' (--tls-key): {}", options.key_file, Reason(error)));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        fmt::format("the TLS private key '{}' does not match the certificate '{}'",
                    options.key_file, options.cert_file));
  }
  if (!options.client_ca_file.empty()) {
    if (context->load_verify_file(options.client_ca_file, error)) {
      return absl::InvalidArgumentError(
          fmt::format("cannot load the client CA '{}' (--tls-client-ca): {}",
                      options.client_ca_file, Reason(error)));
    }
    // Tell clients which CAs are accepted, and require a certificate signed by one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, error);
    // Session resumption with client verification needs a session id context.
    static constexpr unsigned char kSessionContext[] = "tensord";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
  }
  ERR_clear_error();
  return context;
}

absl::StatusOr<std::unique_ptr<TlsContextSource>> TlsContextSource::Create(TlsOptions options) {
  absl::StatusOr<std::shared_ptr<ssl::context>> context = MakeServerTlsContext(options);
  if (!context.ok()) return context.status();
  return std::unique_ptr<TlsContextSource>(
      new TlsContextSource(std::move(options), *std::move(context)));
}

TlsContextSource::TlsContextSource(TlsOptions options, std::shared_ptr<ssl::context> context)
    : options_(std::move(options)),
      context_(std::move(context)),
      stamp_(Stamp()),
      next_check_(std::chrono::steady_clock::now() + options_.reload_interval) {}

int64_t TlsContextSource::Stamp() const {
  return FileStamp(options_.cert_file) + FileStamp(options_.key_file) +
         FileStamp(options_.client_ca_file);
}

std::shared_ptr<ssl::context> TlsContextSource::Current() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return context_;
  next_check_ = now + options_.reload_interval;
  const int64_t stamp = Stamp();
  if (stamp == stamp_) return context_;
  absl::StatusOr<std::shared_ptr<ssl::context>> fresh = MakeServerTlsContext(options_);
  if (!fresh.ok()) {
    // Likely caught between writing the certificate and the key: retried at the next check
    // (the stamp is left as it was).
    if (std::optional<uint64_t> skipped = log_.Allow(LogThrottle::Clock::now())) {
      spdlog::error("tls: keeping the previous certificate: {}",
                    std::string(fresh.status().message()));
    }
    return context_;
  }
  stamp_ = stamp;
  context_ = *std::move(fresh);
  spdlog::info("tls: reloaded the certificate '{}' and key '{}'", options_.cert_file,
               options_.key_file);
  return context_;
}

std::string PeerCommonName(void* ssl) {
  X509* certificate = SSL_get1_peer_certificate(static_cast<SSL*>(ssl));
  if (certificate == nullptr) return "";
  std::string name;
  X509_NAME* subject = X509_get_subject_name(certificate);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                static_cast<size_t>(ASN1_STRING_length(data)));
  }
  X509_free(certificate);
  return name;
}

}  // namespace tensord::http
