// The parsed configuration: oslo-style INI files, upstream magnum.conf option names.
//
// Load() reads each --config-file in order (later files override earlier ones). Unknown
// sections/options are reported as warnings; invalid values make Load() fail with a
// message naming the file, section, option and what is expected. Immutable once loaded;
// thread-safe to read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::config {

struct Config {
  // [DEFAULT]
  bool debug = false;
  std::string host;             // this process's host name in mservices; default gethostname()
  std::string transport_url;    // "" or "inproc://" = in-process bus; "rabbit://..." = AMQP
  std::string control_exchange = "magnum";  // oslo.messaging's exchange for RPC
  int rpc_response_timeout = 60;            // seconds a call to the conductor waits
  int executor_thread_pool_size = 8;        // RPC handler threads (upstream default 64)
  // [oslo_messaging_rabbit] (rpc/rabbit_transport.h; upstream names and defaults)
  bool amqp_durable_queues = false;
  bool amqp_auto_delete = false;
  int rabbit_retry_interval = 1;
  int rabbit_retry_backoff = 2;
  int rabbit_interval_max = 30;
  int heartbeat_timeout_threshold = 60;
  int rabbit_qos_prefetch_count = 0;  // 0 = executor_thread_pool_size (upstream: unlimited)
  int rabbit_transient_queues_ttl = 1800;
  // TLS to the broker (rpc/amqp_tls.h): ssl, ssl_ca_file, ssl_cert_file, ssl_key_file,
  // ssl_version, ssl_enforce_hostname_verification, ssl_enforce_fips_mode.
  bool rabbit_ssl = false;
  std::string rabbit_ssl_ca_file;
  std::string rabbit_ssl_cert_file;
  std::string rabbit_ssl_key_file;
  std::string rabbit_ssl_version;
  bool rabbit_ssl_enforce_hostname_verification = false;
  bool rabbit_ssl_enforce_fips_mode = false;
  // [oslo_messaging_notifications] (rpc/notifier.h; upstream names and defaults). `driver`
  // may be repeated (and comma-separated); the values accumulate, as oslo's MultiStrOpt.
  std::vector<std::string> notification_drivers;  // messagingv2, messaging, log, noop
  std::vector<std::string> notification_topics = {"notifications"};
  std::string notification_transport_url;  // "" = [DEFAULT] transport_url
  int notification_retry = -1;             // -1 = retry until sent
  std::string state_path = "./var";
  std::string auth_strategy = "noauth";   // noauth | keystone
  std::string default_project_id = "default";  // noauth: project when X-Project-Id is absent
  std::string default_user_id = "admin";       // noauth: user when X-User-Id is absent
  std::string default_roles = "admin,member,reader";  // noauth: roles when X-Roles is absent
  std::string log_file;         // "" = stderr

  // [api]
  std::string api_host = "127.0.0.1";
  int api_port = 9511;
  int api_max_limit = 1000;
  int api_workers = 0;          // HTTP I/O threads; 0 = 1
  int api_handler_threads = 0;  // request worker pool; 0 = 2 * cores
  bool api_enable_ssl = false;
  std::string api_ssl_cert_file;
  std::string api_ssl_key_file;
  std::string api_public_endpoint;  // base URL in links; "" = from the request's Host
  // HTTP server limits (docs/operations.md "Limits"); ours unless noted.
  int api_max_connections = 1000;     // open connections; above: 503 and close
  int api_header_timeout = 10;        // seconds for the request line + headers
  int api_body_timeout = 30;          // seconds for the body
  int api_max_header_size = 32768;    // bytes of request line + headers; above: 431
  int api_max_queued_requests = 1024; // requests waiting for a handler thread; above: 503
  int api_response_cache_size_mb = 32;  // ours: cache of GET answers (api/response_cache.h); 0 = off
  // ours: the web dashboard under /dashboard/ (api/dashboard.h); false = 404 as any unknown
  // path. dashboard_dir: serve that directory's files (read per request) instead of the
  // built-in ones; "" = built-in.
  bool api_enable_dashboard = true;
  std::string api_dashboard_dir;
  // ours: the event stream of GET /v1/clusters/{id}/events (api/event_stream.h)
  int api_event_stream_interval = 250;      // ms between database polls of a stream
  int api_event_stream_max_seconds = 3600;  // a stream ends after this (clients reconnect)
  int api_max_event_streams = 200;          // open streams per process; above: 503
  // [DEFAULT] (upstream oslo.service wsgi options)
  int client_socket_timeout = 60;     // keep-alive idle / write timeout; upstream default 900
  int max_header_line = 16384;        // one header line; above: 431 (target: 414)
  bool wsgi_keep_alive = true;

  // [oslo_middleware]
  int64_t max_request_body_size = 114688;
  bool enable_proxy_headers_parsing = false;

  // [cors] (oslo.middleware CORS): origins other than the API's own that browsers may call
  // it from. Empty: under noauth, requests with a foreign Origin are refused (403).
  std::vector<std::string> cors_allowed_origin;
  bool cors_allow_credentials = true;
  std::vector<std::string> cors_expose_headers = {
      "X-Auth-Token", "X-Subject-Token", "X-Service-Token", "X-OpenStack-Request-ID",
      "OpenStack-API-Version", "OpenStack-API-Minimum-Version", "OpenStack-API-Maximum-Version"};
  int cors_max_age = 3600;
  std::vector<std::string> cors_allow_methods = {"GET", "PUT", "POST", "DELETE", "PATCH"};
  std::vector<std::string> cors_allow_headers = {
      "X-Auth-Token", "X-Identity-Status", "X-Roles", "X-Service-Catalog", "X-User-Id",
      "X-Tenant-Id", "X-OpenStack-Request-ID", "X-Project-Id", "Content-Type",
      "OpenStack-API-Version"};

  // [oslo_policy] (policy/enforcer.h, docs/configuration.md "Policy")
  std::string policy_file;            // "" = policy.yaml, optional; set = must exist
  bool policy_enforce_scope = true;
  bool policy_enforce_new_defaults = true;

  // [keystone_authtoken] (auth_strategy = keystone; upstream keystonemiddleware names,
  // docs/openstack.md). auth_uri is read as a deprecated alias of www_authenticate_uri.
  std::string keystone_www_authenticate_uri;
  std::string keystone_auth_url;
  std::string keystone_auth_type = "password";
  std::string keystone_username;
  std::string keystone_password;
  std::string keystone_project_name;
  std::string keystone_user_domain_name = "Default";
  std::string keystone_project_domain_name = "Default";
  std::string keystone_user_domain_id;
  std::string keystone_project_domain_id;
  std::string keystone_cafile;
  bool keystone_insecure = false;
  std::string keystone_region_name;
  int keystone_token_cache_time = 300;      // seconds; -1 = no cache
  int keystone_token_cache_size = 10000;    // ours: cached tokens at most
  int keystone_http_connect_timeout = 5;    // seconds
  int keystone_http_request_timeout = 10;   // ours: seconds per Keystone request

  // [glance_client], [nova_client], [neutron_client] (keystone mode: where the template and
  // cluster checks reach Glance, Nova and Neutron; upstream names, docs/openstack.md).
  struct ServiceClient {
    std::string region_name;  // "" = [keystone_authtoken] region_name
    std::string endpoint_type = "publicURL";
    std::string api_version;
    std::string ca_file;
    bool insecure = false;
  };
  ServiceClient glance_client{"", "publicURL", "2", "", false};
  ServiceClient nova_client{"", "publicURL", "2", "", false};
  ServiceClient neutron_client;
  // [heat_client]: where the Heat driver reaches the orchestration service (api_version 1).
  ServiceClient heat_client{"", "publicURL", "1", "", false};
  // [cluster_heat] (the Heat driver, docs/heat-driver.md): the time between polls of a
  // stack (upstream name, seconds; here fractions too, kept in milliseconds), and ours: how
  // long an operation without a deadline of its own (a delete) retries an unreachable Heat
  // (seconds), extra Heat environment files sent with every stack (by base name, applied
  // in order after the driver's own) and the template files they name (provider
  // templates), also sent by base name.
  int64_t cluster_heat_wait_interval_ms = 500;
  int cluster_heat_unreachable_timeout = 600;
  std::vector<std::string> cluster_heat_environment_files;
  std::vector<std::string> cluster_heat_template_files;

  // [trust] (keystone mode: per-cluster trustee users and trusts, clients/keystone_trusts.h;
  // upstream names and defaults, docs/configuration.md).
  bool trust_cluster_user_trust = false;
  std::string trust_trustee_domain_id;
  std::string trust_trustee_domain_name;
  std::string trust_trustee_domain_admin_id;
  std::string trust_trustee_domain_admin_name;
  std::string trust_trustee_domain_admin_domain_id;    // "" = the trustee domain
  std::string trust_trustee_domain_admin_domain_name;  // "" = the trustee domain
  std::string trust_trustee_domain_admin_password;
  std::vector<std::string> trust_roles;  // delegated roles; empty = the trustor's roles
  std::string trust_trustee_keystone_interface = "public";
  std::string trust_trustee_keystone_region_name;  // "" = [keystone_authtoken] region_name

  // [database]
  std::string connection;  // "" = sqlite:///<state_path>/magnum.sqlite
  int busy_timeout_ms = 5000;

  // [cluster_template]
  std::vector<std::string> kubernetes_allowed_network_drivers = {"flannel", "calico"};
  std::string kubernetes_default_network_driver = "flannel";
  std::vector<std::string> swarm_allowed_network_drivers = {"all"};
  std::string swarm_default_network_driver = "docker";
  std::vector<std::string> mesos_allowed_network_drivers = {"all"};
  std::string mesos_default_network_driver = "docker";

  // [quotas]
  int max_clusters_per_project = 20;
  int max_containers_per_project = 100;  // ours: containers when the project has no quota row

  // [containers] (ours): bounds of GET .../logs and PUT .../execute
  int containers_execute_timeout = 60;        // seconds an execute may run
  int containers_max_output_bytes = 1 << 20;  // output kept by logs / execute
  int containers_request_timeout = 30;        // seconds per request to a cluster's Engine

  // [drivers]
  std::vector<std::string> disabled_drivers;
  std::vector<std::string> enabled_beta_drivers;
  std::string default_driver;   // used when the image does not name one
  bool enable_test_drivers = false;  // ours: registers the `fake` test driver
  bool test_drivers_use_trust = false;  // ours, tests: the fake drivers' UsesTrust()

  // [conductor]
  std::string conductor_topic = "magnum-conductor";
  int conductor_workers = 0;  // operations run at once; 0 = 4
  int conductor_lease_ttl = 30;  // ours: seconds a cluster lease lasts unrenewed
  bool conductor_reconcile_enabled = true;  // ours: periodic reconciliation of clusters
  int conductor_reconcile_interval = 60;    // ours: seconds between reconciliation passes
  int periodic_interval_max = 10;  // status sync safety net, seconds
  int service_down_time = 180;     // seconds without heartbeat before "down"
  int report_interval = 10;        // heartbeat, seconds

  // [autoscaler] (ours): the built-in autoscaler of docker-driver clusters
  // (docs/autoscaling.md). Durations in milliseconds, written in (fractional) seconds.
  bool autoscaler_enabled = true;
  int64_t autoscaler_interval_ms = 30'000;
  int64_t autoscaler_scale_down_cooldown_ms = 600'000;
  double autoscaler_scale_down_utilization_threshold = 0.5;  // 0..1
  int64_t autoscaler_pending_grace_ms = 10'000;

  // [x509] and [certificates]
  int rsa_key_size = 2048;
  int term_of_validity = 1825;
  bool allow_ca = false;
  std::vector<std::string> allowed_extensions = {"keyUsage", "extendedKeyUsage",
                                                 "subjectAltName", "basicConstraints",
                                                 "subjectKeyIdentifier"};
  std::vector<std::string> allowed_key_usage = {"Digital Signature", "Key Encipherment",
                                                "Non Repudiation"};
  std::string cert_manager_type = "x509keypair";
  std::string encryption_key_file;  // ours: key for CA private keys at rest; "" = generated

  // [kubernetes]
  int health_polling_interval = 60;

  // [docker]
  std::string docker_host = "unix:///var/run/docker.sock";
  std::string docker_ca_file;    // TLS to a tcp:// docker_host (all three or none)
  std::string docker_cert_file;
  std::string docker_key_file;
  int docker_default_timeout = 60;  // seconds per Docker Engine request
  std::string docker_subnet_pool = "10.213.0.0/16";  // docker driver: a /24 per cluster
  std::string docker_image_cache_dir;     // "" = /var/cache/magnum-images
  std::string docker_image_build_script;  // "" = scripts/build-node-image.sh, found
  int docker_max_parallel_nodes = 4;      // node containers started/replaced/removed at once
  std::vector<std::string> docker_flavor_limits;  // "<flavor>=<cpus>/<MiB>" (docker-driver.md)

  // The files Load() read, in order (relative paths such as policy_file are found beside
  // them).
  std::vector<std::string> config_files;

  // Warnings collected while loading (unknown options); the caller logs them.
  std::vector<std::string> warnings;

  // The effective [database] connection URL.
  std::string DatabaseUrl() const;
};

// Loads `files` in order over the defaults. An unreadable file or an invalid value fails.
Result<Config> Load(const std::vector<std::string>& files);

// Parses INI text (for tests); `origin` names it in messages.
Result<Config> LoadFromString(const std::string& text, const std::string& origin = "<string>");

// Applies INI text over an existing config.
Result<void> Apply(Config* config, const std::string& text, const std::string& origin);

}  // namespace magnum::config
