// libFuzzer target: JSON-patch of every resource (api/patch.h ApplyJsonPatch over the field
// lists of cluster templates, clusters, bays and nodegroups) and the Python-literal parser
// PATCH values go through (api/fields.h ParsePythonLiteral).
//
// Input: one selector byte (resource, see kResources) then the patch document as JSON text,
// e.g. `\x01[{"op":"replace","path":"/labels","value":"{'a': 'b'}"}]`. Text that is not JSON
// is given to ParsePythonLiteral instead. Nothing may throw or crash; a patched document
// re-validates field by field (ApplyJsonPatch's contract) and serialises.
#include <stdint.h>
#include <stdlib.h>

#include <set>
#include <string>
#include <vector>
#include <string_view>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/fields.h"
#include "magnum/api/nodegroups.h"
#include "magnum/api/patch.h"

namespace {

using magnum::api::FieldList;
using magnum::api::FieldSpec;
using magnum::api::FieldType;
using magnum::api::Json;

// A plausible API representation of a resource with these fields.
Json SampleDocument(const FieldList& fields) {
  Json doc = Json::object();
  for (const FieldSpec& f : fields) {
    if (!f.default_value.is_null() && !f.default_value.is_discarded()) {
      doc[f.name] = f.default_value;
      continue;
    }
    switch (f.type) {
      case FieldType::kString:
        doc[f.name] = f.choices.empty() ? "x" : f.choices.front();
        break;
      case FieldType::kInt: doc[f.name] = f.min > 1 ? f.min : 1; break;
      case FieldType::kBool: doc[f.name] = false; break;
      case FieldType::kLabels: doc[f.name] = {{"kube_tag", "v1"}}; break;
      case FieldType::kStrDict: doc[f.name] = Json::object(); break;
      case FieldType::kStringList: doc[f.name] = Json::array({"a"}); break;
      case FieldType::kJson: doc[f.name] = Json::object(); break;
      case FieldType::kUuid: doc[f.name] = "8d5ea4f5-3c2e-4d5b-9d8e-5a3f1b2c7e10"; break;
      case FieldType::kTimestamp: doc[f.name] = nullptr; break;
    }
  }
  return doc;
}

struct Resource {
  const FieldList* fields;
  magnum::api::PatchRules rules;
  Json doc;
};

std::vector<Resource>* g_resources = nullptr;

Resource Make(const FieldList& fields, std::set<std::string> mandatory,
              std::set<std::string> literal, Json remove_defaults) {
  Resource r;
  r.fields = &fields;
  r.rules.internal_paths = magnum::api::CommonInternalPaths();
  r.rules.mandatory_paths = std::move(mandatory);
  r.rules.literal_paths = std::move(literal);
  r.rules.remove_defaults = std::move(remove_defaults);
  r.doc = SampleDocument(fields);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using magnum::api::BayFields;
  using magnum::api::ClusterFields;
  using magnum::api::ClusterTemplateFields;
  using magnum::api::NodeGroupFields;
  g_resources = new std::vector<Resource>();
  // The rules the controllers use (cluster_templates.cc, clusters.cc, bays.cc, nodegroups.cc).
  g_resources->push_back(Make(ClusterTemplateFields(),
                              {"/coe", "/image_id", "/network_driver", "/external_network_id",
                               "/tls_disabled", "/public", "/server_type", "/registry_enabled",
                               "/cluster_distro", "/hidden"},
                              {"/labels"},
                              {{"labels", Json::object()},
                               {"floating_ip_enabled", true},
                               {"master_lb_enabled", false}}));
  g_resources->push_back(Make(ClusterFields(), {"/cluster_template_id"},
                              {"/labels", "/health_status_reason"},
                              {{"node_count", 1},
                               {"master_count", 1},
                               {"create_timeout", 60},
                               {"merge_labels", false}}));
  g_resources->push_back(
      Make(BayFields(), {"/baymodel_id"}, {"/labels"},
           {{"node_count", 1}, {"master_count", 1}, {"bay_create_timeout", 60}}));
  Resource ng = Make(NodeGroupFields(), {}, {"/node_labels", "/node_taints"},
                     {{"min_node_count", 0}});
  for (const FieldSpec& f : NodeGroupFields()) {
    if (f.name != "min_node_count" && f.name != "max_node_count" && f.name != "node_labels" &&
        f.name != "node_taints") {
      ng.rules.internal_paths.insert("/" + f.name);
    }
  }
  g_resources->push_back(std::move(ng));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return -1;
  const Resource& r = (*g_resources)[data[0] % g_resources->size()];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  Json patch = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    auto lit = magnum::api::ParsePythonLiteral(text);
    if (lit) {
      // A parsed literal is a JSON value: it must serialise (invalid UTF-8 replaced).
      (void)lit->dump(-1, ' ', false, Json::error_handler_t::replace);
    } else if (lit.error().message().empty()) {
      abort();  // every refusal explains itself
    }
    return 0;
  }
  auto out = magnum::api::ApplyJsonPatch(r.doc, patch, *r.fields, r.rules);
  if (!out) {
    if (out.error().message().empty()) abort();
    return 0;
  }
  if (!out->is_object()) abort();
  // The result is what the controller stores: every field converts again.
  for (const auto& [k, v] : out->items()) {
    const FieldSpec* spec = magnum::api::FindField(*r.fields, k);
    if (spec == nullptr) abort();  // a patch may not invent attributes
  }
  (void)magnum::api::ChangedFields(r.doc, *out);
  (void)out->dump(-1, ' ', false, Json::error_handler_t::replace);
  return 0;
}
