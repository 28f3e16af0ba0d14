// libFuzzer target: the Heat driver's labels (drivers/heat/labels.h ParseLabels) down to the
// rendered stacks (hot.h) and the Ignition user data (ignition.h).
//
// Input: lines "key=value" (labels); a first line "!<network_driver>" sets the template's
// network_driver, a line "#<n>" the docker_volume_size field.
// Properties (abort = a finding):
//   * a refusal is InvalidArgument and names a label or network_driver;
//   * accepted labels render both stacks as JSON that parses, whose member templates'
//     Ignition text (the str_replace template) parses with ignition.version 3.3.0 and
//     whose every file source is a data URL that decodes;
//   * an accepted kube_tag appears in the Ignition rendered with literal values.
#include <stdint.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "magnum/common/strings.h"
#include "magnum/drivers/heat/data_url.h"
#include "magnum/drivers/heat/hot.h"
#include "magnum/drivers/heat/ignition.h"
#include "magnum/drivers/heat/labels.h"

namespace {

namespace heat = magnum::drivers::heat;
using Json = nlohmann::json;

void Require(bool ok) {
  if (!ok) abort();
}

void CheckIgnition(const std::string& text) {
  Json config = Json::parse(text);  // throws = finding (uncaught)
  Require(config["ignition"]["version"] == std::string(heat::kIgnitionVersion));
  for (const Json& f : config["storage"]["files"]) {
    std::string source = f["contents"]["source"];
    if (source.rfind("data:;base64,__MAGNUM_", 0) == 0) continue;  // a secret's placeholder
    Require(heat::DecodeDataUrl(source).has_value());
  }
}

void CheckStack(const heat::RenderedStack& stack) {
  Require(Json::parse(stack.template_json).is_object());
  for (const auto& [name, text] : stack.files) {
    Json member = Json::parse(text);
    CheckIgnition(
        member["resources"]["server"]["properties"]["user_data"]["str_replace"]["template"]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  heat::LabelMap labels;
  std::string network_driver;
  std::optional<int64_t> volume;
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!line.empty() && line[0] == '!') {
      network_driver = std::string(line.substr(1));
    } else if (!line.empty() && line[0] == '#') {
      volume = atoll(std::string(line.substr(1)).c_str());
    } else if (size_t eq = line.find('='); eq != std::string_view::npos) {
      labels[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
  }
  auto parsed = heat::ParseLabels(labels, network_driver, volume);
  if (!parsed) {
    Require(parsed.error().Is(magnum::ErrorCode::kInvalidArgument));
    const std::string& m = parsed.error().message();
    Require(m.find("label ") == 0 || m.find("network_driver") != std::string::npos ||
            m.find("docker_volume_size") != std::string::npos);
    return 0;
  }
  heat::ClusterStackSpec spec;
  spec.cluster_uuid = "5d12f6fd-a196-4bf0-ae4c-1f639a523a52";
  spec.labels = *parsed;
  spec.master_lb_enabled = size % 2 == 0;
  spec.floating_ip_enabled = size % 3 != 0;
  auto cluster = heat::RenderClusterStack(spec);
  Require(cluster.has_value());
  CheckStack(*cluster);
  auto nodegroup = heat::RenderNodeGroupStack(spec);
  Require(nodegroup.has_value());
  CheckStack(*nodegroup);

  heat::IgnitionInputs literal;
  literal.labels = *parsed;
  literal.role = size % 2 ? heat::NodeRole::kMaster : heat::NodeRole::kWorker;
  literal.api_address = "10.0.0.5";
  literal.ca_cert_b64 = magnum::Base64Encode(std::string(data, data + size));
  std::string text = heat::RenderIgnition(literal);
  CheckIgnition(text);
  Require(text.find(parsed->kube_tag) != std::string::npos);
  return 0;
}
