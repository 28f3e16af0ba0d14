// Reading certificates: InspectCertificate and VerifySignedBy (x509.h).

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <string>

#include "magnum/certs/openssl_util.h"
#include "magnum/certs/x509.h"

namespace magnum::certs {
namespace {

using namespace internal;  // NOLINT(build/namespaces): this file's helpers

// ---------------------------------------------------------------------------------------------
// Inspection helpers.

// The certificate is the caller's input (InspectCertificate): a validity time that does not
// parse is kInvalidArgument, as any other malformed certificate (found by fuzz_x509).
Result<int64_t> TimeToUnix(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return Fail(Error::InvalidArgument("Invalid certificate: a validity time does not parse"));
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string GeneralNameToString(const GENERAL_NAME* gn) {
  switch (gn->type) {
    case GEN_DNS:
    case GEN_EMAIL:
    case GEN_URI: {
      const ASN1_IA5STRING* s = gn->d.ia5;
      const char* prefix = gn->type == GEN_DNS ? "DNS:" : gn->type == GEN_EMAIL ? "email:" : "URI:";
      return prefix + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<size_t>(ASN1_STRING_length(s)));
    }
    case GEN_IPADD: {
      const ASN1_OCTET_STRING* ip = gn->d.ip;
      const int len = ASN1_STRING_length(ip);
      char buf[INET6_ADDRSTRLEN] = {};
      const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : -1;
      if (family != -1 && inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf)) {
        return std::string("IP:") + buf;
      }
      return "IP:<invalid>";
    }
    default: {
      BioPtr bio(BIO_new(BIO_s_mem()));
      if (!bio) return {};
      GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(gn));
      return BioContents(bio.get());
    }
  }
}

}  // namespace

Result<CertificateInfo> InspectCertificate(const std::string& pem) {
  ErrorQueueScope errors;
  MAGNUM_ASSIGN_OR_RETURN(X509Ptr cert,
                          ParseCertificate(pem, ErrorCode::kInvalidArgument, "the certificate"));
  X509* x = cert.get();
  CertificateInfo info;
  info.subject = NameToString(X509_get_subject_name(x));
  info.issuer = NameToString(X509_get_issuer_name(x));
  info.version = static_cast<int>(X509_get_version(x)) + 1;

  BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
  if (!serial) return Fail(InternalSsl("ASN1_INTEGER_to_BN"));
  OpenSslString hex(BN_bn2hex(serial.get()));
  if (!hex) return Fail(InternalSsl("BN_bn2hex"));
  info.serial_hex = hex.get();
  std::transform(info.serial_hex.begin(), info.serial_hex.end(), info.serial_hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  MAGNUM_ASSIGN_OR_RETURN(info.not_before, TimeToUnix(X509_get0_notBefore(x)));
  MAGNUM_ASSIGN_OR_RETURN(info.not_after, TimeToUnix(X509_get0_notAfter(x)));

  for (int i = 0; i < X509_get_ext_count(x); ++i) {
    X509_EXTENSION* ext = X509_get_ext(x, i);
    info.extensions.push_back(
        {ExtensionName(X509_EXTENSION_get_object(ext)), X509_EXTENSION_get_critical(ext) > 0});
  }

  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr)));
  if (bc) {
    info.is_ca = bc->ca != 0;
    if (bc->pathlen != nullptr) info.path_length = static_cast<int>(ASN1_INTEGER_get(bc->pathlen));
  }
  BitStringPtr usage(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, nullptr, nullptr)));
  if (usage) {
    for (const KeyUsageBit& b : kKeyUsageBits) {
      if (ASN1_BIT_STRING_get_bit(usage.get(), b.bit) != 0) info.key_usage.push_back(b.name);
    }
  }
  EkuPtr eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
  if (eku) {
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
      info.extended_key_usage.push_back(ObjectName(sk_ASN1_OBJECT_value(eku.get(), i)));
    }
  }
  GeneralNamesPtr sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      info.subject_alt_names.push_back(GeneralNameToString(sk_GENERAL_NAME_value(sans.get(), i)));
    }
  }
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(x)) {
    info.subject_key_identifier_hex =
        ToLowerHex(ASN1_STRING_get0_data(ski), static_cast<size_t>(ASN1_STRING_length(ski)));
  }
  if (const char* ln = OBJ_nid2ln(X509_get_signature_nid(x))) info.signature_algorithm = ln;
  if (EVP_PKEY* pub = X509_get0_pubkey(x)) info.public_key_bits = EVP_PKEY_get_bits(pub);
  return info;
}

Result<void> VerifySignedBy(const std::string& cert_pem, const std::string& ca_cert_pem) {
  ErrorQueueScope errors;
  MAGNUM_ASSIGN_OR_RETURN(
      X509Ptr cert, ParseCertificate(cert_pem, ErrorCode::kInvalidArgument, "the certificate"));
  MAGNUM_ASSIGN_OR_RETURN(
      X509Ptr ca, ParseCertificate(ca_cert_pem, ErrorCode::kInvalidArgument, "the CA certificate"));
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  if (ca_key == nullptr) return Fail(SslError(ErrorCode::kInvalidArgument, "no CA public key"));
  if (X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca.get())) != 0) {
    return Fail(Error::InvalidArgument("issuer '" + NameToString(X509_get_issuer_name(cert.get())) +
                                       "' is not the CA subject '" +
                                       NameToString(X509_get_subject_name(ca.get())) + "'"));
  }
  if (X509_verify(cert.get(), ca_key) != 1) {
    return Fail(SslError(ErrorCode::kInvalidArgument,
                         "the certificate signature does not verify with the CA key"));
  }
  return {};
}

}  // namespace magnum::certs
