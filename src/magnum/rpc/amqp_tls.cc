#include "magnum/rpc/amqp_tls.h"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "magnum/common/strings.h"
#include "magnum/rpc/amqp_tls_socket.h"

namespace magnum::rpc {
namespace {

Error Bad(const std::string& option, const std::string& what) {
  return Error::InvalidArgument("[oslo_messaging_rabbit] " + option + " " + what);
}

// OpenSSL's reason for the last failure on this thread ("" if none).
std::string SslReason() {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return std::string();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(" (") + buf + ")";
}

Result<void> Readable(const std::string& option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Bad(option, "'" + path + "': cannot read it: " + std::strerror(errno)));
  return {};
}

// Query values override the file's; a bad boolean names the URL.
Result<void> QueryBool(const TransportUrl& url, const char* key, bool* out) {
  auto it = url.query.find(key);
  if (it == url.query.end()) return {};
  std::string l = AsciiLower(it->second);
  if (l == "true" || l == "yes" || l == "on" || l == "1") {
    *out = true;
  } else if (l == "false" || l == "no" || l == "off" || l == "0") {
    *out = false;
  } else {
    return Fail(Error::InvalidArgument(std::string("transport_url query option ") + key +
                                       " must be a boolean (true/false)"));
  }
  return {};
}

void QueryStr(const TransportUrl& url, const char* key, std::string* out) {
  auto it = url.query.find(key);
  if (it != url.query.end()) *out = it->second;
}

}  // namespace

Result<amqp_socket_t*> NewAmqpSocket(amqp_connection_state_t conn, const AmqpTls& tls) {
  if (!tls.enabled) {
    amqp_socket_t* sock = amqp_tcp_socket_new(conn);
    if (!sock) return Fail(Error::Internal("cannot allocate an AMQP socket"));
    return sock;
  }
  ERR_clear_error();
  amqp_socket_t* sock = amqp_ssl_socket_new(conn);
  if (!sock) return Fail(Error::Internal("cannot allocate a TLS AMQP socket" + SslReason()));
  amqp_ssl_socket_set_verify_peer(sock, 1);
  amqp_ssl_socket_set_verify_hostname(sock, tls.verify_hostname && !tls.ca_file.empty());
  if (tls.ca_file.empty()) {
    auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(sock));
    if (!ctx || SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Fail(
          Error::Internal("cannot load the system's trusted CA certificates" + SslReason()));
    }
  } else if (amqp_ssl_socket_set_cacert(sock, tls.ca_file.c_str()) != AMQP_STATUS_OK) {
    return Fail(Bad("ssl_ca_file",
                    "'" + tls.ca_file + "': not a PEM bundle of CA certificates" + SslReason()));
  }
  if (!tls.cert_file.empty()) {
    ERR_clear_error();
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (amqp_ssl_socket_set_key(sock, tls.cert_file.c_str(), key.c_str()) != AMQP_STATUS_OK) {
      return Fail(Bad(tls.key_file.empty() ? "ssl_cert_file" : "ssl_cert_file/ssl_key_file",
                      "'" + tls.cert_file + "'" +
                          (tls.key_file.empty() ? "" : " / '" + tls.key_file + "'") +
                          ": cannot load the client certificate and its private key (PEM, "
                          "matching, unencrypted)" +
                          SslReason()));
    }
  }
  if (!tls.version.empty()) {
    amqp_tls_version_t v = tls.version == "tlsv1"     ? AMQP_TLSv1
                           : tls.version == "tlsv1_1" ? AMQP_TLSv1_1
                                                      : AMQP_TLSv1_2;
    int rc = amqp_ssl_socket_set_ssl_versions(sock, v, v);
    if (rc != AMQP_STATUS_OK) {
      return Fail(Bad("ssl_version",
                      "'" + tls.version + "': not available here: " + amqp_error_string2(rc)));
    }
  }
  ERR_clear_error();  // TlsFailureHint reports only the handshake's errors
  return sock;
}

std::string TlsFailureHint(int rc, const AmqpTls& tls) {
  if (!tls.enabled) return std::string();
  std::string why = SslReason();
  const std::string ca = tls.ca_file.empty()
                             ? "the system's trust store (set [oslo_messaging_rabbit] ssl_ca_file "
                               "for a private CA)"
                             : "[oslo_messaging_rabbit] ssl_ca_file '" + tls.ca_file + "'";
  if (rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED) {
    return why + " (the broker's certificate does not verify against " + ca + ")";
  }
  if (rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED) {
    return why +
           " (the broker's certificate does not name the host in transport_url; "
           "[oslo_messaging_rabbit] ssl_enforce_hostname_verification is on)";
  }
  if (rc == AMQP_STATUS_SSL_CONNECTION_FAILED || rc == AMQP_STATUS_SSL_ERROR) {
    return why +
           " (TLS handshake failed: is the port a TLS listener? is its certificate "
           "verified by " +
           ca + "? check [oslo_messaging_rabbit] ssl_version)";
  }
  return std::string();
}

Result<AmqpTls> ResolveAmqpTls(const config::Config& cfg, const TransportUrl& url) {
  AmqpTls t;
  t.enabled = cfg.rabbit_ssl;
  t.ca_file = cfg.rabbit_ssl_ca_file;
  t.cert_file = cfg.rabbit_ssl_cert_file;
  t.key_file = cfg.rabbit_ssl_key_file;
  t.version = cfg.rabbit_ssl_version;
  t.verify_hostname = cfg.rabbit_ssl_enforce_hostname_verification;
  bool fips = cfg.rabbit_ssl_enforce_fips_mode;
  MAGNUM_RETURN_IF_ERROR(QueryBool(url, "ssl", &t.enabled));
  QueryStr(url, "ssl_ca_file", &t.ca_file);
  QueryStr(url, "ssl_cert_file", &t.cert_file);
  QueryStr(url, "ssl_key_file", &t.key_file);
  QueryStr(url, "ssl_version", &t.version);
  MAGNUM_RETURN_IF_ERROR(QueryBool(url, "ssl_enforce_hostname_verification", &t.verify_hostname));
  MAGNUM_RETURN_IF_ERROR(QueryBool(url, "ssl_enforce_fips_mode", &fips));
  // As oslo: without ssl the other options are ignored.
  if (!t.enabled) return AmqpTls{};
  if (fips) {
    return Fail(Bad("ssl_enforce_fips_mode",
                    "= true is not supported: this build cannot switch OpenSSL into FIPS mode "
                    "(configure FIPS system-wide in OpenSSL instead and leave it false)"));
  }
  std::string v = AsciiLower(t.version);
  if (v == "sslv23") v.clear();
  if (!v.empty() && v != "tlsv1" && v != "tlsv1_1" && v != "tlsv1_2") {
    return Fail(Bad("ssl_version", "'" + t.version +
                                       "' is not supported: use sslv23 (negotiate, the "
                                       "default), tlsv1, tlsv1_1 or tlsv1_2"));
  }
  t.version = v;
  if (!t.key_file.empty() && t.cert_file.empty()) {
    return Fail(Bad("ssl_key_file", "is set without ssl_cert_file (the client certificate)"));
  }
  if (!t.ca_file.empty()) MAGNUM_RETURN_IF_ERROR(Readable("ssl_ca_file", t.ca_file));
  if (!t.cert_file.empty()) MAGNUM_RETURN_IF_ERROR(Readable("ssl_cert_file", t.cert_file));
  if (!t.key_file.empty()) MAGNUM_RETURN_IF_ERROR(Readable("ssl_key_file", t.key_file));
  // Let OpenSSL load everything once now, so a bad file stops the start-up.
  amqp_connection_state_t conn = amqp_new_connection();
  if (!conn) return Fail(Error::Internal("cannot allocate an AMQP connection"));
  auto sock = NewAmqpSocket(conn, t);
  amqp_destroy_connection(conn);
  if (!sock) return Fail(sock.error());
  return t;
}

Result<void> ApplyAmqpTls(const config::Config& cfg, TransportUrl* url) {
  MAGNUM_ASSIGN_OR_RETURN(url->tls, ResolveAmqpTls(cfg, *url));
  return {};
}

}  // namespace magnum::rpc
