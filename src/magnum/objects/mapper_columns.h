// The column list of each table's mapper (internal to mappers.cc): Columns(v, obj, tag)
// calls v.Id/Int/Bool/Text/Json/Status(column name, member) for every column of the object's
// table, in one order that the readers and the writer of mappers.cc all walk (O = T when
// reading into an object, const T when writing one).
#pragma once

#include "magnum/objects/autoscaler_state.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_event.h"
#include "magnum/objects/cluster_lock.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/container.h"
#include "magnum/objects/federation.h"
#include "magnum/objects/magnum_service.h"
#include "magnum/objects/nodegroup.h"
#include "magnum/objects/quota.h"
#include "magnum/objects/x509keypair.h"

namespace magnum::objects::mapper_columns {

// One list of columns per table, walked by the Reader (O = T) and the Writer (O = const T).
template <typename V, typename O>
void Columns(V& v, O& t, const ClusterTemplate*) {
  v.Id("id", t.id);
  v.Text("uuid", t.uuid);
  v.Text("project_id", t.project_id);
  v.Text("user_id", t.user_id);
  v.Text("name", t.name);
  v.Text("image_id", t.image_id);
  v.Text("flavor_id", t.flavor_id);
  v.Text("master_flavor_id", t.master_flavor_id);
  v.Text("keypair_id", t.keypair_id);
  v.Text("external_network_id", t.external_network_id);
  v.Text("fixed_network", t.fixed_network);
  v.Text("fixed_subnet", t.fixed_subnet);
  v.Text("network_driver", t.network_driver);
  v.Text("volume_driver", t.volume_driver);
  v.Text("dns_nameserver", t.dns_nameserver);
  v.Int("apiserver_port", t.apiserver_port);
  v.Int("docker_volume_size", t.docker_volume_size);
  v.Text("docker_storage_driver", t.docker_storage_driver);
  v.Text("cluster_distro", t.cluster_distro);
  v.Text("coe", t.coe);
  v.Text("http_proxy", t.http_proxy);
  v.Text("https_proxy", t.https_proxy);
  v.Text("no_proxy", t.no_proxy);
  v.Bool("registry_enabled", t.registry_enabled);
  v.Json("labels", t.labels);
  v.Bool("tls_disabled", t.tls_disabled);
  v.Bool("public", t.is_public);
  v.Text("server_type", t.server_type);
  v.Text("insecure_registry", t.insecure_registry);
  v.Bool("master_lb_enabled", t.master_lb_enabled);
  v.Bool("floating_ip_enabled", t.floating_ip_enabled);
  v.Bool("hidden", t.hidden);
  v.Text("tags", t.tags);
  v.Text("driver", t.driver);
  v.Text("created_at", t.created_at);
  v.Text("updated_at", t.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& c, const Cluster*) {
  v.Id("id", c.id);
  v.Text("uuid", c.uuid);
  v.Text("project_id", c.project_id);
  v.Text("user_id", c.user_id);
  v.Text("name", c.name);
  v.Text("cluster_template_id", c.cluster_template_id);
  v.Text("keypair", c.keypair);
  v.Int("docker_volume_size", c.docker_volume_size);
  v.Json("labels", c.labels);
  v.Text("master_flavor_id", c.master_flavor_id);
  v.Text("flavor_id", c.flavor_id);
  v.Text("stack_id", c.stack_id);
  v.Text("api_address", c.api_address);
  v.Status("status", c.status);
  v.Text("status_reason", c.status_reason);
  v.Status("health_status", c.health_status);
  v.Json("health_status_reason", c.health_status_reason);
  v.Int("create_timeout", c.create_timeout);
  v.Text("discovery_url", c.discovery_url);
  v.Text("ca_cert_ref", c.ca_cert_ref);
  v.Text("magnum_cert_ref", c.magnum_cert_ref);
  v.Text("etcd_ca_cert_ref", c.etcd_ca_cert_ref);
  v.Text("front_proxy_ca_cert_ref", c.front_proxy_ca_cert_ref);
  v.Text("trustee_username", c.trustee_username);
  v.Text("trustee_password", c.trustee_password);
  v.Text("trustee_user_id", c.trustee_user_id);
  v.Text("trust_id", c.trust_id);
  v.Text("coe_version", c.coe_version);
  v.Text("container_version", c.container_version);
  v.Text("fixed_network", c.fixed_network);
  v.Text("fixed_subnet", c.fixed_subnet);
  v.Bool("floating_ip_enabled", c.floating_ip_enabled);
  v.Bool("master_lb_enabled", c.master_lb_enabled);
  v.Text("driver", c.driver);
  v.Text("created_at", c.created_at);
  v.Text("updated_at", c.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& ng, const NodeGroup*) {
  v.Id("id", ng.id);
  v.Text("uuid", ng.uuid);
  v.Text("name", ng.name);
  v.Text("cluster_id", ng.cluster_id);
  v.Text("project_id", ng.project_id);
  v.Int("docker_volume_size", ng.docker_volume_size);
  v.Json("labels", ng.labels);
  v.Text("flavor_id", ng.flavor_id);
  v.Text("image_id", ng.image_id);
  v.Json("node_addresses", ng.node_addresses);
  v.Int("node_count", ng.node_count);
  v.Int("max_node_count", ng.max_node_count);
  v.Int("min_node_count", ng.min_node_count);
  v.Text("role", ng.role);
  v.Bool("is_default", ng.is_default);
  v.Text("stack_id", ng.stack_id);
  v.Status("status", ng.status);
  v.Text("status_reason", ng.status_reason);
  v.Text("version", ng.version);
  v.Json("node_labels", ng.node_labels);
  v.Json("node_taints", ng.node_taints);
  v.Text("created_at", ng.created_at);
  v.Text("updated_at", ng.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& k, const X509KeyPair*) {
  v.Id("id", k.id);
  v.Text("uuid", k.uuid);
  v.Text("name", k.name);
  v.Text("project_id", k.project_id);
  v.Text("user_id", k.user_id);
  v.Text("certificate", k.certificate);
  v.Text("private_key", k.private_key);
  v.Text("private_key_passphrase", k.private_key_passphrase);
  v.Text("intermediates", k.intermediates);
  v.Text("created_at", k.created_at);
  v.Text("updated_at", k.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& q, const Quota*) {
  v.Id("id", q.id);
  v.Text("project_id", q.project_id);
  v.Text("resource", q.resource);
  v.Int("hard_limit", q.hard_limit);
  v.Text("created_at", q.created_at);
  v.Text("updated_at", q.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& f, const Federation*) {
  v.Id("id", f.id);
  v.Text("uuid", f.uuid);
  v.Text("project_id", f.project_id);
  v.Text("name", f.name);
  v.Text("hostcluster_id", f.hostcluster_id);
  v.Json("member_ids", f.member_ids);
  v.Status("status", f.status);
  v.Text("status_reason", f.status_reason);
  v.Json("properties", f.properties);
  v.Text("created_at", f.created_at);
  v.Text("updated_at", f.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& c, const Container*) {
  v.Id("id", c.id);
  v.Text("uuid", c.uuid);
  v.Text("name", c.name);
  v.Text("image", c.image);
  v.Text("command", c.command);
  v.Text("bay_uuid", c.bay_uuid);
  v.Status("status", c.status);
  v.Text("status_reason", c.status_reason);
  v.Text("memory", c.memory);
  v.Json("environment", c.environment);
  v.Text("project_id", c.project_id);
  v.Text("user_id", c.user_id);
  v.Text("docker_id", c.docker_id);
  v.Text("created_at", c.created_at);
  v.Text("updated_at", c.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& s, const MagnumService*) {
  v.Id("id", s.id);
  v.Int("report_count", s.report_count);
  v.Text("host", s.host);
  v.Text("binary", s.binary);
  v.Bool("disabled", s.disabled);
  v.Text("disabled_reason", s.disabled_reason);
  v.Text("last_seen_up", s.last_seen_up);
  v.Bool("forced_down", s.forced_down);
  v.Text("created_at", s.created_at);
  v.Text("updated_at", s.updated_at);
}

template <typename V, typename O>
void Columns(V& v, O& e, const ClusterEvent*) {
  v.Id("id", e.id);
  v.Text("cluster_uuid", e.cluster_uuid);
  v.Text("project_id", e.project_id);
  v.Text("step", e.step);
  v.Text("node", e.node);
  v.Text("level", e.level);
  v.Text("message", e.message);
  v.Text("created_at", e.created_at);
}

template <typename V, typename O>
void Columns(V& v, O& l, const ClusterLock*) {
  v.Id("id", l.id);
  v.Text("cluster_uuid", l.cluster_uuid);
  v.Text("conductor_id", l.conductor_id);
  v.Text("operation", l.operation);
  v.Text("created_at", l.created_at);
  v.Text("updated_at", l.updated_at);
  v.Text("lease_expires_at", l.lease_expires_at);
  v.Text("spec", l.spec);
  v.Text("progress", l.progress);
  v.Text("deadline_at", l.deadline_at);
}

template <typename V, typename O>
void Columns(V& v, O& a, const AutoscalerState*) {
  v.Id("id", a.id);
  v.Text("cluster_uuid", a.cluster_uuid);
  v.Text("state", a.state);
  v.Text("updated_at", a.updated_at);
}

}  // namespace magnum::objects::mapper_columns
