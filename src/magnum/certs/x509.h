// X.509 material for clusters: per-cluster CAs, Magnum's own client certificate, server
// certificates for driver endpoints, and signing of user CSRs with Magnum's extension rules
// (api-v1.md §6). OpenSSL stays inside x509.cc; this header deals in PEM strings.
//
// All functions are stateless and thread-safe. None throws. Errors:
//   * kInvalidArgument: bad caller input (an invalid CSR, a disallowed extension, a bad IP
//     SAN, an unsupported key size, unparsable PEM given to the helpers);
//   * kInternal: the CA material cannot be used (unparsable, or the key does not match the
//     certificate) or OpenSSL fails unexpectedly. The CA comes from Magnum's own store, so a
//     bad one is a broken invariant rather than the API caller's fault.
// Messages of kInternal errors carry the OpenSSL error-queue text.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "magnum/common/error.h"

namespace magnum {
class Clock;
namespace config {
struct Config;
}  // namespace config
}  // namespace magnum

namespace magnum::certs {

// The [x509] options. Value type.
struct X509Options {
  int rsa_key_size = 2048;           // bits of every generated RSA key (exponent 65537)
  int term_of_validity_days = 1825;  // notAfter = now + this many days
  bool allow_ca = false;             // lets CSRs obtain CA:TRUE / keyCertSign / cRLSign
  // Extension names (python-cryptography spelling, as in magnum.conf) that a CSR may carry.
  std::vector<std::string> allowed_extensions = {"keyUsage", "extendedKeyUsage", "subjectAltName",
                                                 "basicConstraints", "subjectKeyIdentifier"};
  // KeyUsage bits a CSR may request, by name: "Digital Signature", "Non Repudiation",
  // "Key Encipherment", "Data Encipherment", "Key Agreement", "Certificate Sign",
  // "CRL Sign", "Encipher Only", "Decipher Only".
  std::vector<std::string> allowed_key_usage = {"Digital Signature", "Key Encipherment",
                                                "Non Repudiation"};
  // Time source for notBefore/notAfter; nullptr = SystemClock(). Not owned; must outlive
  // the calls that use these options.
  const Clock* clock = nullptr;
};

// The [x509] section of `config`.
X509Options X509OptionsFromConfig(const config::Config& config);

// A certificate and its private key. Value type.
struct KeyPair {
  std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
  std::string private_key_pem;  // unencrypted PKCS#8 ("-----BEGIN PRIVATE KEY-----"); see
                                // key_encryption.h for protecting it at rest
};

// One extension of a certificate, for InspectCertificate.
struct ExtensionInfo {
  std::string name;  // python-cryptography spelling ("basicConstraints", "cRLDistributionPoints",
                     // ...), else OpenSSL's short name, else the dotted OID
  bool critical = false;
};

// What tests and callers need to know about a certificate. Value type.
struct CertificateInfo {
  std::string subject;                 // RFC 2253 form, e.g. "CN=admin,O=system:masters"
  std::string issuer;                  // RFC 2253 form
  std::string serial_hex;              // lower-case hex without leading zeros ("0" for zero)
  int64_t not_before = 0;              // Unix seconds
  int64_t not_after = 0;               // Unix seconds
  int version = 0;                     // 3 for X.509 v3
  bool is_ca = false;                  // BasicConstraints present with CA:TRUE
  int path_length = -1;                // BasicConstraints pathlen; -1 when absent
  std::vector<std::string> key_usage;  // names as in X509Options::allowed_key_usage,
                                       // in bit order; empty when absent
  std::vector<std::string> extended_key_usage;  // OpenSSL short names: "serverAuth", ...
  std::vector<std::string> subject_alt_names;   // "DNS:<name>", "IP:<address>", "email:..",
                                                // "URI:..", other kinds as OpenSSL prints them
  std::vector<ExtensionInfo> extensions;        // in certificate order
  std::string subject_key_identifier_hex;       // lower-case hex; empty when absent
  std::string signature_algorithm;              // OpenSSL long name, "sha256WithRSAEncryption"
  int public_key_bits = 0;
};

// Generates a self-signed CA: subject = issuer = CN=<common_name>, RSA key of
// options.rsa_key_size, BasicConstraints CA:TRUE,pathlen:0 (critical), KeyUsage keyCertSign
// (critical), SKI. An empty common_name is kInvalidArgument.
Result<KeyPair> GenerateCa(const std::string& common_name, const X509Options& options);

// Issues a client certificate signed by `ca`: subject O=<organization> (omitted when empty),
// CN=<common_name>; KeyUsage digitalSignature,keyEncipherment (critical), EKU clientAuth,
// BasicConstraints CA:FALSE (critical), SKI. Magnum's own cert is ("admin", "system:masters").
Result<KeyPair> IssueClientCertificate(const KeyPair& ca, const std::string& common_name,
                                       const std::string& organization, const X509Options& options);

// Issues a TLS server certificate signed by `ca`: subject CN=<common_name>; KeyUsage
// digitalSignature,keyEncipherment (critical), EKU serverAuth, BasicConstraints CA:FALSE
// (critical), SKI, and a subjectAltName of the given DNS names and IP addresses (IPv4 or
// IPv6 text; an unparsable one is kInvalidArgument). No SAN extension when both are empty.
Result<KeyPair> IssueServerCertificate(const KeyPair& ca, const std::string& common_name,
                                       const std::vector<std::string>& dns_sans,
                                       const std::vector<std::string>& ip_sans,
                                       const X509Options& options);

// Signs a PEM CSR with `ca` following §6.3: subject and public key copied from the CSR,
// issuer = the CA's subject, CSR extensions filtered by options (a disallowed critical one →
// kInvalidArgument "Extension '<name>' not allowed"), SKI appended. Returns the certificate
// PEM without a trailing newline. A CSR that is not PEM, does not parse or whose
// self-signature does not verify → kInvalidArgument "Received invalid csr <csr>.".
Result<std::string> SignCsr(const KeyPair& ca, const std::string& csr_pem,
                            const X509Options& options);

// A new RSA private key (exponent 65537) as unencrypted PKCS#8 PEM. `bits` must be within
// [1024, 16384], else kInvalidArgument.
Result<std::string> GeneratePrivateKey(int bits);

// Optional content of a CSR made by GenerateCsr.
struct CsrOptions {
  // Subject attributes added before CN, in order, as (OpenSSL short name, value) pairs,
  // e.g. {{"C", "US"}, {"O", "system:nodes"}}.
  std::vector<std::pair<std::string, std::string>> subject_prefix;
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;
  // Further requested extensions in OpenSSL config syntax: {"basicConstraints",
  // "critical,CA:TRUE"}, {"keyUsage", "digitalSignature,keyCertSign"}, {"1.2.3.4",
  // "critical,DER:05:00"}. Meant for tests and tooling, not for untrusted input.
  struct Extension {
    std::string name;
    std::string value;
  };
  std::vector<Extension> extensions;
};

// A PEM CSR for subject <subject_prefix...>,CN=<common_name> signed (SHA-256) with
// `private_key_pem`. Bad input (key, attribute names, extension syntax) → kInvalidArgument.
Result<std::string> GenerateCsr(const std::string& common_name, const std::string& private_key_pem,
                                const CsrOptions& options = {});

// Parses a PEM certificate (kInvalidArgument when it does not parse).
Result<CertificateInfo> InspectCertificate(const std::string& pem);

// OK when `cert_pem`'s signature verifies with `ca_cert_pem`'s public key and its issuer
// name equals the CA's subject; kInvalidArgument otherwise (or when either does not parse).
// Checks the signature only: no validity window, no chain policy.
Result<void> VerifySignedBy(const std::string& cert_pem, const std::string& ca_cert_pem);

}  // namespace magnum::certs
