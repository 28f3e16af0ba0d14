// Encryption of private keys (and other small secrets) at rest.
//
// A KeyEncryptor holds one 256-bit key and turns plaintext into a self-describing text
// token "v1:<base64(nonce | ciphertext | tag)>": AES-256-GCM with a fresh random 12-byte
// nonce per call and a 16-byte tag; the version prefix is also authenticated (as AAD). The
// token is plain ASCII and can be stored in any text column.
//
// Key file format (FromKeyFile): 64 hexadecimal digits, optionally surrounded by whitespace
// (what `openssl rand -hex 32` prints, and what FromKeyFile writes, plus a newline), or
// exactly 32 raw bytes. A created file has mode 0600 and is created atomically (written to a
// temporary file in the same directory, then hard-linked into place), so concurrent
// processes starting on the same path agree on one key. The parent directory must exist.
//
// Immutable after construction; Encrypt and Decrypt are thread-safe. The key bytes are wiped
// when the object is destroyed. No exceptions.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::certs {

class KeyEncryptor {
 public:
  static constexpr size_t kKeySize = 32;

  // Loads the key from `path`. When the file does not exist: with create_if_missing, writes a
  // fresh random key there (mode 0600) and uses it; without, kNotFound. A file that exists
  // but holds neither 64 hex digits nor 32 bytes is kInvalidArgument; I/O errors are
  // kInternal. Both messages name the path.
  static Result<KeyEncryptor> FromKeyFile(const std::string& path, bool create_if_missing);

  // Uses `raw32` (exactly kKeySize bytes) as the key; any other size is a programming error
  // and aborts. For tests and for callers that manage keys themselves.
  static KeyEncryptor FromKey(std::string raw32);

  KeyEncryptor(const KeyEncryptor&) = default;
  KeyEncryptor& operator=(const KeyEncryptor&) = default;
  KeyEncryptor(KeyEncryptor&&) = default;
  KeyEncryptor& operator=(KeyEncryptor&&) = default;
  ~KeyEncryptor();

  // A fresh "v1:..." token for `plaintext` (which may be empty). kInternal only if OpenSSL
  // fails (e.g. no randomness).
  Result<std::string> Encrypt(std::string_view plaintext) const;

  // The plaintext of a token made by Encrypt with the same key. A token that is malformed,
  // was altered, or was made with another key → kInternal "cannot decrypt ...: wrong key?
  // ...". The message never contains key material or plaintext.
  Result<std::string> Decrypt(std::string_view token) const;

 private:
  explicit KeyEncryptor(const std::array<unsigned char, kKeySize>& key) : key_(key) {}

  std::array<unsigned char, kKeySize> key_;
};

}  // namespace magnum::certs
