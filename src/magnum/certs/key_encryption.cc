#include "magnum/certs/key_encryption.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "magnum/certs/openssl_util.h"
#include "magnum/common/strings.h"

namespace magnum::certs {
namespace {

using internal::InternalSsl;

constexpr std::string_view kTokenPrefix = "v1:";
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the result (close can report a delayed write error).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Error CannotDecrypt(std::string_view why) {
  return Error::Internal("cannot decrypt the stored secret: wrong key? (" + std::string(why) + ")");
}

Error SysError(std::string_view what, const std::string& path, int err) {
  return Error::Internal(std::string(what) + " " + path + ": " + std::strerror(err));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The key in a key file's content: exactly 32 raw bytes, or 64 hex digits with optional
// surrounding whitespace.
bool ParseKeyFile(const std::string& content,
                  std::array<unsigned char, KeyEncryptor::kKeySize>* key) {
  if (content.size() == KeyEncryptor::kKeySize) {
    std::memcpy(key->data(), content.data(), KeyEncryptor::kKeySize);
    return true;
  }
  const char* ws = " \t\r\n";
  const size_t begin = content.find_first_not_of(ws);
  if (begin == std::string::npos) return false;
  const size_t end = content.find_last_not_of(ws) + 1;
  if (end - begin != 2 * KeyEncryptor::kKeySize) return false;
  for (size_t i = 0; i < KeyEncryptor::kKeySize; ++i) {
    const int hi = HexValue(content[begin + 2 * i]);
    const int lo = HexValue(content[begin + 2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*key)[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

// Reads the whole (small) file; ENOENT is reported through *missing.
Result<std::string> ReadSmallFile(const std::string& path, bool* missing) {
  *missing = false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return std::string();
    }
    return Fail(SysError("cannot open encryption key file", path, errno));
  }
  std::string content;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(SysError("cannot read encryption key file", path, errno));
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > 4096) {
      OPENSSL_cleanse(content.data(), content.size());
      return Fail(Error::InvalidArgument("encryption key file " + path +
                                         " is too large to be a key (expected 64 hex digits)"));
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return content;
}

Result<void> WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(SysError("cannot write encryption key file", path, errno));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

// Creates `path` holding `hex` + "\n", mode 0600, atomically: the content is complete before
// the name appears. Sets *existed when another process created it first.
Result<void> CreateKeyFile(const std::string& path, const std::string& hex, bool* existed) {
  *existed = false;
  std::string tmp = path + ".tmp.XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));  // mode 0600
  if (fd.get() < 0) return Fail(SysError("cannot create encryption key file", path, errno));
  auto remove_tmp = [&tmp] { ::unlink(tmp.c_str()); };
  if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) {
    const int err = errno;
    remove_tmp();
    return Fail(SysError("cannot chmod encryption key file", tmp, err));
  }
  if (auto w = WriteAll(fd.get(), hex + "\n", tmp); !w) {
    remove_tmp();
    return w;
  }
  if (::fsync(fd.get()) != 0 || fd.Close() != 0) {
    const int err = errno;
    remove_tmp();
    return Fail(SysError("cannot write encryption key file", tmp, err));
  }
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  remove_tmp();
  if (rc != 0) {
    if (err == EEXIST) {
      *existed = true;
      return {};
    }
    return Fail(SysError("cannot create encryption key file", path, err));
  }
  // Best effort: make the new directory entry durable.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return {};
}

}  // namespace

KeyEncryptor::~KeyEncryptor() { OPENSSL_cleanse(key_.data(), key_.size()); }

KeyEncryptor KeyEncryptor::FromKey(std::string raw32) {
  if (raw32.size() != kKeySize) {
    std::fprintf(stderr, "KeyEncryptor::FromKey: key must be %zu bytes, got %zu\n", kKeySize,
                 raw32.size());
    std::abort();
  }
  std::array<unsigned char, kKeySize> key;
  std::memcpy(key.data(), raw32.data(), kKeySize);
  OPENSSL_cleanse(raw32.data(), raw32.size());
  KeyEncryptor out(key);
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

Result<KeyEncryptor> KeyEncryptor::FromKeyFile(const std::string& path, bool create_if_missing) {
  if (path.empty()) return Fail(Error::InvalidArgument("empty encryption key file path"));
  // Two rounds at most: a missing file we then fail to create because another process won
  // the race is read again.
  for (int round = 0; round < 2; ++round) {
    bool missing = false;
    MAGNUM_ASSIGN_OR_RETURN(std::string content, ReadSmallFile(path, &missing));
    if (!missing) {
      std::array<unsigned char, kKeySize> key;
      const bool ok = ParseKeyFile(content, &key);
      OPENSSL_cleanse(content.data(), content.size());
      if (!ok) {
        return Fail(Error::InvalidArgument("encryption key file " + path +
                                           " does not hold a key (expected 64 hex digits)"));
      }
      KeyEncryptor out(key);
      OPENSSL_cleanse(key.data(), key.size());
      return out;
    }
    if (!create_if_missing) {
      return Fail(Error::NotFound("encryption key file " + path + " does not exist"));
    }
    std::array<unsigned char, kKeySize> key;
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
      return Fail(InternalSsl("cannot generate an encryption key"));
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * kKeySize);
    for (unsigned char b : key) {
      hex.push_back(kHex[b >> 4]);
      hex.push_back(kHex[b & 0x0f]);
    }
    bool existed = false;
    auto created = CreateKeyFile(path, hex, &existed);
    OPENSSL_cleanse(hex.data(), hex.size());
    if (!created) {
      OPENSSL_cleanse(key.data(), key.size());
      return Fail(created.error());
    }
    if (!existed) {
      KeyEncryptor out(key);
      OPENSSL_cleanse(key.data(), key.size());
      return out;
    }
    OPENSSL_cleanse(key.data(), key.size());  // lost the race: use the winner's key
  }
  return Fail(Error::Internal("encryption key file " + path + " keeps disappearing"));
}

Result<std::string> KeyEncryptor::Encrypt(std::string_view plaintext) const {
  ERR_clear_error();
  if (plaintext.size() > static_cast<size_t>(INT_MAX) - 64) {
    return Fail(Error::InvalidArgument("plaintext too large to encrypt"));
  }
  // nonce | ciphertext | tag
  std::vector<unsigned char> blob(kNonceSize + plaintext.size() + kTagSize);
  unsigned char* nonce = blob.data();
  unsigned char* ciphertext = blob.data() + kNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();
  if (RAND_bytes(nonce, kNonceSize) != 1) return Fail(InternalSsl("cannot generate a nonce"));

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(InternalSsl("EVP_CIPHER_CTX_new"));
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(kTokenPrefix.data()),
                        static_cast<int>(kTokenPrefix.size())) != 1) {
    return Fail(InternalSsl("cannot set up AES-256-GCM"));
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ciphertext, &len,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          static_cast<int>(plaintext.size())) != 1) {
      return Fail(InternalSsl("encryption failed"));
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + written, &len) != 1) {
    return Fail(InternalSsl("encryption failed"));
  }
  written += len;
  if (static_cast<size_t>(written) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
    return Fail(InternalSsl("encryption failed"));
  }
  std::string token(kTokenPrefix);
  token += Base64Encode(std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
  return token;
}

Result<std::string> KeyEncryptor::Decrypt(std::string_view token) const {
  ERR_clear_error();
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return Fail(CannotDecrypt("not a v1 token"));
  }
  std::optional<std::string> decoded = Base64Decode(token.substr(kTokenPrefix.size()));
  if (!decoded || decoded->size() < kNonceSize + kTagSize) {
    return Fail(CannotDecrypt("malformed token"));
  }
  unsigned char* blob = reinterpret_cast<unsigned char*>(decoded->data());
  const unsigned char* nonce = blob;
  const unsigned char* ciphertext = blob + kNonceSize;
  const size_t ciphertext_size = decoded->size() - kNonceSize - kTagSize;
  unsigned char* tag = blob + kNonceSize + ciphertext_size;

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(InternalSsl("EVP_CIPHER_CTX_new"));
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(kTokenPrefix.data()),
                        static_cast<int>(kTokenPrefix.size())) != 1) {
    return Fail(InternalSsl("cannot set up AES-256-GCM"));
  }
  std::string plaintext(ciphertext_size, '\0');
  int written = 0;
  if (ciphertext_size > 0) {
    if (EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &len,
                          ciphertext, static_cast<int>(ciphertext_size)) != 1) {
      return Fail(InternalSsl("decryption failed"));
    }
    written = len;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1) {
    return Fail(InternalSsl("decryption failed"));
  }
  // Final verifies the tag: a wrong key or any altered byte fails here.
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + written,
                          &len) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Fail(CannotDecrypt("authentication failed"));
  }
  return plaintext;
}

}  // namespace magnum::certs
