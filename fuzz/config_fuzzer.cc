// libFuzzer target: the oslo-style INI configuration parser (config/config.h LoadFromString,
// the same code Load() runs on each --config-file). Input: the file's text. It either loads
// or fails with a message; it never crashes or throws.
#include <stdint.h>
#include <stdlib.h>

#include <string>

#include "magnum/certs/x509.h"
#include "magnum/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto cfg = magnum::config::LoadFromString(text, "fuzz.conf");
  if (!cfg) {
    if (cfg.error().message().empty()) abort();
    return 0;
  }
  // What the services derive from a loaded config.
  (void)cfg->DatabaseUrl();
  (void)magnum::certs::X509OptionsFromConfig(*cfg);
  return 0;
}
