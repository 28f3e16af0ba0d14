#include "magnum/conductor/conductor_api.h"

namespace magnum::conductor {

std::string NormaliseCaType(const std::string& ca_cert_type) {
  if (ca_cert_type == "etcd") return "etcd";
  if (ca_cert_type == "front_proxy" || ca_cert_type == "front-proxy") return "front_proxy";
  return "";
}

Error NoContainerEngine() {
  return Error::Unavailable("containers are not available: no container engine in this conductor");
}

Result<objects::Container> ConductorApi::ContainerCreate(const Caller&, const objects::Container&) {
  return Fail(NoContainerEngine());
}
Result<objects::Container> ConductorApi::ContainerShow(const Caller&, const std::string&) {
  return Fail(NoContainerEngine());
}
Result<objects::Container> ConductorApi::ContainerAct(const Caller&, const std::string&,
                                                      ContainerAction) {
  return Fail(NoContainerEngine());
}
Result<void> ConductorApi::ContainerDelete(const Caller&, const std::string&, bool) {
  return Fail(NoContainerEngine());
}
Result<CommandOutput> ConductorApi::ContainerLogs(const Caller&, const std::string&) {
  return Fail(NoContainerEngine());
}
Result<CommandOutput> ConductorApi::ContainerExecute(const Caller&, const std::string&,
                                                     const std::string&) {
  return Fail(NoContainerEngine());
}

std::string_view ContainerActionName(ContainerAction action) {
  switch (action) {
    case ContainerAction::kStart:
      return "start";
    case ContainerAction::kStop:
      return "stop";
    case ContainerAction::kReboot:
      return "reboot";
    case ContainerAction::kPause:
      return "pause";
    case ContainerAction::kUnpause:
      return "unpause";
  }
  return "";
}

std::string ContainerActionMethod(ContainerAction action) {
  return "container_" + std::string(ContainerActionName(action));
}

std::optional<ContainerAction> ContainerActionOfMethod(std::string_view method) {
  for (ContainerAction a :
       {ContainerAction::kStart, ContainerAction::kStop, ContainerAction::kReboot,
        ContainerAction::kPause, ContainerAction::kUnpause}) {
    if (method == ContainerActionMethod(a)) return a;
  }
  return std::nullopt;
}

}  // namespace magnum::conductor
