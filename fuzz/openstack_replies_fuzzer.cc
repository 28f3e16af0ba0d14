// libFuzzer target: the readers of Glance, Nova and Neutron replies (clients/
// openstack_replies.h), which parse whatever answers at a catalog endpoint in keystone mode.
//
// Input: the reply body; every reader is run on it. None may throw or crash; a reader that
// succeeds returns only items with an id, and the error-message reader stays within its
// 200-byte bound for bodies that are not a known error document.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/clients/openstack_replies.h"

namespace {

template <typename T>
void CheckIds(const T& page) {
  for (const auto& item : page.items) {
    if (item.id.empty()) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace magnum::clients;
  if (auto image = ParseGlanceImage(body); image && image->id.empty()) abort();
  if (auto images = ParseGlanceImageList(body)) CheckIds(*images);
  if (auto flavors = ParseNovaFlavorList(body)) CheckIds(*flavors);
  for (const char* collection : {"networks", "subnets"}) {
    if (auto list = ParseNeutronList(body, collection)) CheckIds(*list);
  }
  (void)ServiceErrorMessage(body);
  return 0;
}
