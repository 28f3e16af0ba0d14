// Internal to certs/: RAII handles, error reporting, PEM and name helpers over OpenSSL,
// shared by x509.cc (issuing and signing) and x509_inspect.cc (reading certificates).
// Functions that call OpenSSL report its error queue in their errors; public entry points
// hold an ErrorQueueScope.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::certs::internal {

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
std::string DrainOpenSslErrors();

Error SslError(ErrorCode code, std::string_view what);

Error InternalSsl(std::string_view what);

// ---------------------------------------------------------------------------------------------
// PEM in and out.

// Never prompt on a terminal for a passphrase (OpenSSL's default callback would).
int NoPassphrase(char*, int, int, void*);

Result<BioPtr> ReadBio(const std::string& s);

Result<BioPtr> WriteBio();

std::string BioContents(BIO* bio);

// Parses a PEM certificate; failure has `code`.
Result<X509Ptr> ParseCertificate(const std::string& pem, ErrorCode code, std::string_view what);

Result<PkeyPtr> ParsePrivateKey(const std::string& pem, ErrorCode code, std::string_view what);

Result<std::string> CertificateToPem(X509* cert);

Result<std::string> PrivateKeyToPem(EVP_PKEY* key);

// ---------------------------------------------------------------------------------------------
// Names.

// OpenSSL's short name of an object ("serverAuth"), else its dotted OID.
std::string ObjectName(const ASN1_OBJECT* obj);

std::string ExtensionName(const ASN1_OBJECT* obj);

// KeyUsage bit numbers (RFC 5280 §4.2.1.3) and the names magnum.conf uses for them.
struct KeyUsageBit {
  int bit;
  const char* name;
};
inline constexpr KeyUsageBit kKeyUsageBits[] = {
    {0, "Digital Signature"}, {1, "Non Repudiation"}, {2, "Key Encipherment"},
    {3, "Data Encipherment"}, {4, "Key Agreement"},   {5, "Certificate Sign"},
    {6, "CRL Sign"},          {7, "Encipher Only"},   {8, "Decipher Only"},
};
inline constexpr int kKeyAgreementBit = 4;
inline constexpr int kKeyCertSignBit = 5;
inline constexpr int kCrlSignBit = 6;
inline constexpr int kEncipherOnlyBit = 7;
inline constexpr int kDecipherOnlyBit = 8;

bool Contains(const std::vector<std::string>& v, std::string_view s);

std::string NameToString(const X509_NAME* name);

std::string ToLowerHex(const unsigned char* data, size_t n);

}  // namespace magnum::certs::internal
