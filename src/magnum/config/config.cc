#include "magnum/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "magnum/common/strings.h"
#include "magnum/config/ini.h"

namespace magnum::config {
namespace {

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Parses one option value into the config; returns "" on success or what was expected.
using Setter = std::function<std::string(Config&, const std::string&)>;

Setter Str(std::string Config::*m) {
  return [m](Config& c, const std::string& v) {
    c.*m = v;
    return std::string();
  };
}

Setter Choice(std::string Config::*m, std::vector<std::string> choices) {
  return [m, choices](Config& c, const std::string& v) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string all;
      for (const auto& ch : choices) all += (all.empty() ? "" : ", ") + ch;
      return "one of: " + all;
    }
    c.*m = v;
    return std::string();
  };
}

Setter Bool(bool Config::*m) {
  return [m](Config& c, const std::string& v) {
    const std::optional<bool> b = ParseBoolWord(v);
    if (!b) return std::string("a boolean (true/false)");
    c.*m = *b;
    return std::string();
  };
}

template <typename IntT>
Setter Int(IntT Config::*m, int64_t min, int64_t max) {
  return [m, min, max](Config& c, const std::string& v) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
      return "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    }
    c.*m = static_cast<IntT>(n);
    return std::string();
  };
}

// Seconds, with a fraction if wanted ("1", "0.5", "2.25"), kept in milliseconds within
// [min_ms, max_ms].
Setter Millis(int64_t Config::*m, int64_t min_ms, int64_t max_ms) {
  return [m, min_ms, max_ms](Config& c, const std::string& v) {
    auto expected = [&] {
      std::string lo =
          std::to_string(min_ms / 1000) + "." + std::to_string(min_ms % 1000 + 1000).substr(1);
      return "a number of seconds between " + lo + " and " + std::to_string(max_ms / 1000);
    };
    int64_t whole = 0;
    const char* p = v.data();
    const char* end = v.data() + v.size();
    auto [q, ec] = std::from_chars(p, end, whole);
    if (ec != std::errc() || whole < 0) return expected();
    int64_t ms = 0;
    if (q != end) {
      if (*q != '.' || q + 1 == end) return expected();
      int64_t scale = 100;
      for (++q; q != end; ++q) {
        if (*q < '0' || *q > '9') return expected();
        ms += (*q - '0') * scale;
        scale /= 10;
      }
    }
    if (whole > max_ms / 1000) return expected();
    const int64_t total = whole * 1000 + ms;
    if (total < min_ms || total > max_ms) return expected();
    c.*m = total;
    return std::string();
  };
}

// A fraction within [min, max] ("0.5", "1", ".25").
Setter Fraction(double Config::*m, double min, double max) {
  return [m, min, max](Config& c, const std::string& v) {
    auto expected = [&] {
      return "a number between " + std::to_string(min).substr(0, 3) + " and " +
             std::to_string(max).substr(0, 3);
    };
    if (v.empty()) return expected();
    for (char ch : v) {
      if ((ch < '0' || ch > '9') && ch != '.') return expected();
    }
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !(d >= min && d <= max)) return expected();
    c.*m = d;
    return std::string();
  };
}

Setter List(std::vector<std::string> Config::*m) {
  return [m](Config& c, const std::string& v) {
    std::vector<std::string> out;
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (!item.empty()) out.push_back(item);
    }
    c.*m = out;
    return std::string();
  };
}

// An IPv4 CIDR whose prefix length is within [min_prefix, max_prefix], host bits zero.
Setter Ipv4Cidr(std::string Config::*m, int min_prefix, int max_prefix) {
  return [m, min_prefix, max_prefix](Config& c, const std::string& v) {
    std::string expected = "an IPv4 CIDR such as 10.213.0.0/16 (prefix length " +
                           std::to_string(min_prefix) + " to " + std::to_string(max_prefix) +
                           ", host bits zero)";
    unsigned o[4] = {0, 0, 0, 0};
    int prefix = -1;
    char tail = 0;
    if (std::sscanf(v.c_str(), "%u.%u.%u.%u/%d%c", &o[0], &o[1], &o[2], &o[3], &prefix, &tail) !=
            5 ||
        o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255 || prefix < min_prefix ||
        prefix > max_prefix) {
      return expected;
    }
    uint32_t addr = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
    if ((addr & ~(~uint32_t{0} << (32 - prefix))) != 0) return expected;
    c.*m = v;
    return std::string();
  };
}

// [oslo_messaging_notifications] driver: repeated lines and files accumulate (oslo's
// MultiStrOpt); each name must be one rpc/notifier.h knows.
Setter NotificationDrivers() {
  return [](Config& c, const std::string& v) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (item.empty()) continue;
      if (item != "messagingv2" && item != "messaging" && item != "log" && item != "noop") {
        return std::string("notification drivers among: messagingv2, messaging, log, noop");
      }
      if (std::find(c.notification_drivers.begin(), c.notification_drivers.end(), item) ==
          c.notification_drivers.end()) {
        c.notification_drivers.push_back(item);
      }
    }
    return std::string();
  };
}

struct Option {
  const char* section;
  const char* name;
  Setter set;
};

// The options of one [<service>_client] section.
void AddServiceClientOptions(const char* section, Config::ServiceClient Config::*c,
                             std::vector<Option>* out) {
  using Field = std::string Config::ServiceClient::*;
  const std::pair<const char*, Field> fields[] = {
      {"region_name", &Config::ServiceClient::region_name},
      {"endpoint_type", &Config::ServiceClient::endpoint_type},
      {"api_version", &Config::ServiceClient::api_version},
      {"ca_file", &Config::ServiceClient::ca_file}};
  for (const auto& field : fields) {
    Field f = field.second;
    out->push_back({section, field.first, [c, f](Config& cfg, const std::string& v) {
                      (cfg.*c).*f = v;
                      return std::string();
                    }});
  }
  out->push_back({section, "insecure", [c](Config& cfg, const std::string& v) {
                    Config scratch;
                    std::string expected = Bool(&Config::keystone_insecure)(scratch, v);
                    if (expected.empty()) (cfg.*c).insecure = scratch.keystone_insecure;
                    return expected;
                  }});
}

const std::vector<Option>& Options() {
  static const std::vector<Option> options = {
      {"DEFAULT", "debug", Bool(&Config::debug)},
      {"DEFAULT", "host", Str(&Config::host)},
      {"DEFAULT", "transport_url", Str(&Config::transport_url)},
      {"DEFAULT", "control_exchange", Str(&Config::control_exchange)},
      {"DEFAULT", "rpc_response_timeout", Int(&Config::rpc_response_timeout, 1, 86400)},
      {"DEFAULT", "executor_thread_pool_size", Int(&Config::executor_thread_pool_size, 1, 1024)},
      {"oslo_messaging_rabbit", "amqp_durable_queues", Bool(&Config::amqp_durable_queues)},
      {"oslo_messaging_rabbit", "amqp_auto_delete", Bool(&Config::amqp_auto_delete)},
      {"oslo_messaging_rabbit", "rabbit_retry_interval",
       Int(&Config::rabbit_retry_interval, 0, 3600)},
      {"oslo_messaging_rabbit", "rabbit_retry_backoff",
       Int(&Config::rabbit_retry_backoff, 0, 3600)},
      {"oslo_messaging_rabbit", "rabbit_interval_max", Int(&Config::rabbit_interval_max, 1, 3600)},
      {"oslo_messaging_rabbit", "heartbeat_timeout_threshold",
       Int(&Config::heartbeat_timeout_threshold, 0, 3600)},
      {"oslo_messaging_rabbit", "rabbit_qos_prefetch_count",
       Int(&Config::rabbit_qos_prefetch_count, 0, 65535)},
      {"oslo_messaging_rabbit", "rabbit_transient_queues_ttl",
       Int(&Config::rabbit_transient_queues_ttl, 1, 86400 * 30)},
      // TLS (rpc/amqp_tls.h checks values and files); the deprecated names are oslo's too.
      {"oslo_messaging_rabbit", "ssl", Bool(&Config::rabbit_ssl)},
      {"oslo_messaging_rabbit", "rabbit_use_ssl", Bool(&Config::rabbit_ssl)},
      {"oslo_messaging_rabbit", "ssl_ca_file", Str(&Config::rabbit_ssl_ca_file)},
      {"oslo_messaging_rabbit", "kombu_ssl_ca_certs", Str(&Config::rabbit_ssl_ca_file)},
      {"oslo_messaging_rabbit", "ssl_cert_file", Str(&Config::rabbit_ssl_cert_file)},
      {"oslo_messaging_rabbit", "kombu_ssl_certfile", Str(&Config::rabbit_ssl_cert_file)},
      {"oslo_messaging_rabbit", "ssl_key_file", Str(&Config::rabbit_ssl_key_file)},
      {"oslo_messaging_rabbit", "kombu_ssl_keyfile", Str(&Config::rabbit_ssl_key_file)},
      {"oslo_messaging_rabbit", "ssl_version", Str(&Config::rabbit_ssl_version)},
      {"oslo_messaging_rabbit", "kombu_ssl_version", Str(&Config::rabbit_ssl_version)},
      {"oslo_messaging_rabbit", "ssl_enforce_hostname_verification",
       Bool(&Config::rabbit_ssl_enforce_hostname_verification)},
      {"oslo_messaging_rabbit", "ssl_enforce_fips_mode",
       Bool(&Config::rabbit_ssl_enforce_fips_mode)},
      {"oslo_messaging_notifications", "driver", NotificationDrivers()},
      {"oslo_messaging_notifications", "topics", List(&Config::notification_topics)},
      {"oslo_messaging_notifications", "transport_url", Str(&Config::notification_transport_url)},
      {"oslo_messaging_notifications", "retry", Int(&Config::notification_retry, -1, 1000000)},
      {"DEFAULT", "state_path", Str(&Config::state_path)},
      {"DEFAULT", "auth_strategy", Choice(&Config::auth_strategy, {"noauth", "keystone"})},
      {"DEFAULT", "default_project_id", Str(&Config::default_project_id)},
      {"DEFAULT", "default_user_id", Str(&Config::default_user_id)},
      {"DEFAULT", "default_roles", Str(&Config::default_roles)},
      {"DEFAULT", "log_file", Str(&Config::log_file)},
      {"api", "host", Str(&Config::api_host)},
      {"api", "port", Int(&Config::api_port, 0, 65535)},
      {"api", "max_limit", Int(&Config::api_max_limit, 1, 1000000)},
      {"api", "workers", Int(&Config::api_workers, 0, 256)},
      {"api", "handler_threads", Int(&Config::api_handler_threads, 0, 1024)},
      {"api", "response_cache_size_mb", Int(&Config::api_response_cache_size_mb, 0, 65536)},
      {"api", "enable_dashboard", Bool(&Config::api_enable_dashboard)},
      {"api", "dashboard_dir", Str(&Config::api_dashboard_dir)},
      {"api", "enabled_ssl", Bool(&Config::api_enable_ssl)},
      {"api", "ssl_cert_file", Str(&Config::api_ssl_cert_file)},
      {"api", "ssl_key_file", Str(&Config::api_ssl_key_file)},
      {"api", "public_endpoint", Str(&Config::api_public_endpoint)},
      {"api", "max_connections", Int(&Config::api_max_connections, 0, 1000000)},
      {"api", "header_timeout", Int(&Config::api_header_timeout, 0, 3600)},
      {"api", "body_timeout", Int(&Config::api_body_timeout, 0, 3600)},
      {"api", "max_header_size", Int(&Config::api_max_header_size, 1024, 1 << 20)},
      {"api", "max_queued_requests", Int(&Config::api_max_queued_requests, 1, 1000000)},
      {"api", "event_stream_interval", Int(&Config::api_event_stream_interval, 50, 10000)},
      {"api", "event_stream_max_seconds", Int(&Config::api_event_stream_max_seconds, 1, 86400)},
      {"api", "max_event_streams", Int(&Config::api_max_event_streams, 0, 100000)},
      {"DEFAULT", "client_socket_timeout", Int(&Config::client_socket_timeout, 0, 86400)},
      {"DEFAULT", "max_header_line", Int(&Config::max_header_line, 256, 1 << 20)},
      {"DEFAULT", "wsgi_keep_alive", Bool(&Config::wsgi_keep_alive)},
      {"oslo_middleware", "max_request_body_size",
       Int(&Config::max_request_body_size, 1, int64_t{1} << 34)},
      {"oslo_middleware", "enable_proxy_headers_parsing",
       Bool(&Config::enable_proxy_headers_parsing)},
      {"cors", "allowed_origin", List(&Config::cors_allowed_origin)},
      {"cors", "allow_credentials", Bool(&Config::cors_allow_credentials)},
      {"cors", "expose_headers", List(&Config::cors_expose_headers)},
      {"cors", "max_age", Int(&Config::cors_max_age, 0, 86400 * 365)},
      {"cors", "allow_methods", List(&Config::cors_allow_methods)},
      {"cors", "allow_headers", List(&Config::cors_allow_headers)},
      {"oslo_policy", "policy_file", Str(&Config::policy_file)},
      {"oslo_policy", "enforce_scope", Bool(&Config::policy_enforce_scope)},
      {"oslo_policy", "enforce_new_defaults", Bool(&Config::policy_enforce_new_defaults)},
      {"keystone_authtoken", "www_authenticate_uri", Str(&Config::keystone_www_authenticate_uri)},
      {"keystone_authtoken", "auth_uri", Str(&Config::keystone_www_authenticate_uri)},
      {"keystone_authtoken", "auth_url", Str(&Config::keystone_auth_url)},
      {"keystone_authtoken", "auth_type",
       Choice(&Config::keystone_auth_type, {"password", "v3password"})},
      {"keystone_authtoken", "username", Str(&Config::keystone_username)},
      {"keystone_authtoken", "password", Str(&Config::keystone_password)},
      {"keystone_authtoken", "project_name", Str(&Config::keystone_project_name)},
      {"keystone_authtoken", "user_domain_name", Str(&Config::keystone_user_domain_name)},
      {"keystone_authtoken", "project_domain_name", Str(&Config::keystone_project_domain_name)},
      {"keystone_authtoken", "user_domain_id", Str(&Config::keystone_user_domain_id)},
      {"keystone_authtoken", "project_domain_id", Str(&Config::keystone_project_domain_id)},
      {"keystone_authtoken", "cafile", Str(&Config::keystone_cafile)},
      {"keystone_authtoken", "insecure", Bool(&Config::keystone_insecure)},
      {"keystone_authtoken", "region_name", Str(&Config::keystone_region_name)},
      {"keystone_authtoken", "token_cache_time",
       Int(&Config::keystone_token_cache_time, -1, 86400)},
      {"keystone_authtoken", "token_cache_size",
       Int(&Config::keystone_token_cache_size, 0, 10000000)},
      {"keystone_authtoken", "http_connect_timeout",
       Int(&Config::keystone_http_connect_timeout, 1, 600)},
      {"keystone_authtoken", "http_request_timeout",
       Int(&Config::keystone_http_request_timeout, 1, 600)},
      {"trust", "cluster_user_trust", Bool(&Config::trust_cluster_user_trust)},
      {"trust", "trustee_domain_id", Str(&Config::trust_trustee_domain_id)},
      {"trust", "trustee_domain_name", Str(&Config::trust_trustee_domain_name)},
      {"trust", "trustee_domain_admin_id", Str(&Config::trust_trustee_domain_admin_id)},
      {"trust", "trustee_domain_admin_name", Str(&Config::trust_trustee_domain_admin_name)},
      {"trust", "trustee_domain_admin_domain_id",
       Str(&Config::trust_trustee_domain_admin_domain_id)},
      {"trust", "trustee_domain_admin_domain_name",
       Str(&Config::trust_trustee_domain_admin_domain_name)},
      {"trust", "trustee_domain_admin_password", Str(&Config::trust_trustee_domain_admin_password)},
      {"trust", "roles", List(&Config::trust_roles)},
      {"trust", "trustee_keystone_interface",
       Choice(&Config::trust_trustee_keystone_interface, {"public", "internal", "admin"})},
      {"trust", "trustee_keystone_region_name", Str(&Config::trust_trustee_keystone_region_name)},
      {"database", "connection", Str(&Config::connection)},
      {"database", "busy_timeout_ms", Int(&Config::busy_timeout_ms, 0, 3600000)},
      {"cluster_template", "kubernetes_allowed_network_drivers",
       List(&Config::kubernetes_allowed_network_drivers)},
      {"cluster_template", "kubernetes_default_network_driver",
       Str(&Config::kubernetes_default_network_driver)},
      {"cluster_template", "swarm_allowed_network_drivers",
       List(&Config::swarm_allowed_network_drivers)},
      {"cluster_template", "swarm_default_network_driver",
       Str(&Config::swarm_default_network_driver)},
      {"cluster_template", "mesos_allowed_network_drivers",
       List(&Config::mesos_allowed_network_drivers)},
      {"cluster_template", "mesos_default_network_driver",
       Str(&Config::mesos_default_network_driver)},
      {"quotas", "max_clusters_per_project", Int(&Config::max_clusters_per_project, 0, 1000000)},
      {"quotas", "max_containers_per_project",
       Int(&Config::max_containers_per_project, 0, 1000000)},
      {"containers", "execute_timeout", Int(&Config::containers_execute_timeout, 1, 600)},
      {"containers", "max_output_bytes", Int(&Config::containers_max_output_bytes, 1024, 64 << 20)},
      {"containers", "request_timeout", Int(&Config::containers_request_timeout, 1, 600)},
      {"drivers", "disabled_drivers", List(&Config::disabled_drivers)},
      {"drivers", "enabled_beta_drivers", List(&Config::enabled_beta_drivers)},
      {"drivers", "default_driver", Str(&Config::default_driver)},
      {"drivers", "enable_test_drivers", Bool(&Config::enable_test_drivers)},
      {"drivers", "test_drivers_use_trust", Bool(&Config::test_drivers_use_trust)},
      {"conductor", "topic", Str(&Config::conductor_topic)},
      {"conductor", "workers", Int(&Config::conductor_workers, 0, 256)},
      {"conductor", "lease_ttl", Int(&Config::conductor_lease_ttl, 3, 3600)},
      {"conductor", "reconcile_enabled", Bool(&Config::conductor_reconcile_enabled)},
      {"conductor", "reconcile_interval", Int(&Config::conductor_reconcile_interval, 1, 86400)},
      {"autoscaler", "enabled", Bool(&Config::autoscaler_enabled)},
      {"autoscaler", "interval", Millis(&Config::autoscaler_interval_ms, 100, 86400 * 1000)},
      {"autoscaler", "scale_down_cooldown",
       Millis(&Config::autoscaler_scale_down_cooldown_ms, 0, 7 * 86400 * 1000)},
      {"autoscaler", "scale_down_utilization_threshold",
       Fraction(&Config::autoscaler_scale_down_utilization_threshold, 0.0, 1.0)},
      {"autoscaler", "pending_grace",
       Millis(&Config::autoscaler_pending_grace_ms, 0, 86400 * 1000)},
      {"DEFAULT", "periodic_interval_max", Int(&Config::periodic_interval_max, 1, 86400)},
      {"DEFAULT", "service_down_time", Int(&Config::service_down_time, 1, 86400)},
      {"DEFAULT", "report_interval", Int(&Config::report_interval, 1, 86400)},
      {"x509", "rsa_key_size", Int(&Config::rsa_key_size, 1024, 16384)},
      {"x509", "term_of_validity", Int(&Config::term_of_validity, 1, 36500)},
      {"x509", "allow_ca", Bool(&Config::allow_ca)},
      {"x509", "allowed_extensions", List(&Config::allowed_extensions)},
      {"x509", "allowed_key_usage", List(&Config::allowed_key_usage)},
      {"certificates", "cert_manager_type",
       Choice(&Config::cert_manager_type, {"x509keypair", "local"})},
      {"certificates", "encryption_key_file", Str(&Config::encryption_key_file)},
      {"kubernetes", "health_polling_interval", Int(&Config::health_polling_interval, 1, 86400)},
      {"docker", "host", Str(&Config::docker_host)},
      {"docker", "ca_file", Str(&Config::docker_ca_file)},
      {"docker", "cert_file", Str(&Config::docker_cert_file)},
      {"docker", "key_file", Str(&Config::docker_key_file)},
      {"docker", "default_timeout", Int(&Config::docker_default_timeout, 1, 3600)},
      {"docker", "subnet_pool", Ipv4Cidr(&Config::docker_subnet_pool, 8, 24)},
      {"docker", "image_cache_dir", Str(&Config::docker_image_cache_dir)},
      {"docker", "image_build_script", Str(&Config::docker_image_build_script)},
      {"docker", "max_parallel_nodes", Int(&Config::docker_max_parallel_nodes, 1, 64)},
      {"docker", "flavor_limits", List(&Config::docker_flavor_limits)},
      {"cluster_heat", "wait_interval",
       Millis(&Config::cluster_heat_wait_interval_ms, 50, 3600 * 1000)},
      {"cluster_heat", "unreachable_timeout",
       Int(&Config::cluster_heat_unreachable_timeout, 1, 7 * 24 * 3600)},
      {"cluster_heat", "environment_files", List(&Config::cluster_heat_environment_files)},
      {"cluster_heat", "template_files", List(&Config::cluster_heat_template_files)},
  };
  static const std::vector<Option> all = [] {
    std::vector<Option> v = options;
    AddServiceClientOptions("glance_client", &Config::glance_client, &v);
    AddServiceClientOptions("nova_client", &Config::nova_client, &v);
    AddServiceClientOptions("neutron_client", &Config::neutron_client, &v);
    AddServiceClientOptions("heat_client", &Config::heat_client, &v);
    return v;
  }();
  return all;
}

// Applies one assignment; returns "" or why the value is refused.
std::string ApplyEntry(Config* config, const IniEntry& e, const std::string& origin) {
  // Upstream group names are case-insensitive, "DEFAULT" aside ([Default] is [DEFAULT] here).
  std::string sec = e.section;
  std::transform(sec.begin(), sec.end(), sec.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (sec == "default") sec = "DEFAULT";
  std::string val = Trim(e.value);
  for (const auto& opt : Options()) {
    if (sec == opt.section && e.key == opt.name) {
      std::string expected = opt.set(*config, val);
      if (expected.empty()) return "";
      return origin + ": line " + std::to_string(e.line) + ": invalid value '" + val +
             "' for [" + sec + "] " + e.key + ": expected " + expected;
    }
  }
  config->warnings.push_back(origin + ": unknown option [" + sec + "] " + e.key + " ignored");
  return "";
}

}  // namespace

std::string Config::DatabaseUrl() const {
  if (!connection.empty()) return connection;
  std::string path = state_path + "/magnum.sqlite";
  return "sqlite:///" + path;
}

Result<void> Apply(Config* config, const std::string& text, const std::string& origin) {
  std::string error;
  std::string syntax = ParseIni(text, [&](const IniEntry& e) {
    error = ApplyEntry(config, e, origin);
    return error.empty();
  });
  if (!syntax.empty()) return Fail(Error::InvalidArgument(origin + ": syntax error on " + syntax));
  if (!error.empty()) return Fail(Error::InvalidArgument(error));
  return {};
}

Result<Config> LoadFromString(const std::string& text, const std::string& origin) {
  Config c;
  MAGNUM_RETURN_IF_ERROR(Apply(&c, text, origin));
  return c;
}

Result<Config> Load(const std::vector<std::string>& files) {
  Config c;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) return Fail(Error::InvalidArgument("cannot read config file " + f));
    std::stringstream ss;
    ss << in.rdbuf();
    MAGNUM_RETURN_IF_ERROR(Apply(&c, ss.str(), f));
  }
  c.config_files = files;
  if (c.host.empty()) {
    char buf[256] = {0};
    if (gethostname(buf, sizeof buf - 1) == 0) c.host = buf;
    if (c.host.empty()) c.host = "localhost";
  }
  if (c.api_enable_dashboard && !c.api_dashboard_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(c.api_dashboard_dir, ec)) {
      return Fail(Error::InvalidArgument("[api] dashboard_dir " + c.api_dashboard_dir +
                                         ": not a directory"));
    }
  }
  if (c.api_enable_ssl && (c.api_ssl_cert_file.empty() || c.api_ssl_key_file.empty())) {
    return Fail(Error::InvalidArgument(
        "[api] enabled_ssl needs [api] ssl_cert_file and ssl_key_file"));
  }
  return c;
}

}  // namespace magnum::config
