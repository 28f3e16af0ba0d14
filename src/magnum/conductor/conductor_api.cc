#include "magnum/conductor/conductor_api.h"

namespace magnum::conductor {

std::string NormaliseCaType(const std::string& ca_cert_type) {
  if (ca_cert_type == "etcd") return "etcd";
  if (ca_cert_type == "front_proxy" || ca_cert_type == "front-proxy") return "front_proxy";
  return "";
}

}  // namespace magnum::conductor
