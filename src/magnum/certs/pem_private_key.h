// Private keys kept the Python Magnum's way (issue 12: taking over a Python Magnum 15).
//
// With `[certificates] cert_manager_type = x509keypair`, the Python Magnum stores each key in
// x509keypair.private_key as PEM: PKCS#8 encrypted with the best available algorithm
// ("-----BEGIN ENCRYPTED PRIVATE KEY-----", AES-256-CBC under PBKDF2) under the random
// passphrase it keeps next to it in private_key_passphrase. Ours are KeyEncryptor tokens
// ("v1:...", key_encryption.h) with a NULL passphrase. The conductor reads both forms and
// writes only its own; a CA rotation replaces a taken-over cluster's keys with ours.
//
// No exceptions; never prompts for a passphrase; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::certs {

// True when `stored` is a PEM private key block (encrypted or not), i.e. not one of our
// KeyEncryptor tokens. Leading whitespace is ignored.
bool IsPemPrivateKey(std::string_view stored);

// The unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", the form of KeyPair) of `pem`.
// An encrypted key (PKCS#8, or traditional OpenSSL PEM with a DEK-Info header) is decrypted
// with `passphrase`; an unencrypted one is taken as is (the passphrase is then ignored).
// Failures are kInvalidArgument, one message per cause: "encrypted but no passphrase is
// stored", "wrong passphrase or damaged key", "not a PEM private key". Messages never contain
// the passphrase or key material.
Result<std::string> DecryptPemPrivateKey(const std::string& pem, std::string_view passphrase);

}  // namespace magnum::certs
