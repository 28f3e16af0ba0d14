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

#include "magnum/certs/openssl_util.h"

namespace magnum::certs {
namespace {

using namespace internal;  // NOLINT(build/namespaces): this file's helpers

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

}  // namespace magnum::certs
