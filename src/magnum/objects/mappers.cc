#include "magnum/objects/mappers.h"

#include <string>

#include "magnum/objects/json_columns.h"

namespace magnum::objects {
namespace {

const db::Value kNull;

// Collects the column names a Columns() list visits, in order.
struct Namer {
  std::vector<std::string> names;
  template <typename... A>
  void Id(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Int(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Bool(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Text(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Json(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Status(const char* col, A&&...) { names.emplace_back(col); }
};

// Reads columns into members. The first bad value (a status outside its enum) is kept in
// `error`; the other members are still read. Rows bound to their table's layout are read
// by position (`positions`: the layout position of each column Columns() visits, in
// order); text is moved out of the row when `movable` (a row the caller gave away).
class Reader {
 public:
  Reader(const db::Row& row, std::string_view table, const std::vector<int>& positions,
         bool movable)
      : row_(row),
        table_(table),
        positions_(positions),
        by_position_(row.layout() != nullptr && row.layout() == db::RowLayout::ForTable(table)),
        movable_(movable) {}

  void Id(const char* col, int64_t& out) { out = Int64(Next(col)).value_or(0); }
  void Int(const char* col, int64_t& out) { out = Int64(Next(col)).value_or(0); }
  void Int(const char* col, std::optional<int64_t>& out) { out = Int64(Next(col)); }
  void Bool(const char* col, std::optional<bool>& out) {
    const db::Value& v = Next(col);
    if (auto* b = std::get_if<bool>(&v)) {
      out = *b;
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      out = *i != 0;
    } else {
      out.reset();
    }
  }
  void Text(const char* col, std::string& out) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      Take(*s, out);
    } else {
      out = TextOf(v).value_or("");
    }
  }
  void Text(const char* col, std::optional<std::string>& out) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      Take(*s, out.emplace());
    } else {
      out = TextOf(v);
    }
  }
  template <typename Container, typename Decode>
  void JsonColumn(const char* col, std::optional<Container>& out, Decode decode) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      out = decode(*s);
    } else {
      out.reset();
    }
  }
  void Json(const char* col, std::optional<StringMap>& out) {
    JsonColumn(col, out, json_columns::DecodeStringMap);
  }
  void Json(const char* col, std::optional<NullableStringMap>& out) {
    JsonColumn(col, out, json_columns::DecodeNullableStringMap);
  }
  void Json(const char* col, std::optional<StringList>& out) {
    JsonColumn(col, out, json_columns::DecodeStringList);
  }
  void Json(const char* col, std::optional<TaintList>& out) {
    JsonColumn(col, out, json_columns::DecodeTaints);
  }
  template <typename E, typename Parse>
  void Enum(const char* col, std::optional<E>& out, Parse parse) {
    out.reset();
    auto text = TextOf(Next(col));
    if (!text) return;
    out = parse(*text);
    if (!out && !error) {
      error = Error::Internal("A stored " + std::string(table_) + " row (id " +
                              std::to_string(Int64(row_.Get("id")).value_or(0)) +
                              ") has an unknown " + col + " '" + *text + "'.");
    }
  }
  void Status(const char* col, std::optional<ClusterStatus>& out) {
    Enum(col, out, ParseClusterStatus);
  }
  void Status(const char* col, std::optional<HealthStatus>& out) {
    Enum(col, out, ParseHealthStatus);
  }
  void Status(const char* col, std::optional<FederationStatus>& out) {
    Enum(col, out, ParseFederationStatus);
  }

  std::optional<Error> error;

 private:
  // The value of the next column Columns() visits (`col`); NULL when absent.
  const db::Value& Next(const char* col) {
    const size_t i = next_++;
    const db::Value* v = by_position_ && i < positions_.size() ? row_.FindAt(positions_[i])
                                                                : row_.Find(col);
    return v != nullptr ? *v : kNull;
  }
  void Take(const std::string& s, std::string& out) {
    if (movable_) {
      out = std::move(const_cast<std::string&>(s));  // the row is the caller's to consume
    } else {
      out = s;
    }
  }
  static std::optional<int64_t> Int64(const db::Value& v) {
    if (auto* i = std::get_if<int64_t>(&v)) return *i;
    if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
    return std::nullopt;
  }
  static std::optional<std::string> TextOf(const db::Value& v) {
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    return std::nullopt;
  }

  const db::Row& row_;
  std::string_view table_;
  const std::vector<int>& positions_;
  const bool by_position_;
  const bool movable_;
  size_t next_ = 0;
};

// Writes members into columns (nullopt as NULL).
class Writer {
 public:
  void Id(const char* col, int64_t id) {
    if (id != 0) row.Set(col, id);
  }
  void Int(const char* col, int64_t v) { row.Set(col, v); }
  void Int(const char* col, const std::optional<int64_t>& v) { Put(col, v); }
  void Bool(const char* col, const std::optional<bool>& v) { Put(col, v); }
  void Text(const char* col, const std::string& v) { row.Set(col, v); }
  void Text(const char* col, const std::optional<std::string>& v) { Put(col, v); }
  template <typename Container>
  void Json(const char* col, const std::optional<Container>& v) {
    if (v) {
      row.Set(col, json_columns::Encode(*v));
    } else {
      row.SetNull(col);
    }
  }
  template <typename E>
  void Status(const char* col, const std::optional<E>& v) {
    if (v) {
      row.Set(col, std::string(Name(*v)));
    } else {
      row.SetNull(col);
    }
  }

  db::Row row;

 private:
  template <typename V>
  void Put(const char* col, const std::optional<V>& v) {
    if (v) {
      row.Set(col, *v);
    } else {
      row.SetNull(col);
    }
  }
};

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

// The layout positions of T's columns in Columns() order (-1: not in the layout).
template <typename T>
const std::vector<int>& Positions() {
  static const std::vector<int> positions = [] {
    Namer namer;
    T obj;
    Columns(namer, obj, static_cast<const T*>(nullptr));
    const db::RowLayout* layout = db::RowLayout::ForTable(kTableOf<T>);
    std::vector<int> out;
    for (const auto& n : namer.names) out.push_back(layout ? layout->Find(n) : -1);
    return out;
  }();
  return positions;
}

template <typename T>
Result<T> Read(const db::Row& row, bool movable = false) {
  T obj;
  Reader r(row, kTableOf<T>, Positions<T>(), movable);
  Columns(r, obj, static_cast<const T*>(nullptr));
  if (r.error) return Fail(*r.error);
  return obj;
}

template <typename T>
db::Row Write(const T& obj) {
  Writer w;
  Columns(w, obj, static_cast<const T*>(nullptr));
  return std::move(w.row);
}

}  // namespace

template <typename T>
Result<T> FromRow(const db::Row& row) {
  return Read<T>(row, false);
}

template <typename T>
Result<T> FromRow(db::Row&& row) {
  return Read<T>(row, true);
}

// The objects there are mappers for.
#define MAGNUM_OBJECT_MAPPER(T)                       \
  template Result<T> FromRow<T>(const db::Row& row); \
  template Result<T> FromRow<T>(db::Row && row);
MAGNUM_OBJECT_MAPPER(ClusterTemplate)
MAGNUM_OBJECT_MAPPER(Cluster)
MAGNUM_OBJECT_MAPPER(NodeGroup)
MAGNUM_OBJECT_MAPPER(X509KeyPair)
MAGNUM_OBJECT_MAPPER(Quota)
MAGNUM_OBJECT_MAPPER(Federation)
MAGNUM_OBJECT_MAPPER(MagnumService)
MAGNUM_OBJECT_MAPPER(ClusterEvent)
MAGNUM_OBJECT_MAPPER(ClusterLock)
#undef MAGNUM_OBJECT_MAPPER

db::Row ToRow(const ClusterTemplate& t) { return Write(t); }
db::Row ToRow(const Cluster& c) { return Write(c); }
db::Row ToRow(const NodeGroup& ng) { return Write(ng); }
db::Row ToRow(const X509KeyPair& k) { return Write(k); }
db::Row ToRow(const Quota& q) { return Write(q); }
db::Row ToRow(const Federation& f) { return Write(f); }
db::Row ToRow(const MagnumService& s) { return Write(s); }
db::Row ToRow(const ClusterEvent& e) { return Write(e); }
db::Row ToRow(const ClusterLock& l) { return Write(l); }

std::optional<int64_t> IdOf(const db::Row& row) {
  const db::Value& v = row.Get("id");
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  return std::nullopt;
}

db::Row ChangedColumns(const db::Row& before, const db::Row& after) {
  db::Row out;
  after.ForEach([&](std::string_view col, const db::Value& value) {
    const db::Value* was = before.Find(col);
    if (was == nullptr || *was != value) out.Set(col, value);
  });
  return out;
}

db::Condition Unchanged(const db::Row& stored, const std::string& column) {
  if (stored.IsNull(column)) return db::Condition::Null(column);
  return db::Condition::Eq(column, stored.Get(column));
}

std::string EncodeJsonColumn(const StringMap& map) { return json_columns::Encode(map); }
std::string EncodeJsonColumn(const NullableStringMap& map) { return json_columns::Encode(map); }
std::string EncodeJsonColumn(const StringList& list) { return json_columns::Encode(list); }
std::string EncodeJsonColumn(const TaintList& taints) { return json_columns::Encode(taints); }

}  // namespace magnum::objects
