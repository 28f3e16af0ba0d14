// libFuzzer target: the CSR and PEM parsing of certs/x509.h that user input reaches. The
// certificate sign route (POST /v1/certificates) hands a caller's CSR to SignCsr; the PEM
// helpers parse certificates (InspectCertificate, VerifySignedBy).
//
// Input: PEM text (starts with '-'), used as is; anything else is taken as DER and wrapped
// in both a CERTIFICATE REQUEST and a CERTIFICATE PEM block, so the fuzzer mutates the ASN.1
// structure directly. Each is given to SignCsr (a 1024-bit CA made once at start-up, the
// default extension policy), InspectCertificate and VerifySignedBy. A refusal is
// kInvalidArgument (the caller's fault, a 400), never kInternal (a 500): the CA is good.
// A certificate SignCsr issues must parse and verify against the CA.
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "magnum/certs/x509.h"

namespace {

magnum::certs::KeyPair* g_ca = nullptr;
magnum::certs::X509Options* g_options = nullptr;

std::string Pem(const char* label, const uint8_t* data, size_t size) {
  std::string out = std::string("-----BEGIN ") + label + "-----\n";
  for (size_t off = 0; off < size; off += 48) {
    const size_t n = std::min<size_t>(48, size - off);
    unsigned char line[80];
    const int len = EVP_EncodeBlock(line, data + off, static_cast<int>(n));
    out.append(reinterpret_cast<char*>(line), len);
    out += '\n';
  }
  return out + "-----END " + label + "-----\n";
}

void CheckRefusal(const magnum::Error& e, const char* what) {
  if (!e.Is(magnum::ErrorCode::kInvalidArgument)) {
    fprintf(stderr, "x509: %s refused with %s: %s\n", what, std::string(magnum::ErrorCodeName(e.code())).c_str(),
            e.message().c_str());
    abort();
  }
}

void Run(const std::string& csr, const std::string& cert) {
  auto signed_pem = magnum::certs::SignCsr(*g_ca, csr, *g_options);
  if (signed_pem) {
    auto info = magnum::certs::InspectCertificate(*signed_pem + "\n");
    if (!info) abort();  // what we issue parses
    if (!magnum::certs::VerifySignedBy(*signed_pem + "\n", g_ca->certificate_pem)) abort();
  } else {
    CheckRefusal(signed_pem.error(), "SignCsr");
  }
  auto info = magnum::certs::InspectCertificate(cert);
  if (!info) CheckRefusal(info.error(), "InspectCertificate");
  auto verified = magnum::certs::VerifySignedBy(cert, g_ca->certificate_pem);
  if (!verified) CheckRefusal(verified.error(), "VerifySignedBy");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_options = new magnum::certs::X509Options();
  g_options->rsa_key_size = 1024;
  auto ca = magnum::certs::GenerateCa("fuzz-ca", *g_options);
  if (!ca) abort();
  g_ca = new magnum::certs::KeyPair(*ca);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return -1;
  if (size > 0 && data[0] == '-') {
    std::string pem(reinterpret_cast<const char*>(data), size);
    Run(pem, pem);
  } else {
    Run(Pem("CERTIFICATE REQUEST", data, size), Pem("CERTIFICATE", data, size));
  }
  return 0;
}
