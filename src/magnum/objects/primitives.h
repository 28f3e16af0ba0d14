// Upstream Magnum's versioned objects on the wire (oslo.versionedobjects primitives): what a
// Python magnum-api sends to a conductor and what it expects back.
//
//   {"magnum_object.name": "Cluster", "magnum_object.namespace": "magnum",
//    "magnum_object.version": "1.23", "magnum_object.data": {<field>: <value>, ...},
//    "magnum_object.changes": [<field>, ...]}             (changes optional)
//
// Decoding takes the JSON text of one primitive and checks it strictly: the name must be
// the one expected, the namespace "magnum", the version 1.x, data an object, every known
// field of the right type (null where upstream's field is nullable); fields we do not know
// (a newer minor version's) are ignored, as oslo does. A malformed primitive is
// kInvalidArgument naming the object and the field. Timestamps travel as ISO 8601 in UTC
// ("2026-12-04T10:20:21Z") and are stored in our form (common/clock.h).
//
// Encoding writes the versions Magnum 15 uses (Cluster 1.23, NodeGroup 1.1, Certificate
// 1.2) with the fields those versions have (not our extensions: a cluster's driver, a
// nodegroup's node_labels / node_taints). JSON stays inside the .cc. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::objects {

inline constexpr const char* kPrimitiveNamespace = "magnum";
inline constexpr const char* kClusterPrimitiveVersion = "1.23";
inline constexpr const char* kNodeGroupPrimitiveVersion = "1.1";
inline constexpr const char* kClusterTemplatePrimitiveVersion = "1.20";
inline constexpr const char* kCertificatePrimitiveVersion = "1.2";

// Upstream's Certificate object (no table of ours: a CSR to sign or a PEM to return).
struct Certificate {
  std::optional<std::string> project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> cluster_uuid;
  std::optional<std::string> csr;
  std::optional<std::string> pem;
  std::optional<std::string> ca_cert_type;

  bool operator==(const Certificate&) const = default;
};

// A decoded primitive: the object, its version and the fields it names as changed.
template <typename T>
struct Decoded {
  T value;
  std::string version;
  std::vector<std::string> changes;
  std::vector<std::string> present;  // the data's known fields, in the object's field order

  bool Changed(std::string_view field) const {
    for (const auto& c : changes) {
      if (c == field) return true;
    }
    return false;
  }
  bool Has(std::string_view field) const {
    for (const auto& p : present) {
      if (p == field) return true;
    }
    return false;
  }
};

Result<Decoded<Cluster>> DecodeClusterPrimitive(std::string_view json);
Result<Decoded<NodeGroup>> DecodeNodeGroupPrimitive(std::string_view json);
Result<Decoded<ClusterTemplate>> DecodeClusterTemplatePrimitive(std::string_view json);
Result<Decoded<Certificate>> DecodeCertificatePrimitive(std::string_view json);

// The primitive's JSON text. A Cluster or NodeGroup is written whole (nullopt as null),
// as a saved upstream object, without changes; a Certificate writes only its set fields
// and lists them as changes (as upstream's freshly built one).
std::string EncodeClusterPrimitive(const Cluster& cluster);
std::string EncodeNodeGroupPrimitive(const NodeGroup& nodegroup);
std::string EncodeCertificatePrimitive(const Certificate& certificate);

// Storage timestamp <-> the primitive's ISO 8601 UTC form; nullopt when unreadable.
std::optional<std::string> PrimitiveTimeToDb(std::string_view iso);
std::string DbTimeToPrimitive(std::string_view db);

}  // namespace magnum::objects
