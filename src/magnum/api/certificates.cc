// /v1/certificates (§2.4, §6): a cluster's CA certificate, CSR signing and CA rotation.
// All three are synchronous conductor calls, so the conductor's refusals (bad CSR, state)
// come back to the client.
#include "magnum/api/cluster_scope.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/db/schema.h"

namespace magnum::api {
namespace {

const FieldList& CertificateFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(MakeField("cluster_uuid", FieldType::kString, kNone, 1, 255));
    f.push_back(MakeField("bay_uuid", FieldType::kString, kNone, 1, 255));  // legacy alias
    f.push_back(MakeField("csr", FieldType::kString, kNone, 1));
    f.push_back(MakeField("ca_cert_type", FieldType::kString, kNone, 0, 255));
    f.push_back(MakeField("pem", FieldType::kString));  // accepted (as upstream) and ignored
    f.push_back(MakeField("links", FieldType::kJson, kReadOnly | kNotStored));
    return f;
  }();
  return fields;
}

using objects::Cluster;

class CertificatesController final : public Controller {
 public:
  explicit CertificatesController(const Services& s) : s_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    const std::string& m = req.method();
    if (rest.empty()) {
      if (m == "POST") return Sign(req);
      // The api-ref's form: PATCH /v1/certificates with {"cluster_uuid": ...}.
      if (m == "PATCH") return RotateFromBody(req);
      return Fail(MethodNotAllowed(req));
    }
    if (rest.size() == 1) {
      if (m == "GET") return GetCa(req, rest[0]);
      if (m == "PATCH") return Rotate(req, rest[0]);
      return Fail(MethodNotAllowed(req));
    }
    return Fail(RouteNotFound(req));
  }

 private:
  ApiResult GetCa(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"ca_cert_type"}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, FindCluster(*s_.db, req.ctx, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "certificate:get", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(auto* conductor, AvailableConductor(s_.conductor));
    const std::string uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(std::string pem,
                            conductor->GetCaCertificate(ConductorCallerOf(req.ctx), uuid,
                                                        req.Query("ca_cert_type").value_or("")));
    return ApiResponse::Ok(Json{{"cluster_uuid", uuid},
                                {"pem", pem},
                                {"links", MakeLinks(req.base_url, "certificates/" + uuid)}});
  }

  ApiResult Sign(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(CertificateFields(), body, "certificate",
                                                   /*apply_defaults=*/false));
    auto given = [&](const char* k) { return doc.contains(k) && !doc[k].is_null(); };
    std::string ident;
    if (given("cluster_uuid")) {
      ident = doc["cluster_uuid"].get<std::string>();
      if (given("bay_uuid") && doc["bay_uuid"] != doc["cluster_uuid"]) {
        return Fail(Error::InvalidArgument(
            "cluster_uuid and bay_uuid name different clusters; send cluster_uuid only."));
      }
    } else if (given("bay_uuid")) {
      ident = doc["bay_uuid"].get<std::string>();
    } else {
      return Fail(InvalidField("cluster_uuid", nullptr, "Mandatory field missing."));
    }
    if (!given("csr")) return Fail(InvalidField("csr", nullptr, "Mandatory field missing."));
    // An unknown cluster is a 400 here: the body, not the URL, names it.
    auto cluster = FindCluster(*s_.db, req.ctx, ident);
    if (!cluster && cluster.error().Is(ErrorCode::kNotFound)) {
      return Fail(Error::InvalidArgument(cluster.error().message()));
    }
    if (!cluster) return Fail(cluster.error());
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "certificate:create", TargetOf(*cluster)));
    MAGNUM_ASSIGN_OR_RETURN(auto* conductor, AvailableConductor(s_.conductor));
    const std::string uuid = cluster->uuid;
    const std::string csr = doc["csr"].get<std::string>();
    const std::string ca_type = given("ca_cert_type") ? doc["ca_cert_type"].get<std::string>() : "";
    MAGNUM_ASSIGN_OR_RETURN(std::string pem, conductor->SignCertificate(ConductorCallerOf(req.ctx),
                                                                        uuid, csr, ca_type));
    while (!pem.empty() && (pem.back() == '\n' || pem.back() == '\r')) pem.pop_back();
    Json out = {{"cluster_uuid", uuid}, {"csr", csr}, {"pem", pem}};
    if (given("ca_cert_type")) out["ca_cert_type"] = ca_type;
    out["links"] = MakeLinks(req.base_url, "certificates/" + uuid);
    return ApiResponse::Ok(std::move(out), 201);
  }

  ApiResult Rotate(const ApiRequest& req, const std::string& ident) {
    // The body (clients send none; the api-ref shows one) is not needed and is ignored.
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, FindCluster(*s_.db, req.ctx, ident));
    return RotateCluster(req, cluster);
  }

  ApiResult RotateFromBody(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    static const FieldList fields = {
        MakeField("cluster_uuid", FieldType::kString, kMandatory, 1, 255)};
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(fields, body, "certificate", true));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            FindCluster(*s_.db, req.ctx, doc["cluster_uuid"].get<std::string>()));
    return RotateCluster(req, cluster);
  }

  ApiResult RotateCluster(const ApiRequest& req, const Cluster& cluster) {
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "certificate:rotate_ca", TargetOf(cluster)));
    const std::string uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(
        auto tmpl, objects::GetOne<objects::ClusterTemplate>(
                       *s_.db, db::Filter().Where(db::Condition::Eq(
                                   "uuid", cluster.cluster_template_id.value_or("")))));
    if (tmpl && tmpl->tls_disabled.value_or(false)) {
      return Fail(Error::FailedPrecondition(
          "Rotating the CA certificate on a non-TLS cluster is not supported"));
    }
    MAGNUM_ASSIGN_OR_RETURN(auto* conductor, AvailableConductor(s_.conductor));
    MAGNUM_RETURN_IF_ERROR(conductor->RotateCaCertificate(ConductorCallerOf(req.ctx), uuid));
    return ApiResponse::Ok(Json{{"uuid", uuid}}, 202);
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewCertificatesController(const Services& services) {
  return std::make_unique<CertificatesController>(services);
}

}  // namespace magnum::api
