// libFuzzer target: the inputs of /v1/containers (issue 15) parsed outside the JSON API's
// field tables. The first byte selects the part; the rest is its input.
//  * a container's command split into words (conductor/docker_container_engine.h
//    SplitCommandWords): the words, each single-quoted and joined by blanks, split back into
//    the same words;
//  * the memory quantity (objects::DockerMemoryBytes): at most 1 PiB, never negative;
//  * the container and command-output JSON of the conductor's RPC replies (DecodeContainer,
//    DecodeCommandOutput; from another process): what decodes encodes and decodes again
//    to the same value;
//  * the container name rule (api/containers.h ValidateContainerName): an accepted name
//    starts with a letter or digit and holds only [a-zA-Z0-9_.-].
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/api/containers.h"
#include "magnum/conductor/containers.h"
#include "magnum/conductor/docker_container_engine.h"
#include "magnum/objects/container.h"

namespace {

bool NameChar(char c, bool first) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

void Command(std::string_view input) {
  auto words = magnum::conductor::SplitCommandWords(input);
  if (!words) {
    if (words.error().message().empty()) abort();
    return;
  }
  std::string joined;
  for (const auto& w : *words) {
    if (!joined.empty()) joined += ' ';
    joined += '\'';
    for (char c : w) {
      if (c == '\'') {
        joined += "'\\''";
      } else {
        joined += c;
      }
    }
    joined += '\'';
  }
  auto again = magnum::conductor::SplitCommandWords(joined);
  if (!again || *again != *words) abort();
}

void Memory(std::string_view input) {
  auto bytes = magnum::objects::DockerMemoryBytes(input);
  if (bytes && (*bytes < 0 || *bytes > (int64_t{1} << 50))) abort();
  if (!bytes && bytes.error().message().empty()) abort();
}

void Wire(std::string_view input) {
  if (auto c = magnum::conductor::DecodeContainer(input)) {
    auto again = magnum::conductor::DecodeContainer(magnum::conductor::EncodeContainer(*c));
    if (!again || !(*again == *c)) abort();
  }
  if (auto o = magnum::conductor::DecodeCommandOutput(input)) {
    auto again = magnum::conductor::DecodeCommandOutput(magnum::conductor::EncodeCommandOutput(*o));
    if (!again || again->output != o->output || again->truncated != o->truncated ||
        again->exit_code != o->exit_code) {
      abort();
    }
  }
}

void Name(std::string_view input) {
  if (!magnum::api::ValidateContainerName(input)) return;
  if (input.empty() || !NameChar(input[0], true)) abort();
  for (char c : input.substr(1)) {
    if (!NameChar(c, false)) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      Command(input);
      break;
    case 1:
      Memory(input);
      break;
    case 2:
      Wire(input);
      break;
    default:
      Name(input);
      break;
  }
  return 0;
}
