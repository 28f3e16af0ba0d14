#include "magnum/certs/openssl_util.h"

#include <openssl/buffer.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>

namespace magnum::certs::internal {
namespace {

// The extension names of python-cryptography's _OID_NAMES where they differ from, or have no,
// OpenSSL short name. magnum.conf's allowed_extensions uses these spellings; the first 13 are
// the choices upstream's option accepts.
struct ExtensionNid {
  int nid;
  const char* name;
};
constexpr ExtensionNid kExtensionNames[] = {
    {NID_authority_key_identifier, "authorityKeyIdentifier"},
    {NID_subject_key_identifier, "subjectKeyIdentifier"},
    {NID_info_access, "authorityInfoAccess"},
    {NID_basic_constraints, "basicConstraints"},
    {NID_crl_distribution_points, "cRLDistributionPoints"},
    {NID_certificate_policies, "certificatePolicies"},
    {NID_ext_key_usage, "extendedKeyUsage"},
    {NID_id_pkix_OCSP_noCheck, "OCSPNoCheck"},
    {NID_inhibit_any_policy, "inhibitAnyPolicy"},
    {NID_key_usage, "keyUsage"},
    {NID_name_constraints, "nameConstraints"},
    {NID_subject_alt_name, "subjectAltName"},
    {NID_issuer_alt_name, "issuerAltName"},
    {NID_crl_number, "cRLNumber"},
    {NID_tlsfeature, "TLSFeature"},
    {NID_ct_precert_scts, "signedCertificateTimestampList"},
    {NID_ct_precert_poison, "ctPoison"},
};

}  // namespace

std::string DrainOpenSslErrors() {
  std::string out;
  char buf[256];
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error reported") : out;
}

Error SslError(ErrorCode code, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += DrainOpenSslErrors();
  return Error(code, std::move(m));
}

Error InternalSsl(std::string_view what) { return SslError(ErrorCode::kInternal, what); }

int NoPassphrase(char*, int, int, void*) { return -1; }

Result<BioPtr> ReadBio(const std::string& s) {
  if (s.size() > static_cast<size_t>(INT_MAX)) return Fail(Error::InvalidArgument("PEM too large"));
  BioPtr bio(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
  if (!bio) return Fail(InternalSsl("BIO_new_mem_buf failed"));
  return bio;
}

Result<BioPtr> WriteBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return Fail(InternalSsl("BIO_new failed"));
  return bio;
}

std::string BioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr || mem->data == nullptr) return {};
  return std::string(mem->data, mem->length);
}

Result<X509Ptr> ParseCertificate(const std::string& pem, ErrorCode code, std::string_view what) {
  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return Fail(SslError(code, std::string("cannot parse ") + std::string(what)));
  return cert;
}

Result<PkeyPtr> ParsePrivateKey(const std::string& pem, ErrorCode code, std::string_view what) {
  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return Fail(SslError(code, std::string("cannot parse ") + std::string(what)));
  return key;
}

Result<std::string> CertificateToPem(X509* cert) {
  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, WriteBio());
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return Fail(InternalSsl("PEM_write_bio_X509"));
  return BioContents(bio.get());
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, WriteBio());
  // PKCS#8 PrivateKeyInfo, unencrypted ("-----BEGIN PRIVATE KEY-----").
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(InternalSsl("PEM_write_bio_PKCS8PrivateKey"));
  }
  return BioContents(bio.get());
}

std::string ObjectName(const ASN1_OBJECT* obj) {
  const int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) {
    if (const char* sn = OBJ_nid2sn(nid)) return sn;
  }
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, /*no_name=*/1);
  if (n <= 0) return "unknown";
  return std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

std::string ExtensionName(const ASN1_OBJECT* obj) {
  const int nid = OBJ_obj2nid(obj);
  for (const ExtensionNid& e : kExtensionNames) {
    if (e.nid == nid) return e.name;
  }
  return ObjectName(obj);
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253, but keep UTF-8 readable instead of \XX-escaping every non-ASCII byte.
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  return BioContents(bio.get());
}

std::string ToLowerHex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace magnum::certs::internal
