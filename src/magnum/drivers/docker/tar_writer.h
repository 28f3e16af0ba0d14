// An in-memory POSIX ustar archive writer: what the Docker Engine's PUT /archive takes to
// copy TLS material and image tarballs into a node container before it starts.
// Value type; not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

class TarWriter {
 public:
  // Adds a directory / regular file owned by root. `path` is relative ("etc/docker/tls");
  // kInvalidArgument when it is absolute, has "..", or is too long for ustar (255 bytes).
  Result<void> AddDirectory(std::string_view path, int mode = 0755);
  Result<void> AddFile(std::string_view path, std::string_view content, int mode = 0644);
  // The archive (with its two terminating zero blocks). The writer is empty afterwards.
  std::string Finish();

 private:
  Result<void> AddEntry(std::string_view path, char type, std::string_view content, int mode);
  std::string out_;
};

}  // namespace magnum::drivers::docker
