// Rendering from typed objects (JsonWriter, RenderPlan) gives the same documents as the
// nlohmann::json path it replaced: the expected documents below were produced by that path
// (FromRow over the same rows, before the objects existed) and are compared as JSON values
// (types, keys and values; key order is also nlohmann's sorted order).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "magnum/api/app.h"
#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/nodegroups.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/objects/mappers.h"
#include "render_fixtures.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

// key -> the old path's output for it.
const std::map<std::string, std::string>& Golden() {
  static const std::map<std::string, std::string> golden = {
      {"template",
       R"golden({"apiserver_port":6443,"cluster_distro":"fedora-coreos","coe":"kubernetes","created_at":"2026-01-01T10:00:00+00:00","dns_nameserver":"8.8.8.8","docker_storage_driver":"overlay2","docker_volume_size":null,"driver":"fake","external_network_id":"public","fixed_network":null,"fixed_subnet":null,"flavor_id":"m1.small","floating_ip_enabled":true,"hidden":false,"http_proxy":"http://proxy:3128","https_proxy":null,"image_id":"fedora-coreos","insecure_registry":null,"keypair_id":"kp","labels":{"kube_tag":"v1.29","shared":"template","ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clustertemplates/0562d357-8641-4759-8fed-8173f02c9633","rel":"self"},{"href":"http://h:9511/clustertemplates/0562d357-8641-4759-8fed-8173f02c9633","rel":"bookmark"}],"master_flavor_id":null,"master_lb_enabled":false,"name":"k8s-été \"q\"\\","network_driver":"flannel","no_proxy":"localhost,127.0.0.1","project_id":"p1","public":true,"registry_enabled":false,"server_type":"vm","tags":"","tls_disabled":false,"updated_at":"2026-02-03T04:05:06+00:00","user_id":"u1","uuid":"0562d357-8641-4759-8fed-8173f02c9633","volume_driver":null})golden"},
      {"cluster mv=12 detail=1 faults=0 status=CREATE_COMPLETE",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","stack_id":"stack-1","status":"CREATE_COMPLETE","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=1 faults=0 status=UPDATE_FAILED",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","stack_id":"stack-1","status":"UPDATE_FAILED","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=1 faults=1 status=CREATE_COMPLETE",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","stack_id":"stack-1","status":"CREATE_COMPLETE","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=1 faults=1 status=UPDATE_FAILED",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"faults":{"default-worker":"node step failed","gpu":null},"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","stack_id":"stack-1","status":"UPDATE_FAILED","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=0 faults=0 status=CREATE_COMPLETE",
       R"golden({"cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"stack_id":"stack-1","status":"CREATE_COMPLETE","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=0 faults=0 status=UPDATE_FAILED",
       R"golden({"cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"stack_id":"stack-1","status":"UPDATE_FAILED","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=0 faults=1 status=CREATE_COMPLETE",
       R"golden({"cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"stack_id":"stack-1","status":"CREATE_COMPLETE","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=12 detail=0 faults=1 status=UPDATE_FAILED",
       R"golden({"cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"stack_id":"stack-1","status":"UPDATE_FAILED","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=1 faults=0 status=CREATE_COMPLETE",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","status":"CREATE_COMPLETE","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=1 faults=0 status=UPDATE_FAILED",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","status":"UPDATE_FAILED","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=1 faults=1 status=CREATE_COMPLETE",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","status":"CREATE_COMPLETE","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=1 faults=1 status=UPDATE_FAILED",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"faults":{"default-worker":"node step failed","gpu":null},"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1"},"labels_overridden":{"kube_tag":"v1.29","shared":"template"},"labels_skipped":{"ü":"\n\t\u0001"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"master_count":3,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":["10.0.1.1","10.0.1.2","10.0.2.1"],"node_count":3,"project_id":"p1","status":"UPDATE_FAILED","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=0 faults=0 status=CREATE_COMPLETE",
       R"golden({"cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"status":"CREATE_COMPLETE","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=0 faults=0 status=UPDATE_FAILED",
       R"golden({"cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"status":"UPDATE_FAILED","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=0 faults=1 status=CREATE_COMPLETE",
       R"golden({"cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"status":"CREATE_COMPLETE","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster mv=13 detail=0 faults=1 status=UPDATE_FAILED",
       R"golden({"cluster_id":"stack-1","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","create_timeout":60,"docker_volume_size":10,"flavor_id":"m1.small","health_status":"UNHEALTHY","keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_count":3,"master_flavor_id":"m1.medium","merge_labels":false,"name":"k8s","node_count":3,"status":"UPDATE_FAILED","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"cluster-nolabels",
       R"golden({"api_address":"https://192.0.2.1:6443","cluster_template_id":"0562d357-8641-4759-8fed-8173f02c9633","coe_version":"v1.30.1","container_version":null,"create_timeout":60,"created_at":"2026-01-01T10:00:00+00:00","discovery_url":null,"docker_volume_size":10,"fixed_network":null,"fixed_subnet":"subnet","flavor_id":"m1.small","floating_ip_enabled":true,"health_status":"UNHEALTHY","health_status_reason":{"api":"ok","node-1.Ready":null},"keypair":"kp","labels":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_added":{"extra":"1","kube_tag":"v1.30.1","shared":"mine"},"labels_overridden":{},"labels_skipped":{},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f","rel":"bookmark"}],"master_addresses":[],"master_count":0,"master_flavor_id":"m1.medium","master_lb_enabled":false,"merge_labels":false,"name":"k8s","node_addresses":[],"node_count":0,"project_id":"p1","stack_id":"stack-1","status":"CREATE_COMPLETE","status_reason":"it is \"fine\"","updated_at":null,"user_id":"u1","uuid":"746e779a-751a-456b-a3e9-c883d734946f"})golden"},
      {"nodegroup 1 detail=1",
       R"golden({"cluster_id":"746e779a-751a-456b-a3e9-c883d734946f","created_at":"2026-01-01T10:00:01+00:00","docker_volume_size":10,"flavor_id":"m1.small","id":1,"image_id":"fedora-coreos","is_default":true,"labels":{"kube_tag":"v1.30.1","ng_only":"x","shared":"ng"},"labels_added":{"ng_only":"x"},"labels_overridden":{"shared":"mine"},"labels_skipped":{"extra":"1"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000001","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000001","rel":"bookmark"}],"max_node_count":null,"merge_labels":false,"min_node_count":0,"name":"default-master","node_addresses":["10.0.0.1","10.0.0.2","10.0.0.3"],"node_count":3,"node_labels":null,"node_taints":null,"project_id":"p1","role":"master","stack_id":"stack-default-master","status":"CREATE_COMPLETE","status_reason":null,"updated_at":"2026-01-01T10:05:00+00:00","uuid":"5f3c1b7e-0000-4000-8000-000000000001","version":null})golden"},
      {"nodegroup 1 detail=0",
       R"golden({"flavor_id":"m1.small","image_id":"fedora-coreos","is_default":true,"max_node_count":null,"merge_labels":false,"min_node_count":0,"name":"default-master","node_count":3,"role":"master","stack_id":"stack-default-master","status":"CREATE_COMPLETE","uuid":"5f3c1b7e-0000-4000-8000-000000000001"})golden"},
      {"nodegroup 2 detail=1",
       R"golden({"cluster_id":"746e779a-751a-456b-a3e9-c883d734946f","created_at":"2026-01-01T10:00:01+00:00","docker_volume_size":10,"flavor_id":"m1.small","id":2,"image_id":"fedora-coreos","is_default":true,"labels":{"kube_tag":"v1.30.1","ng_only":"x","shared":"ng"},"labels_added":{"ng_only":"x"},"labels_overridden":{"shared":"mine"},"labels_skipped":{"extra":"1"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000002","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000002","rel":"bookmark"}],"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"default-worker","node_addresses":["10.0.1.1","10.0.1.2"],"node_count":2,"node_labels":{"disk":"ssd"},"node_taints":[{"effect":"NoSchedule","key":"gpu","value":"true"},{"effect":"NoExecute","key":"k2"}],"project_id":"p1","role":"worker","stack_id":"stack-default-worker","status":"UPDATE_FAILED","status_reason":"node step failed","updated_at":"2026-01-01T10:05:00+00:00","uuid":"5f3c1b7e-0000-4000-8000-000000000002","version":null})golden"},
      {"nodegroup 2 detail=0",
       R"golden({"flavor_id":"m1.small","image_id":"fedora-coreos","is_default":true,"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"default-worker","node_count":2,"role":"worker","stack_id":"stack-default-worker","status":"UPDATE_FAILED","uuid":"5f3c1b7e-0000-4000-8000-000000000002"})golden"},
      {"nodegroup 3 detail=1",
       R"golden({"cluster_id":"746e779a-751a-456b-a3e9-c883d734946f","created_at":"2026-01-01T10:00:01+00:00","docker_volume_size":10,"flavor_id":"m1.small","id":3,"image_id":"fedora-coreos","is_default":false,"labels":{"kube_tag":"v1.30.1","ng_only":"x","shared":"ng"},"labels_added":{"ng_only":"x"},"labels_overridden":{"shared":"mine"},"labels_skipped":{"extra":"1"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000003","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000003","rel":"bookmark"}],"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"gpu","node_addresses":["10.0.2.1"],"node_count":1,"node_labels":{"disk":"ssd"},"node_taints":[{"effect":"NoSchedule","key":"gpu","value":"true"},{"effect":"NoExecute","key":"k2"}],"project_id":"p1","role":"gpu-worker","stack_id":"stack-gpu","status":"CREATE_FAILED","status_reason":null,"updated_at":"2026-01-01T10:05:00+00:00","uuid":"5f3c1b7e-0000-4000-8000-000000000003","version":null})golden"},
      {"nodegroup 3 detail=0",
       R"golden({"flavor_id":"m1.small","image_id":"fedora-coreos","is_default":false,"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"gpu","node_count":1,"role":"gpu-worker","stack_id":"stack-gpu","status":"CREATE_FAILED","uuid":"5f3c1b7e-0000-4000-8000-000000000003"})golden"},
      {"nodegroup 4 detail=1",
       R"golden({"cluster_id":"746e779a-751a-456b-a3e9-c883d734946f","created_at":"2026-01-01T10:00:01+00:00","docker_volume_size":10,"flavor_id":"m1.small","id":4,"image_id":"fedora-coreos","is_default":false,"labels":{"kube_tag":"v1.30.1","ng_only":"x","shared":"ng"},"labels_added":{"ng_only":"x"},"labels_overridden":{"shared":"mine"},"labels_skipped":{"extra":"1"},"links":[{"href":"http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000004","rel":"self"},{"href":"http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f/nodegroups/5f3c1b7e-0000-4000-8000-000000000004","rel":"bookmark"}],"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"broken","node_addresses":[],"node_count":0,"node_labels":{"disk":"ssd"},"node_taints":[{"effect":"NoSchedule","key":"gpu","value":"true"},{"effect":"NoExecute","key":"k2"}],"project_id":"p1","role":"worker","stack_id":"stack-broken","status":"CREATE_COMPLETE","status_reason":null,"updated_at":"2026-01-01T10:05:00+00:00","uuid":"5f3c1b7e-0000-4000-8000-000000000004","version":null})golden"},
      {"nodegroup 4 detail=0",
       R"golden({"flavor_id":"m1.small","image_id":"fedora-coreos","is_default":false,"max_node_count":5,"merge_labels":false,"min_node_count":0,"name":"broken","node_count":0,"role":"worker","stack_id":"stack-broken","status":"CREATE_COMPLETE","uuid":"5f3c1b7e-0000-4000-8000-000000000004"})golden"},
  };
  return golden;
}

const std::string kBase = "http://h:9511";

void ExpectGolden(const std::string& key, const Json& rendered) {
  auto it = Golden().find(key);
  ASSERT_NE(it, Golden().end()) << key;
  const Json want = Json::parse(it->second);
  EXPECT_EQ(rendered, want) << key << "\n got: " << rendered.dump() << "\nwant: " << want.dump();
  // The same text too (sorted keys, same escaping).
  EXPECT_EQ(rendered.dump(), it->second) << key;
}

template <typename T>
T Object(const db::Row& row) {
  auto obj = objects::FromRow<T>(row);
  EXPECT_TRUE(obj) << obj.error().message();
  return obj.value_or(T{});
}

TEST(RenderGoldenTest, ClusterTemplate) {
  ExpectGolden("template",
               RenderClusterTemplate(Object<objects::ClusterTemplate>(fixtures::TemplateRow()), kBase));
}

TEST(RenderGoldenTest, ClustersEveryShape) {
  const objects::ClusterTemplate t = Object<objects::ClusterTemplate>(fixtures::TemplateRow());
  const objects::StringMap labels = *t.labels;
  const Json labels_json = Json(labels);
  std::vector<objects::NodeGroup> ngs;
  for (const auto& r : fixtures::NodeGroupRows()) ngs.push_back(Object<objects::NodeGroup>(r));
  for (int mv : {12, 13}) {
    for (bool detail : {true, false}) {
      for (bool faults : {false, true}) {
        for (std::string status : {"CREATE_COMPLETE", "UPDATE_FAILED"}) {
          const std::string key = "cluster mv=" + std::to_string(mv) +
                                  " detail=" + std::to_string(detail) +
                                  " faults=" + std::to_string(faults) + " status=" + status;
          ClusterRenderOptions o;
          o.detail = detail;
          o.minor_version = mv;
          o.base_url = kBase;
          o.with_faults = faults;
          o.template_label_map = &labels;
          ExpectGolden(key, RenderCluster(Object<objects::Cluster>(fixtures::ClusterRow(status)),
                                          ngs, o));
          // The rows form (through the mappers, labels as JSON) agrees.
          ClusterRenderOptions legacy = o;
          legacy.template_label_map = nullptr;
          legacy.template_labels = &labels_json;
          ExpectGolden(key, RenderCluster(fixtures::ClusterRow(status), fixtures::NodeGroupRows(),
                                          legacy));
        }
      }
    }
  }
  ClusterRenderOptions o;
  o.detail = true;
  o.minor_version = 10;
  o.base_url = kBase;
  ExpectGolden("cluster-nolabels", RenderCluster(fixtures::ClusterRow(), {}, o));
}

TEST(RenderGoldenTest, NodeGroupsDetailAndBrief) {
  const objects::Cluster c = Object<objects::Cluster>(fixtures::ClusterRow());
  for (const auto& row : fixtures::NodeGroupRows()) {
    const objects::NodeGroup ng = Object<objects::NodeGroup>(row);
    for (bool detail : {true, false}) {
      const std::string key =
          "nodegroup " + std::to_string(ng.id) + " detail=" + std::to_string(detail);
      ExpectGolden(key, RenderNodeGroup(ng, &*c.labels, detail, kBase));
      ExpectGolden(key, RenderNodeGroup(row, Json(*c.labels), detail, kBase));
    }
  }
}

// The template list as ApiApp serves it (rows read in place and written as they come) is,
// byte for byte, the items GET of each template gives (rows read whole, through FromRow)
// inside WriteCollection's envelope, and the fixture's item is the golden text above: for
// /v1/clustertemplates, its /detail, a page with a next link, and the legacy /v1/baymodels.
class TemplateListBytesTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    BuildApp();
  }

  // The fixture template first, then variants: other names and labels (other keys, none,
  // NULL, escapes, a nested value), NULLs and flags.
  void InsertTemplates(int n) {
    const db::Row fixture = fixtures::TemplateRow();
    for (int i = 0; i < n; ++i) {
      db::Row r;
      fixture.ForEach([&](std::string_view k, const db::Value& v) {
        if (k != "id") r.Set(k, v);
      });
      if (i > 0) {
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "0562d357-8641-4759-8fed-8173f02c%04d", i);
        r.Set("uuid", std::string(uuid));
        r.Set("name", "t\xc3\xbc-" + std::to_string(i) + (i % 2 ? "\t\"" : ""));
        static const char* const kLabels[] = {
            R"({"kube_tag":"v1.29","shared":"x"})", R"({})", R"({"a":"\u0002","b":"\u00e9"})",
            R"({"n":{"k":[1]},"s":"t"})", R"({"kube_tag":"v1.30","shared":"template","zz":"1"})"};
        if (i % 6 == 5) {
          r.SetNull("labels");
        } else {
          r.Set("labels", std::string(kLabels[i % 5]));
        }
        if (i % 3 == 0) r.SetNull("created_at");
        if (i % 4 == 0) r.Set("docker_volume_size", int64_t{i});
        r.Set("hidden", i % 7 == 0);
        if (i % 2 == 0) r.SetNull("updated_at");
      }
      ASSERT_TRUE(db_->Insert(db::kClusterTemplateTable, r));
      uuids_.push_back(r.GetString("uuid"));
    }
  }

  http::Response Get(const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query));
    r.headers["Host"] = "h:9511";
    r.headers["OpenStack-API-Version"] = "container-infra 1.10";
    return app_->Handle(r);
  }
  std::string Body(const std::string& target) {
    http::Response resp = Get(target);
    EXPECT_EQ(resp.status, 200) << target << ": " << resp.body;
    return resp.body;
  }

  // {"<path>":[GET of each uuid in `uuids`][,"next":...]}.
  std::string Expected(const std::string& path, const std::vector<std::string>& uuids,
                       const std::string& next = "") {
    std::string out = "{\"" + path + "\":[";
    for (size_t i = 0; i < uuids.size(); ++i) {
      if (i > 0) out += ",";
      out += Body("/v1/" + path + "/" + uuids[i]);
    }
    out += "]";
    if (!next.empty()) out += ",\"next\":\"" + next + "\"";
    return out + "}";
  }

  std::vector<std::string> uuids_;
};

TEST_F(TemplateListBytesTest, ListDetailPagesAndBaymodelsAreTheItemsBytes) {
  InsertTemplates(50);
  // The fixture's own item: the golden text (as bytes).
  EXPECT_EQ(Body("/v1/clustertemplates/" + uuids_[0]), Golden().at("template"));
  const std::string list = Body("/v1/clustertemplates");
  EXPECT_EQ(list, Expected("clustertemplates", uuids_));
  EXPECT_EQ(list.find("{\"clustertemplates\":[" + Golden().at("template") + ","), 0u);
  EXPECT_EQ(Body("/v1/clustertemplates/detail"), Expected("clustertemplates", uuids_));
  EXPECT_EQ(Body("/v1/clustertemplates?limit=3"),
            Expected("clustertemplates", {uuids_[0], uuids_[1], uuids_[2]},
                     "http://h:9511/v1/clustertemplates?sort_key=id&sort_dir=asc&limit=3&marker=" +
                         uuids_[2]));
  EXPECT_EQ(Body("/v1/clustertemplates?limit=2&marker=" + uuids_[47]),
            Expected("clustertemplates", {uuids_[48], uuids_[49]},
                     "http://h:9511/v1/clustertemplates?sort_key=id&sort_dir=asc&limit=2&marker=" +
                         uuids_[49]));
  EXPECT_EQ(Body("/v1/clustertemplates?limit=2&marker=" + uuids_[48]),
            Expected("clustertemplates", {uuids_[49]}));
  // Names: "tü-<i>..." sort after "k8s-été...", and "tü-9" last of them.
  EXPECT_EQ(Body("/v1/clustertemplates?sort_key=name&sort_dir=desc&limit=1"),
            Expected("clustertemplates", {uuids_[9]},
                     "http://h:9511/v1/clustertemplates?sort_key=name&sort_dir=desc&limit=1&"
                     "marker=" + uuids_[9]));
  EXPECT_EQ(Body("/v1/baymodels"), Expected("baymodels", uuids_));
  EXPECT_EQ(Body("/v1/baymodels?limit=1"),
            Expected("baymodels", {uuids_[0]},
                     "http://h:9511/v1/baymodels?sort_key=id&sort_dir=asc&limit=1&marker=" +
                         uuids_[0]));
}

TEST_F(TemplateListBytesTest, AnEmptyList) {
  EXPECT_EQ(Body("/v1/clustertemplates"), R"({"clustertemplates":[]})");
  EXPECT_EQ(Body("/v1/baymodels/detail"), R"({"baymodels":[]})");
}

}  // namespace
}  // namespace magnum::api
