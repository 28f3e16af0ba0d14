#include "magnum/drivers/docker/tar_writer.h"

#include <cstdio>
#include <cstring>

namespace magnum::drivers::docker {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t width, uint64_t value) {
  // width - 1 digits, then NUL.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

}  // namespace

Result<void> TarWriter::AddDirectory(std::string_view path, int mode) {
  std::string p(path);
  if (p.empty() || p.back() != '/') p += '/';
  return AddEntry(p, '5', {}, mode);
}

Result<void> TarWriter::AddFile(std::string_view path, std::string_view content, int mode) {
  return AddEntry(path, '0', content, mode);
}

Result<void> TarWriter::AddEntry(std::string_view path, char type, std::string_view content,
                                 int mode) {
  if (path.empty() || path[0] == '/' || path.find("..") != std::string_view::npos) {
    return Fail(Error::InvalidArgument("tar: bad path '" + std::string(path) + "'"));
  }
  std::string_view name = path, prefix;
  if (path.size() > 100) {
    // Split at a '/' so that the name part fits 100 bytes and the prefix 155.
    size_t cut = path.find('/', path.size() > 101 ? path.size() - 101 : 0);
    if (cut == std::string_view::npos || cut > 155 || path.size() - cut - 1 > 100) {
      return Fail(Error::InvalidArgument("tar: path too long '" + std::string(path) + "'"));
    }
    prefix = path.substr(0, cut);
    name = path.substr(cut + 1);
  }
  char h[kBlock];
  std::memset(h, 0, sizeof h);
  std::memcpy(h, name.data(), name.size());
  Octal(h + 100, 8, static_cast<uint64_t>(mode));
  Octal(h + 108, 8, 0);  // uid
  Octal(h + 116, 8, 0);  // gid
  Octal(h + 124, 12, content.size());
  Octal(h + 136, 12, 0);  // mtime
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memcpy(h + 265, "root", 4);
  std::memcpy(h + 297, "root", 4);
  if (!prefix.empty()) std::memcpy(h + 345, prefix.data(), prefix.size());  // null if empty
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char ch : h) sum += ch;
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  out_.append(h, kBlock);
  out_.append(content);
  if (content.size() % kBlock != 0) out_.append(kBlock - content.size() % kBlock, '\0');
  return {};
}

std::string TarWriter::Finish() {
  out_.append(2 * kBlock, '\0');
  std::string r = std::move(out_);
  out_.clear();
  return r;
}

}  // namespace magnum::drivers::docker
