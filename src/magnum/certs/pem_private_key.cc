#include "magnum/certs/pem_private_key.h"

#include <openssl/pem.h>

#include <climits>
#include <cstring>

#include "magnum/certs/openssl_util.h"

namespace magnum::certs {
namespace {

using internal::BioPtr;
using internal::PkeyPtr;

constexpr std::string_view kPemBegin = "-----BEGIN ";

// What the passphrase callback was given and whether OpenSSL asked for it (it asks only for
// an encrypted key).
struct PassphraseSource {
  std::string_view passphrase;
  bool asked = false;
};

// Hands OpenSSL the stored passphrase; never reads a terminal. -1 (no passphrase) when none
// is stored or it does not fit OpenSSL's buffer.
int StoredPassphrase(char* buf, int size, int /*rwflag*/, void* u) {
  auto* source = static_cast<PassphraseSource*>(u);
  source->asked = true;
  if (source->passphrase.empty() || size < 0 ||
      source->passphrase.size() > static_cast<size_t>(size)) {
    return -1;
  }
  std::memcpy(buf, source->passphrase.data(), source->passphrase.size());
  return static_cast<int>(source->passphrase.size());
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' ||
                        s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

bool IsPemPrivateKey(std::string_view stored) {
  stored = TrimLeft(stored);
  if (stored.substr(0, kPemBegin.size()) != kPemBegin) return false;
  const size_t eol = stored.find("-----", kPemBegin.size());
  if (eol == std::string_view::npos) return false;
  const std::string_view label = stored.substr(kPemBegin.size(), eol - kPemBegin.size());
  return label.size() >= 11 && label.substr(label.size() - 11) == "PRIVATE KEY";
}

Result<std::string> DecryptPemPrivateKey(const std::string& pem, std::string_view passphrase) {
  internal::ErrorQueueScope scope;
  if (!IsPemPrivateKey(pem)) {
    return Fail(Error::InvalidArgument(
        "not a PEM private key (no \"-----BEGIN ... PRIVATE KEY-----\" line)"));
  }
  if (passphrase.size() > static_cast<size_t>(INT_MAX)) {
    return Fail(Error::InvalidArgument("the passphrase is too long"));
  }
  MAGNUM_ASSIGN_OR_RETURN(BioPtr bio, internal::ReadBio(pem));
  PassphraseSource source{passphrase};
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, StoredPassphrase, &source));
  if (!key) {
    const std::string why = internal::DrainOpenSslErrors();
    if (source.asked && passphrase.empty()) {
      return Fail(Error::InvalidArgument(
          "the private key is encrypted but no passphrase is stored with it"));
    }
    if (source.asked) {
      return Fail(Error::InvalidArgument(
          "cannot decrypt the private key with its stored passphrase: wrong passphrase or "
          "damaged key (" + why + ")"));
    }
    return Fail(Error::InvalidArgument("not a readable PEM private key (" + why + ")"));
  }
  return internal::PrivateKeyToPem(key.get());
}

}  // namespace magnum::certs
