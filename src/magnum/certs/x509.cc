#include "magnum/certs/x509.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <ctime>
#include <memory>
#include <set>
#include <string_view>

#include "magnum/common/clock.h"
#include "magnum/config/config.h"

namespace magnum::certs {
namespace {

// ---------------------------------------------------------------------------------------------
// RAII for OpenSSL handles.

template <auto kFree>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Free<&BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<&EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Free<&X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Free<&X509_REQ_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Free<&X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<&X509_EXTENSION_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, Free<&ASN1_BIT_STRING_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Free<&BASIC_CONSTRAINTS_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Free<&GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Free<&GENERAL_NAME_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, Free<&EXTENDED_KEY_USAGE_free>>;

// OPENSSL_free is a macro; wrap it for unique_ptr.
struct OpenSslStringFree {
  void operator()(char* p) const { OPENSSL_free(p); }
};
using OpenSslString = std::unique_ptr<char, OpenSslStringFree>;

struct ExtStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * s) const {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
  }
};
using ExtStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtStackFree>;

// ---------------------------------------------------------------------------------------------
// Errors.

// Clears the thread's OpenSSL error queue on entry and exit of a public function, so that
// messages report only what this call caused and nothing stale leaks to other code.
class ErrorQueueScope {
 public:
  ErrorQueueScope() { ERR_clear_error(); }
  ~ErrorQueueScope() { ERR_clear_error(); }
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

// Drains the thread's OpenSSL error queue into one line.
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

// ---------------------------------------------------------------------------------------------
// PEM in and out.

// Never prompt on a terminal for a passphrase (OpenSSL's default callback would).
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

// Parses a PEM certificate; failure has `code`.
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

// ---------------------------------------------------------------------------------------------
// Names.

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

// OpenSSL's short name of an object ("serverAuth"), else its dotted OID.
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

// KeyUsage bit numbers (RFC 5280 §4.2.1.3) and the names magnum.conf uses for them.
struct KeyUsageBit {
  int bit;
  const char* name;
};
constexpr KeyUsageBit kKeyUsageBits[] = {
    {0, "Digital Signature"}, {1, "Non Repudiation"}, {2, "Key Encipherment"},
    {3, "Data Encipherment"}, {4, "Key Agreement"},   {5, "Certificate Sign"},
    {6, "CRL Sign"},          {7, "Encipher Only"},   {8, "Decipher Only"},
};
constexpr int kKeyAgreementBit = 4;
constexpr int kKeyCertSignBit = 5;
constexpr int kCrlSignBit = 6;
constexpr int kEncipherOnlyBit = 7;
constexpr int kDecipherOnlyBit = 8;

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

// ---------------------------------------------------------------------------------------------
// Building blocks of certificates.

Result<PkeyPtr> NewRsaKey(int bits) {
  if (bits < 1024 || bits > 16384) {
    return Fail(Error::InvalidArgument("unsupported RSA key size " + std::to_string(bits) +
                                       " (must be within 1024..16384)"));
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx) return Fail(InternalSsl("EVP_PKEY_CTX_new_from_name(RSA)"));
  if (EVP_PKEY_keygen_init(ctx.get()) != 1) return Fail(InternalSsl("EVP_PKEY_keygen_init"));
  if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1) {
    return Fail(InternalSsl("EVP_PKEY_CTX_set_rsa_keygen_bits"));
  }
  BnPtr exponent(BN_new());
  if (!exponent || BN_set_word(exponent.get(), RSA_F4) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1) {
    return Fail(InternalSsl("setting the RSA public exponent"));
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return Fail(InternalSsl("RSA key generation"));
  return PkeyPtr(raw);
}

// A name made of (short name, UTF-8 value) attributes in order. Bad attribute names or values
// (e.g. a CN longer than 64 characters) are kInvalidArgument.
Result<NamePtr> MakeName(const std::vector<std::pair<std::string, std::string>>& attributes) {
  NamePtr name(X509_NAME_new());
  if (!name) return Fail(InternalSsl("X509_NAME_new"));
  for (const auto& [field, value] : attributes) {
    if (value.size() > static_cast<size_t>(INT_MAX)) {
      return Fail(Error::InvalidArgument("subject attribute too long"));
    }
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return Fail(SslError(ErrorCode::kInvalidArgument,
                           "invalid subject attribute " + field + "='" + value + "'"));
    }
  }
  return name;
}

Result<NamePtr> CommonName(const std::string& common_name) {
  if (common_name.empty()) return Fail(Error::InvalidArgument("empty common name"));
  return MakeName({{"CN", common_name}});
}

std::time_t NowSeconds(const X509Options& options) {
  const TimePoint now = options.clock ? options.clock->Now() : SystemClock().Now();
  return static_cast<std::time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

// serial = a fresh random (version 4) UUID taken as a 128-bit integer, as upstream does with
// int(uuid.uuid4()).
Result<void> SetUuid4Serial(X509* cert) {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return Fail(InternalSsl("RAND_bytes"));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  BnPtr bn(BN_bin2bn(b, sizeof b, nullptr));
  if (!bn) return Fail(InternalSsl("BN_bin2bn"));
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Fail(InternalSsl("BN_to_ASN1_INTEGER"));
  }
  return {};
}

// A v3 certificate with serial, names, public key and validity set; no extensions yet.
Result<X509Ptr> NewCertificate(const X509_NAME* subject, const X509_NAME* issuer,
                               EVP_PKEY* public_key, const X509Options& options) {
  if (options.term_of_validity_days <= 0) {
    return Fail(Error::InvalidArgument("term_of_validity must be a positive number of days"));
  }
  X509Ptr cert(X509_new());
  if (!cert) return Fail(InternalSsl("X509_new"));
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return Fail(InternalSsl("X509_set_version"));
  MAGNUM_RETURN_IF_ERROR(SetUuid4Serial(cert.get()));
  if (X509_set_subject_name(cert.get(), subject) != 1 ||
      X509_set_issuer_name(cert.get(), issuer) != 1) {
    return Fail(InternalSsl("setting certificate names"));
  }
  if (X509_set_pubkey(cert.get(), public_key) != 1) return Fail(InternalSsl("X509_set_pubkey"));
  std::time_t now = NowSeconds(options);
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), -1, 0, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), options.term_of_validity_days, 0, &now) ==
          nullptr) {
    return Fail(InternalSsl("setting the validity period"));
  }
  return cert;
}

// Adds an extension given in OpenSSL config syntax ("critical,CA:TRUE,pathlen:0").
Result<void> AddConfExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext) return Fail(InternalSsl(std::string("building extension ") + OBJ_nid2sn(nid)));
  if (X509_add_ext(cert, ext.get(), -1) != 1) return Fail(InternalSsl("X509_add_ext"));
  return {};
}

// Subject Key Identifier from the certificate's public key (RFC 5280 method 1, the same as
// python-cryptography's SubjectKeyIdentifier.from_public_key), non-critical.
Result<void> AddSubjectKeyIdentifier(X509* cert) {
  return AddConfExtension(cert, nullptr, NID_subject_key_identifier, "hash");
}

// GENERAL_NAMES of DNS names and IP addresses; bad input is kInvalidArgument.
Result<GeneralNamesPtr> MakeGeneralNames(const std::vector<std::string>& dns,
                                         const std::vector<std::string>& ips) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return Fail(InternalSsl("GENERAL_NAMES_new"));
  auto push = [&](int type, const std::string& value) -> Result<void> {
    GeneralNamePtr gn(a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type, value.c_str(), 0));
    if (!gn) {
      ERR_clear_error();
      return Fail(Error::InvalidArgument(
          std::string(type == GEN_IPADD ? "invalid IP address" : "invalid DNS name") +
          " in subjectAltName: '" + value + "'"));
    }
    if (sk_GENERAL_NAME_push(names.get(), gn.get()) == 0) {
      return Fail(InternalSsl("sk_GENERAL_NAME_push"));
    }
    gn.release();  // owned by `names` now
    return {};
  };
  for (const std::string& d : dns) {
    // IA5String; keep to printable ASCII without spaces (wildcards such as "*.x" are fine).
    const bool ok =
        !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!ok) return Fail(Error::InvalidArgument("invalid DNS name in subjectAltName: '" + d + "'"));
    MAGNUM_RETURN_IF_ERROR(push(GEN_DNS, d));
  }
  for (const std::string& ip : ips) {
    if (ip.find('\0') != std::string::npos) {
      return Fail(Error::InvalidArgument("invalid IP address in subjectAltName"));
    }
    MAGNUM_RETURN_IF_ERROR(push(GEN_IPADD, ip));
  }
  return names;
}

Result<X509Ptr> AddSanAndReturn(X509Ptr cert, const std::vector<std::string>& dns,
                                const std::vector<std::string>& ips) {
  if (dns.empty() && ips.empty()) return cert;
  MAGNUM_ASSIGN_OR_RETURN(GeneralNamesPtr names, MakeGeneralNames(dns, ips));
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_APPEND) != 1) {
    return Fail(InternalSsl("adding subjectAltName"));
  }
  return cert;
}

Result<std::string> SignAndEncode(X509* cert, EVP_PKEY* signing_key) {
  if (X509_sign(cert, signing_key, EVP_sha256()) <= 0) return Fail(InternalSsl("X509_sign"));
  return CertificateToPem(cert);
}

struct LoadedCa {
  X509Ptr cert;
  PkeyPtr key;
};

// The CA comes from Magnum's store: a bad one is kInternal.
Result<LoadedCa> LoadCa(const KeyPair& ca) {
  MAGNUM_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificate(ca.certificate_pem, ErrorCode::kInternal,
                                                         "the CA certificate"));
  MAGNUM_ASSIGN_OR_RETURN(
      PkeyPtr key, ParsePrivateKey(ca.private_key_pem, ErrorCode::kInternal, "the CA private key"));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Fail(InternalSsl("the CA private key does not match the CA certificate"));
  }
  return LoadedCa{std::move(cert), std::move(key)};
}

// Common part of client and server certificates: a fresh key, subject, the end-entity
// extensions (KeyUsage digitalSignature,keyEncipherment critical; the given EKU;
// BasicConstraints CA:FALSE critical), optional SANs, SKI, signed by the CA.
Result<KeyPair> IssueEndEntity(const KeyPair& ca, const X509_NAME* subject, const char* eku,
                               const std::vector<std::string>& dns,
                               const std::vector<std::string>& ips, const X509Options& options) {
  MAGNUM_ASSIGN_OR_RETURN(LoadedCa loaded, LoadCa(ca));
  MAGNUM_ASSIGN_OR_RETURN(PkeyPtr key, NewRsaKey(options.rsa_key_size));
  MAGNUM_ASSIGN_OR_RETURN(
      X509Ptr cert,
      NewCertificate(subject, X509_get_subject_name(loaded.cert.get()), key.get(), options));
  MAGNUM_RETURN_IF_ERROR(AddConfExtension(cert.get(), loaded.cert.get(), NID_key_usage,
                                          "critical,digitalSignature,keyEncipherment"));
  MAGNUM_RETURN_IF_ERROR(AddConfExtension(cert.get(), loaded.cert.get(), NID_ext_key_usage, eku));
  MAGNUM_RETURN_IF_ERROR(
      AddConfExtension(cert.get(), loaded.cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  MAGNUM_ASSIGN_OR_RETURN(cert, AddSanAndReturn(std::move(cert), dns, ips));
  MAGNUM_RETURN_IF_ERROR(AddSubjectKeyIdentifier(cert.get()));
  KeyPair out;
  MAGNUM_ASSIGN_OR_RETURN(out.certificate_pem, SignAndEncode(cert.get(), loaded.key.get()));
  MAGNUM_ASSIGN_OR_RETURN(out.private_key_pem, PrivateKeyToPem(key.get()));
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSR extension filtering (api-v1.md §6.3, upstream magnum/common/x509/validator.py).

// One extension to put in the issued certificate: either borrowed from the CSR's stack or
// newly built.
struct FilteredExtension {
  X509_EXTENSION* borrowed = nullptr;
  ExtPtr owned;
  X509_EXTENSION* get() const { return owned ? owned.get() : borrowed; }
};

Error NotAllowed(const std::string& name) {
  return Error::InvalidArgument("Extension '" + name + "' not allowed");
}

// KeyUsage limited to the allowed bits: a disallowed bit in a critical extension is an error,
// in a non-critical one it is cleared.
Result<FilteredExtension> FilterKeyUsage(X509_EXTENSION* ext, bool critical,
                                         const X509Options& options, const Error& invalid_csr) {
  BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext)));
  if (!usage) return Fail(invalid_csr);
  std::vector<std::string> allowed = options.allowed_key_usage;
  if (!options.allow_ca) {
    std::erase(allowed, kKeyUsageBits[kKeyCertSignBit].name);
    std::erase(allowed, kKeyUsageBits[kCrlSignBit].name);
  }
  bool bits[std::size(kKeyUsageBits)] = {};
  for (const KeyUsageBit& b : kKeyUsageBits) {
    if (ASN1_BIT_STRING_get_bit(usage.get(), b.bit) == 0) continue;
    if (Contains(allowed, b.name)) {
      bits[b.bit] = true;
    } else if (critical) {
      return Fail(NotAllowed("keyUsage"));
    }
  }
  // encipherOnly/decipherOnly only mean something with keyAgreement (RFC 5280); drop them when
  // keyAgreement was cleared above (python-cryptography would refuse that combination).
  if (!bits[kKeyAgreementBit] && ASN1_BIT_STRING_get_bit(usage.get(), kKeyAgreementBit) != 0) {
    bits[kEncipherOnlyBit] = bits[kDecipherOnlyBit] = false;
  }
  // Like upstream, a KeyUsage whose every bit was cleared is kept (empty): the key then may
  // not be used at all, which is safer than dropping the restriction.
  BitStringPtr filtered(ASN1_BIT_STRING_new());
  if (!filtered) return Fail(InternalSsl("ASN1_BIT_STRING_new"));
  for (const KeyUsageBit& b : kKeyUsageBits) {
    if (bits[b.bit] && ASN1_BIT_STRING_set_bit(filtered.get(), b.bit, 1) != 1) {
      return Fail(InternalSsl("ASN1_BIT_STRING_set_bit"));
    }
  }
  FilteredExtension out;
  out.owned.reset(X509V3_EXT_i2d(NID_key_usage, critical ? 1 : 0, filtered.get()));
  if (!out.owned) return Fail(InternalSsl("encoding keyUsage"));
  return out;
}

// BasicConstraints CA:TRUE without allow_ca: critical → error; non-critical → replaced by a
// non-critical CA:FALSE.
Result<FilteredExtension> FilterBasicConstraints(X509_EXTENSION* ext, bool critical,
                                                 const X509Options& options,
                                                 const Error& invalid_csr) {
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext)));
  if (!bc) return Fail(invalid_csr);
  FilteredExtension out;
  if (options.allow_ca || bc->ca == 0) {
    out.borrowed = ext;
    return out;
  }
  if (critical) return Fail(NotAllowed("basicConstraints"));
  BasicConstraintsPtr not_ca(BASIC_CONSTRAINTS_new());
  if (!not_ca) return Fail(InternalSsl("BASIC_CONSTRAINTS_new"));
  not_ca->ca = 0;
  out.owned.reset(X509V3_EXT_i2d(NID_basic_constraints, 0, not_ca.get()));
  if (!out.owned) return Fail(InternalSsl("encoding basicConstraints"));
  return out;
}

Result<std::vector<FilteredExtension>> FilterCsrExtensions(const STACK_OF(X509_EXTENSION) * exts,
                                                           const X509Options& options,
                                                           const Error& invalid_csr) {
  std::vector<FilteredExtension> out;
  std::set<std::string> seen;
  const int n = sk_X509_EXTENSION_num(exts);
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    char oid[128];
    if (OBJ_obj2txt(oid, sizeof oid, obj, 1) <= 0) return Fail(invalid_csr);
    // RFC 5280 §4.2: an extension appears at most once.
    if (!seen.insert(oid).second) return Fail(invalid_csr);

    const std::string name = ExtensionName(obj);
    const bool critical = X509_EXTENSION_get_critical(ext) > 0;
    if (!Contains(options.allowed_extensions, name)) {
      if (critical) return Fail(NotAllowed(name));
      continue;  // non-critical: dropped
    }
    switch (OBJ_obj2nid(obj)) {
      case NID_subject_key_identifier:
        // The signer always adds its own SKI computed from the public key. Upstream copies
        // the CSR's SKI as well and then fails on the duplicate (api-v1.md §6.3 ⚠); we drop
        // the CSR's instead, which yields the same identifier for an honest CSR.
        continue;
      case NID_key_usage: {
        MAGNUM_ASSIGN_OR_RETURN(FilteredExtension f,
                                FilterKeyUsage(ext, critical, options, invalid_csr));
        out.push_back(std::move(f));
        break;
      }
      case NID_basic_constraints: {
        MAGNUM_ASSIGN_OR_RETURN(FilteredExtension f,
                                FilterBasicConstraints(ext, critical, options, invalid_csr));
        out.push_back(std::move(f));
        break;
      }
      default: {
        FilteredExtension f;
        f.borrowed = ext;
        out.push_back(std::move(f));
        break;
      }
    }
  }
  return out;
}

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

// -----------------------------------------------------------------------------------------------
// Public API.

X509Options X509OptionsFromConfig(const config::Config& config) {
  X509Options o;
  o.rsa_key_size = config.rsa_key_size;
  o.term_of_validity_days = config.term_of_validity;
  o.allow_ca = config.allow_ca;
  o.allowed_extensions = config.allowed_extensions;
  o.allowed_key_usage = config.allowed_key_usage;
  return o;
}

Result<KeyPair> GenerateCa(const std::string& common_name, const X509Options& options) {
  ErrorQueueScope errors;
  MAGNUM_ASSIGN_OR_RETURN(NamePtr name, CommonName(common_name));
  MAGNUM_ASSIGN_OR_RETURN(PkeyPtr key, NewRsaKey(options.rsa_key_size));
  MAGNUM_ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(name.get(), name.get(), key.get(), options));
  MAGNUM_RETURN_IF_ERROR(
      AddConfExtension(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  MAGNUM_RETURN_IF_ERROR(
      AddConfExtension(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign"));
  MAGNUM_RETURN_IF_ERROR(AddSubjectKeyIdentifier(cert.get()));
  KeyPair out;
  MAGNUM_ASSIGN_OR_RETURN(out.certificate_pem, SignAndEncode(cert.get(), key.get()));
  MAGNUM_ASSIGN_OR_RETURN(out.private_key_pem, PrivateKeyToPem(key.get()));
  return out;
}

Result<KeyPair> IssueClientCertificate(const KeyPair& ca, const std::string& common_name,
                                       const std::string& organization,
                                       const X509Options& options) {
  ErrorQueueScope errors;
  if (common_name.empty()) return Fail(Error::InvalidArgument("empty common name"));
  std::vector<std::pair<std::string, std::string>> attributes;
  // Upstream order: O first, then CN ("CN=admin,O=system:masters" in RFC 2253 form).
  if (!organization.empty()) attributes.emplace_back("O", organization);
  attributes.emplace_back("CN", common_name);
  MAGNUM_ASSIGN_OR_RETURN(NamePtr subject, MakeName(attributes));
  return IssueEndEntity(ca, subject.get(), "clientAuth", {}, {}, options);
}

Result<KeyPair> IssueServerCertificate(const KeyPair& ca, const std::string& common_name,
                                       const std::vector<std::string>& dns_sans,
                                       const std::vector<std::string>& ip_sans,
                                       const X509Options& options) {
  ErrorQueueScope errors;
  MAGNUM_ASSIGN_OR_RETURN(NamePtr subject, CommonName(common_name));
  return IssueEndEntity(ca, subject.get(), "serverAuth", dns_sans, ip_sans, options);
}

Result<std::string> SignCsr(const KeyPair& ca, const std::string& csr_pem,
                            const X509Options& options) {
  ErrorQueueScope errors;
  const Error invalid_csr = Error::InvalidArgument("Received invalid csr " + csr_pem + ".");

  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(csr_pem));
  // Accepts "CERTIFICATE REQUEST" and the legacy "NEW CERTIFICATE REQUEST" PEM labels.
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!req) return Fail(invalid_csr);
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(req.get());
  if (public_key == nullptr) return Fail(invalid_csr);
  // Proof of possession. Upstream does not check this; a CSR whose self-signature does not
  // verify is treated as invalid.
  if (X509_REQ_verify(req.get(), public_key) != 1) return Fail(invalid_csr);
  ExtStackPtr csr_extensions(X509_REQ_get_extensions(req.get()));
  if (!csr_extensions) return Fail(invalid_csr);

  MAGNUM_ASSIGN_OR_RETURN(LoadedCa loaded, LoadCa(ca));
  MAGNUM_ASSIGN_OR_RETURN(std::vector<FilteredExtension> extensions,
                          FilterCsrExtensions(csr_extensions.get(), options, invalid_csr));

  MAGNUM_ASSIGN_OR_RETURN(
      X509Ptr cert, NewCertificate(X509_REQ_get_subject_name(req.get()),
                                   X509_get_subject_name(loaded.cert.get()), public_key, options));
  for (const FilteredExtension& e : extensions) {
    if (X509_add_ext(cert.get(), e.get(), -1) != 1) return Fail(InternalSsl("X509_add_ext"));
  }
  MAGNUM_RETURN_IF_ERROR(AddSubjectKeyIdentifier(cert.get()));
  MAGNUM_ASSIGN_OR_RETURN(std::string pem, SignAndEncode(cert.get(), loaded.key.get()));
  while (!pem.empty() && (pem.back() == '\n' || pem.back() == '\r')) pem.pop_back();
  return pem;
}

Result<std::string> GeneratePrivateKey(int bits) {
  ErrorQueueScope errors;
  MAGNUM_ASSIGN_OR_RETURN(PkeyPtr key, NewRsaKey(bits));
  return PrivateKeyToPem(key.get());
}

Result<std::string> GenerateCsr(const std::string& common_name, const std::string& private_key_pem,
                                const CsrOptions& options) {
  ErrorQueueScope errors;
  if (common_name.empty()) return Fail(Error::InvalidArgument("empty common name"));
  MAGNUM_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKey(private_key_pem, ErrorCode::kInvalidArgument,
                                                       "the private key"));
  std::vector<std::pair<std::string, std::string>> attributes = options.subject_prefix;
  attributes.emplace_back("CN", common_name);
  MAGNUM_ASSIGN_OR_RETURN(NamePtr subject, MakeName(attributes));

  ReqPtr req(X509_REQ_new());
  if (!req) return Fail(InternalSsl("X509_REQ_new"));
  if (X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return Fail(InternalSsl("building the CSR"));
  }

  ExtStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!exts) return Fail(InternalSsl("sk_X509_EXTENSION_new_null"));
  auto push = [&](ExtPtr ext) -> Result<void> {
    if (sk_X509_EXTENSION_push(exts.get(), ext.get()) == 0) {
      return Fail(InternalSsl("sk_X509_EXTENSION_push"));
    }
    ext.release();  // owned by `exts` now
    return {};
  };
  if (!options.dns_sans.empty() || !options.ip_sans.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(GeneralNamesPtr names,
                            MakeGeneralNames(options.dns_sans, options.ip_sans));
    ExtPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get()));
    if (!ext) return Fail(InternalSsl("encoding subjectAltName"));
    MAGNUM_RETURN_IF_ERROR(push(std::move(ext)));
  }
  for (const CsrOptions::Extension& e : options.extensions) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, nullptr, nullptr, req.get(), nullptr, 0);
    ExtPtr ext(X509V3_EXT_nconf(nullptr, &ctx, e.name.c_str(), e.value.c_str()));
    if (!ext) {
      return Fail(SslError(ErrorCode::kInvalidArgument,
                           "invalid extension " + e.name + "='" + e.value + "'"));
    }
    MAGNUM_RETURN_IF_ERROR(push(std::move(ext)));
  }
  if (sk_X509_EXTENSION_num(exts.get()) > 0 &&
      X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
    return Fail(InternalSsl("X509_REQ_add_extensions"));
  }
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return Fail(InternalSsl("X509_REQ_sign"));
  }
  MAGNUM_ASSIGN_OR_RETURN(BioPtr out, WriteBio());
  if (PEM_write_bio_X509_REQ(out.get(), req.get()) != 1) {
    return Fail(InternalSsl("PEM_write_bio_X509_REQ"));
  }
  return BioContents(out.get());
}

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
