// Test helper: a directory created by mkdtemp() under $TMPDIR (or /tmp) and removed with
// its contents on destruction. Shared by the unit-test modules.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace magnum::testing_util {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "magnum-test") {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace magnum::testing_util
