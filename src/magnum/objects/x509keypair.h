// A stored certificate and key (table x509keypair). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct X509KeyPair {
  int64_t id = 0;  // 0 = not stored yet
  std::string uuid;
  std::optional<std::string> name;
  std::optional<std::string> project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> certificate;
  std::optional<std::string> private_key;
  std::optional<std::string> private_key_passphrase;
  std::optional<std::string> intermediates;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const X509KeyPair&) const = default;
};

}  // namespace magnum::objects
