#include "magnum/objects/primitives.h"

#include <nlohmann/json.hpp>

#include "magnum/common/clock.h"

namespace magnum::objects {
namespace {

using Json = nlohmann::json;

constexpr const char* kName = "magnum_object.name";
constexpr const char* kNamespace = "magnum_object.namespace";
constexpr const char* kVersion = "magnum_object.version";
constexpr const char* kData = "magnum_object.data";
constexpr const char* kChanges = "magnum_object.changes";

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Reads the fields of a primitive's data into an object. Field() is a field upstream
// declares nullable (null reads as nullopt); Req() one it does not (null is refused). The
// first error is kept; later reads are skipped.
class PrimitiveReader {
 public:
  PrimitiveReader(const Json& data, std::string object) : data_(data), object_(std::move(object)) {}

  template <typename T>
  void Field(const char* k, std::optional<T>& v) { Read(k, true, v); }
  // A UUID or name upstream allows to be null: null leaves it as it is.
  void Field(const char* k, std::string& v) { ReadInto(k, true, v); }
  template <typename T>
  void Req(const char* k, std::optional<T>& v) { Read(k, false, v); }
  void Req(const char* k, std::string& v) { ReadInto(k, false, v); }
  void Req(const char* k, int64_t& v) { ReadInto(k, false, v); }
  void Time(const char* k, std::optional<DbTimestamp>& v) {
    std::optional<std::string> iso;
    Read(k, true, iso);
    if (!iso) return;
    v = PrimitiveTimeToDb(*iso);
    if (!v) Bad(k, "an ISO 8601 UTC timestamp");
  }

  const std::optional<Error>& error() const { return error_; }
  std::vector<std::string> present() && { return std::move(present_); }

 private:
  // A field held without optional: set only when the data has a value for it.
  template <typename T>
  void ReadInto(const char* k, bool nullable, T& v) {
    std::optional<T> o;
    Read(k, nullable, o);
    if (o) v = std::move(*o);
  }

  template <typename T>
  void Read(const char* k, bool nullable, std::optional<T>& out) {
    if (error_) return;
    auto it = data_.find(k);
    if (it == data_.end()) return;
    present_.emplace_back(k);
    if (it->is_null()) {
      if (!nullable) Bad(k, "set (it cannot be null)");
      out.reset();
      return;
    }
    Convert(k, *it, out);
  }

  void Convert(const char* k, const Json& j, std::optional<std::string>& out) {
    if (!j.is_string()) return Bad(k, "a string");
    out = j.get<std::string>();
  }
  void Convert(const char* k, const Json& j, std::optional<int64_t>& out) {
    if (!j.is_number_integer()) return Bad(k, "an integer");
    out = j.get<int64_t>();
  }
  void Convert(const char* k, const Json& j, std::optional<bool>& out) {
    if (!j.is_boolean()) return Bad(k, "a boolean");
    out = j.get<bool>();
  }
  void Convert(const char* k, const Json& j, std::optional<StringMap>& out) {
    if (!j.is_object()) return Bad(k, "a dict of strings");
    StringMap m;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_string()) return Bad(k, "a dict of strings");
      m.emplace(it.key(), it.value().get<std::string>());
    }
    out = std::move(m);
  }
  void Convert(const char* k, const Json& j, std::optional<NullableStringMap>& out) {
    if (!j.is_object()) return Bad(k, "a dict of strings");
    NullableStringMap m;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.value().is_null()) {
        m.emplace(it.key(), std::nullopt);
      } else if (it.value().is_string()) {
        m.emplace(it.key(), it.value().get<std::string>());
      } else {
        return Bad(k, "a dict of strings");
      }
    }
    out = std::move(m);
  }
  void Convert(const char* k, const Json& j, std::optional<StringList>& out) {
    if (!j.is_array()) return Bad(k, "a list of strings");
    StringList l;
    for (const auto& v : j) {
      if (!v.is_string()) return Bad(k, "a list of strings");
      l.push_back(v.get<std::string>());
    }
    out = std::move(l);
  }
  template <typename E>
  void ConvertEnum(const char* k, const Json& j, std::optional<E>& out,
                   std::optional<E> (*parse)(std::string_view)) {
    if (!j.is_string()) return Bad(k, "a status name");
    out = parse(j.get<std::string>());
    if (!out) Bad(k, "a known status (got '" + j.get<std::string>() + "')");
  }
  void Convert(const char* k, const Json& j, std::optional<ClusterStatus>& out) {
    ConvertEnum(k, j, out, &ParseClusterStatus);
  }
  void Convert(const char* k, const Json& j, std::optional<HealthStatus>& out) {
    ConvertEnum(k, j, out, &ParseHealthStatus);
  }

  void Bad(const char* k, const std::string& what) {
    if (!error_) {
      error_ = Error::InvalidArgument("magnum_object " + object_ + ": field '" + k + "' is not " +
                                      what);
    }
  }

  const Json& data_;
  std::string object_;
  std::optional<Error> error_;
  std::vector<std::string> present_;
};

// Writes an object's fields into a primitive's data: nullopt is null for a nullable field
// and left out for one upstream does not allow to be null.
class PrimitiveWriter {
 public:
  template <typename T>
  void Field(const char* k, const std::optional<T>& v) {
    if (v) {
      Put(k, *v);
    } else {
      data[k] = nullptr;
    }
  }
  void Field(const char* k, const std::string& v) { data[k] = v; }
  template <typename T>
  void Req(const char* k, const std::optional<T>& v) {
    if (v) Put(k, *v);
  }
  void Req(const char* k, const std::string& v) { data[k] = v; }
  void Req(const char* k, int64_t v) { data[k] = v; }
  void Time(const char* k, const std::optional<DbTimestamp>& v) {
    if (v) {
      data[k] = DbTimeToPrimitive(*v);
    } else {
      data[k] = nullptr;
    }
  }

  Json data = Json::object();

 private:
  template <typename T>  // a string, integer, boolean, dict or list of strings
  void Put(const char* k, const T& v) {
    data[k] = v;
  }
  void Put(const char* k, const NullableStringMap& v) {
    Json m = Json::object();
    for (const auto& [key, value] : v) {
      if (value) {
        m[key] = *value;
      } else {
        m[key] = nullptr;
      }
    }
    data[k] = std::move(m);
  }
  void Put(const char* k, ClusterStatus v) { data[k] = std::string(Name(v)); }
  void Put(const char* k, HealthStatus v) { data[k] = std::string(Name(v)); }
};

// The fields of upstream's objects at the versions above, in its declaration order; one
// list per object serves reading (IO = PrimitiveReader, C non-const) and writing (PrimitiveWriter, const).
template <typename IO, typename C>
void ClusterFields(IO& io, C& c) {
  io.Req("id", c.id);
  io.Field("uuid", c.uuid);
  io.Field("name", c.name);
  io.Field("project_id", c.project_id);
  io.Field("user_id", c.user_id);
  io.Field("cluster_template_id", c.cluster_template_id);
  io.Field("keypair", c.keypair);
  io.Field("docker_volume_size", c.docker_volume_size);
  io.Field("labels", c.labels);
  io.Field("master_flavor_id", c.master_flavor_id);
  io.Field("flavor_id", c.flavor_id);
  io.Field("stack_id", c.stack_id);
  io.Field("status", c.status);
  io.Field("status_reason", c.status_reason);
  io.Field("health_status", c.health_status);
  io.Field("health_status_reason", c.health_status_reason);
  io.Field("create_timeout", c.create_timeout);
  io.Field("api_address", c.api_address);
  io.Field("discovery_url", c.discovery_url);
  io.Field("ca_cert_ref", c.ca_cert_ref);
  io.Field("magnum_cert_ref", c.magnum_cert_ref);
  io.Field("etcd_ca_cert_ref", c.etcd_ca_cert_ref);
  io.Field("front_proxy_ca_cert_ref", c.front_proxy_ca_cert_ref);
  io.Field("trust_id", c.trust_id);
  io.Field("trustee_username", c.trustee_username);
  io.Field("trustee_password", c.trustee_password);
  io.Field("trustee_user_id", c.trustee_user_id);
  io.Field("coe_version", c.coe_version);
  io.Field("container_version", c.container_version);
  io.Field("fixed_network", c.fixed_network);
  io.Field("fixed_subnet", c.fixed_subnet);
  io.Req("floating_ip_enabled", c.floating_ip_enabled);
  io.Req("master_lb_enabled", c.master_lb_enabled);
  io.Time("created_at", c.created_at);
  io.Time("updated_at", c.updated_at);
}

template <typename IO, typename N>
void NodeGroupFields(IO& io, N& n) {
  io.Req("id", n.id);
  io.Req("uuid", n.uuid);
  io.Req("name", n.name);
  io.Req("cluster_id", n.cluster_id);
  io.Req("project_id", n.project_id);
  io.Field("docker_volume_size", n.docker_volume_size);
  io.Field("labels", n.labels);
  io.Field("flavor_id", n.flavor_id);
  io.Field("image_id", n.image_id);
  io.Field("node_addresses", n.node_addresses);
  io.Req("node_count", n.node_count);
  io.Req("role", n.role);
  io.Field("max_node_count", n.max_node_count);
  io.Req("min_node_count", n.min_node_count);
  io.Req("is_default", n.is_default);
  io.Field("stack_id", n.stack_id);
  io.Field("status", n.status);
  io.Field("status_reason", n.status_reason);
  io.Field("version", n.version);
  io.Time("created_at", n.created_at);
  io.Time("updated_at", n.updated_at);
}

template <typename IO, typename T>
void ClusterTemplateFields(IO& io, T& t) {
  io.Req("id", t.id);
  io.Field("uuid", t.uuid);
  io.Field("project_id", t.project_id);
  io.Field("user_id", t.user_id);
  io.Field("name", t.name);
  io.Field("image_id", t.image_id);
  io.Field("flavor_id", t.flavor_id);
  io.Field("master_flavor_id", t.master_flavor_id);
  io.Field("keypair_id", t.keypair_id);
  io.Field("dns_nameserver", t.dns_nameserver);
  io.Field("external_network_id", t.external_network_id);
  io.Field("fixed_network", t.fixed_network);
  io.Field("fixed_subnet", t.fixed_subnet);
  io.Field("network_driver", t.network_driver);
  io.Field("volume_driver", t.volume_driver);
  io.Field("apiserver_port", t.apiserver_port);
  io.Field("docker_volume_size", t.docker_volume_size);
  io.Field("docker_storage_driver", t.docker_storage_driver);
  io.Field("cluster_distro", t.cluster_distro);
  io.Field("coe", t.coe);
  io.Field("http_proxy", t.http_proxy);
  io.Field("https_proxy", t.https_proxy);
  io.Field("no_proxy", t.no_proxy);
  io.Req("registry_enabled", t.registry_enabled);
  io.Field("labels", t.labels);
  io.Req("tls_disabled", t.tls_disabled);
  io.Req("public", t.is_public);
  io.Field("server_type", t.server_type);
  io.Field("insecure_registry", t.insecure_registry);
  io.Req("master_lb_enabled", t.master_lb_enabled);
  io.Req("floating_ip_enabled", t.floating_ip_enabled);
  io.Req("hidden", t.hidden);
  io.Field("tags", t.tags);
  io.Time("created_at", t.created_at);
  io.Time("updated_at", t.updated_at);
}

template <typename IO, typename C>
void CertificateFields(IO& io, C& c) {
  io.Field("project_id", c.project_id);
  io.Field("user_id", c.user_id);
  io.Field("cluster_uuid", c.cluster_uuid);
  io.Field("csr", c.csr);
  io.Field("pem", c.pem);
  io.Field("ca_cert_type", c.ca_cert_type);
}

// The primitive's envelope checked; `fields` reads its data into a T.
template <typename T, typename Fields>
Result<Decoded<T>> DecodeAs(std::string_view text, const std::string& name, Fields fields) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) {
    return Fail(Error::InvalidArgument("magnum_object " + name + ": " + what));
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto got_name = str(kName);
  if (!got_name) return bad(std::string("lacks ") + kName);
  if (*got_name != name) return bad("expected a " + name + ", got a '" + *got_name + "'");
  auto ns = str(kNamespace);
  if (!ns || *ns != kPrimitiveNamespace) {
    return bad(std::string(kNamespace) + " is not '" + kPrimitiveNamespace + "'");
  }
  auto version = str(kVersion);
  if (!version) return bad(std::string("lacks ") + kVersion);
  const std::string& v = *version;
  const size_t dot = v.find('.');
  const bool numeric = dot != std::string::npos && dot + 1 < v.size() &&
                       v.find_first_not_of("0123456789.") == std::string::npos &&
                       v.find('.', dot + 1) == std::string::npos;
  if (!numeric || v.compare(0, dot, "1") != 0) {
    return bad("version '" + v + "' is not compatible with 1.x");
  }
  auto data = j.find(kData);
  if (data == j.end() || !data->is_object()) return bad(std::string(kData) + " is not an object");
  Decoded<T> out;
  out.version = v;
  if (auto ch = j.find(kChanges); ch != j.end() && !ch->is_null()) {
    if (!ch->is_array()) return bad(std::string(kChanges) + " is not a list of field names");
    for (const auto& c : *ch) {
      if (!c.is_string()) return bad(std::string(kChanges) + " is not a list of field names");
      out.changes.push_back(c.get<std::string>());
    }
  }
  PrimitiveReader r(*data, name);
  fields(r, out.value);
  if (r.error()) return Fail(*r.error());
  out.present = std::move(r).present();
  return out;
}

template <typename W = PrimitiveWriter, typename T, typename Fields>
std::string EncodeAs(const T& value, const char* name, const char* version, Fields fields,
                     bool with_changes) {
  W w;
  fields(w, value);
  Json j = {{kName, name}, {kNamespace, kPrimitiveNamespace}, {kVersion, version}};
  if (with_changes) {
    Json changes = Json::array();
    for (auto it = w.data.begin(); it != w.data.end(); ++it) changes.push_back(it.key());
    j[kChanges] = std::move(changes);
  }
  j[kData] = std::move(w.data);
  return Dump(j);
}

}  // namespace

Result<Decoded<Cluster>> DecodeClusterPrimitive(std::string_view json) {
  auto out = DecodeAs<Cluster>(json, "Cluster", [](PrimitiveReader& r, Cluster& c) { ClusterFields(r, c); });
  if (!out) return out;
  // A lazily loaded template travels nested: it must be a ClusterTemplate primitive.
  Json j = Json::parse(json, nullptr, false);
  const Json& data = j[kData];
  if (auto t = data.find("cluster_template"); t != data.end() && !t->is_null()) {
    auto tmpl = DecodeClusterTemplatePrimitive(Dump(*t));
    if (!tmpl) {
      return Fail(Error::InvalidArgument("magnum_object Cluster: field 'cluster_template': " +
                                         tmpl.error().message()));
    }
  }
  return out;
}

Result<Decoded<NodeGroup>> DecodeNodeGroupPrimitive(std::string_view json) {
  return DecodeAs<NodeGroup>(json, "NodeGroup",
                             [](PrimitiveReader& r, NodeGroup& n) { NodeGroupFields(r, n); });
}

Result<Decoded<ClusterTemplate>> DecodeClusterTemplatePrimitive(std::string_view json) {
  return DecodeAs<ClusterTemplate>(
      json, "ClusterTemplate", [](PrimitiveReader& r, ClusterTemplate& t) { ClusterTemplateFields(r, t); });
}

Result<Decoded<Certificate>> DecodeCertificatePrimitive(std::string_view json) {
  return DecodeAs<Certificate>(json, "Certificate",
                               [](PrimitiveReader& r, Certificate& c) { CertificateFields(r, c); });
}

std::string EncodeClusterPrimitive(const Cluster& cluster) {
  return EncodeAs(cluster, "Cluster", kClusterPrimitiveVersion,
                  [](PrimitiveWriter& w, const Cluster& c) { ClusterFields(w, c); }, false);
}

std::string EncodeNodeGroupPrimitive(const NodeGroup& nodegroup) {
  return EncodeAs(nodegroup, "NodeGroup", kNodeGroupPrimitiveVersion,
                  [](PrimitiveWriter& w, const NodeGroup& n) { NodeGroupFields(w, n); }, false);
}

std::string EncodeCertificatePrimitive(const Certificate& certificate) {
  // Only the set fields (Req leaves nullopt out), listed as changes.
  struct SetOnly : PrimitiveWriter {
    void Field(const char* k, const std::optional<std::string>& v) { Req(k, v); }
  };
  return EncodeAs<SetOnly>(certificate, "Certificate", kCertificatePrimitiveVersion,
                  [](SetOnly& w, const Certificate& c) { CertificateFields(w, c); }, true);
}

std::optional<std::string> PrimitiveTimeToDb(std::string_view iso) {
  std::string_view s = iso;
  if (s.ends_with("Z")) {
    s.remove_suffix(1);
  } else if (s.ends_with("+00:00")) {
    s.remove_suffix(6);
  }
  TimePoint t;
  if (s.size() < 19 || !ParseDbTimestamp(s, &t)) return std::nullopt;
  return FormatDbTimestamp(t);
}

std::string DbTimeToPrimitive(std::string_view db) {
  TimePoint t;
  if (!ParseDbTimestamp(db, &t)) return std::string(db);
  std::string api = FormatApiTimestamp(t);  // "...+00:00"
  if (api.ends_with("+00:00")) api.replace(api.size() - 6, 6, "Z");
  return api;
}

}  // namespace magnum::objects
