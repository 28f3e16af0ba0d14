#include "magnum/conductor/certificates.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "magnum/certs/pem_private_key.h"
#include "magnum/common/clock.h"
#include "magnum/common/uuid.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using db::Filter;

constexpr const char* kKinds[] = {"ca", "etcd_ca", "front_proxy_ca", "magnum"};

std::string RowName(const std::string& cluster_uuid, const std::string& kind) {
  return cluster_uuid + "/" + kind;
}

// The ref of the CA selected by `ca_cert_type` in cluster `cluster_uuid`.
Result<std::string> CaRef(db::Database& db, const std::string& cluster_uuid,
                          const std::string& ca_cert_type) {
  MAGNUM_ASSIGN_OR_RETURN(auto cluster,
                          objects::GetOne<objects::Cluster>(
                              db, Filter().Where(Condition::Eq("uuid", cluster_uuid))));
  if (!cluster) return Fail(Error::NotFound("Cluster " + cluster_uuid + " could not be found."));
  const std::string t = NormaliseCaType(ca_cert_type);
  const std::optional<std::string>& ref = t == "etcd"          ? cluster->etcd_ca_cert_ref
                                          : t == "front_proxy" ? cluster->front_proxy_ca_cert_ref
                                                               : cluster->ca_cert_ref;
  if (ref.value_or("").empty()) {
    return Fail(Error::Conflict("The certificates of cluster " + cluster_uuid +
                                " are not generated yet; try again shortly."));
  }
  return *ref;
}

// The stored certificate and key `ref`.
Result<objects::X509KeyPair> StoredKeyPair(db::Database& db, const std::string& ref) {
  MAGNUM_ASSIGN_OR_RETURN(auto row, objects::GetOne<objects::X509KeyPair>(
                                        db, Filter().Where(Condition::Eq("uuid", ref))));
  if (!row) return Fail(Error::Internal("certificate " + ref + " is missing from the store"));
  return std::move(*row);
}

}  // namespace

ClusterCertificates::ClusterCertificates(db::Database* db, certs::KeyEncryptor encryptor,
                                         certs::X509Options options, const Clock* clock)
    : db_(db), encryptor_(std::move(encryptor)), options_(std::move(options)), clock_(clock) {}

Result<certs::KeyEncryptor> ClusterCertificates::LoadEncryptor(const config::Config& config) {
  std::filesystem::path path = config.encryption_key_file.empty()
                                   ? std::filesystem::path(config.state_path) / "magnum.key"
                                   : std::filesystem::path(config.encryption_key_file);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Fail(Error::Internal("cannot create directory " + path.parent_path().string() +
                                  " for the certificate encryption key: " + ec.message()));
    }
  }
  return certs::KeyEncryptor::FromKeyFile(path.string(), /*create_if_missing=*/true);
}

Result<std::string> ClusterCertificates::StoreKeyPair(db::Database& d,
                                                      const CertificateOwner& owner,
                                                      const std::string& kind,
                                                      const certs::KeyPair& pair) {
  MAGNUM_ASSIGN_OR_RETURN(std::string sealed, encryptor_.Encrypt(pair.private_key_pem));
  const std::string ref = GenerateUuid();
  objects::X509KeyPair row;
  row.uuid = ref;
  row.name = RowName(owner.cluster_uuid, kind);
  row.project_id = owner.project_id;
  row.user_id = owner.user_id;
  row.certificate = pair.certificate_pem;
  row.private_key = sealed;
  row.created_at = FormatDbTimestamp(clock_->Now());
  MAGNUM_RETURN_IF_ERROR(d.Insert(db::kX509KeyPairTable, objects::ToRow(row)));
  return ref;
}

Result<ClusterCertificates::CertSet> ClusterCertificates::MakeSet(
    const CertificateOwner& owner) const {
  const std::string cn = owner.cluster_name.empty() ? owner.cluster_uuid : owner.cluster_name;
  certs::X509Options options = options_;
  if (options.clock == nullptr) options.clock = clock_;
  CertSet set;
  MAGNUM_ASSIGN_OR_RETURN(set[0], certs::GenerateCa(cn, options));
  MAGNUM_ASSIGN_OR_RETURN(set[1], certs::GenerateCa(cn, options));
  MAGNUM_ASSIGN_OR_RETURN(set[2], certs::GenerateCa(cn, options));
  MAGNUM_ASSIGN_OR_RETURN(set[3],
                          certs::IssueClientCertificate(set[0], "admin", "system:masters", options));
  return set;
}

Result<ClusterCertRefs> ClusterCertificates::StoreSet(db::Database& d,
                                                      const CertificateOwner& owner,
                                                      const CertSet& set) {
  std::string refs[4];
  for (size_t i = 0; i < 4; ++i) {
    MAGNUM_ASSIGN_OR_RETURN(refs[i], StoreKeyPair(d, owner, kKinds[i], set[i]));
  }
  return ClusterCertRefs{refs[0], refs[1], refs[2], refs[3]};
}

Result<ClusterCertRefs> ClusterCertificates::Generate(const CertificateOwner& owner) {
  auto set = MakeSet(owner);
  auto refs = set ? StoreSet(*db_, owner, *set) : Result<ClusterCertRefs>(Fail(set.error()));
  if (!refs) {
    return Fail(Error::Internal("Failed to create certificates for Cluster: " + owner.cluster_uuid +
                                ": " + refs.error().message()));
  }
  return refs;
}

Result<ClusterCertRefs> ClusterCertificates::GenerateAndSave(const CertificateOwner& owner) {
  auto set = MakeSet(owner);  // the slow part, outside the transaction
  Result<ClusterCertRefs> refs = Fail(Error::Internal("not stored"));
  if (set) {
    auto stored = db_->Transaction([&](db::Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(refs, StoreSet(tx, owner, *set));
      return SaveRefs(tx, owner.cluster_uuid, *refs);
    });
    if (!stored) refs = Fail(stored.error());
  } else {
    refs = Fail(set.error());
  }
  if (!refs) {
    if (refs.error().Is(ErrorCode::kNotFound)) return refs;
    return Fail(Error::Internal("Failed to create certificates for Cluster: " + owner.cluster_uuid +
                                ": " + refs.error().message()));
  }
  return refs;
}

Result<void> ClusterCertificates::SaveRefs(const std::string& cluster_uuid,
                                           const ClusterCertRefs& refs) {
  return SaveRefs(*db_, cluster_uuid, refs);
}

Result<void> ClusterCertificates::SaveRefs(db::Database& d, const std::string& cluster_uuid,
                                           const ClusterCertRefs& refs) {
  objects::Cluster changes;  // only the refs and updated_at are set
  changes.ca_cert_ref = refs.ca_cert_ref;
  changes.etcd_ca_cert_ref = refs.etcd_ca_cert_ref;
  changes.front_proxy_ca_cert_ref = refs.front_proxy_ca_cert_ref;
  changes.magnum_cert_ref = refs.magnum_cert_ref;
  changes.updated_at = FormatDbTimestamp(clock_->Now());
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n, d.Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", cluster_uuid)),
                          objects::SetColumns(changes)));
  if (n == 0) return Fail(Error::NotFound("Cluster " + cluster_uuid + " could not be found."));
  return {};
}

Result<certs::KeyPair> ClusterCertificates::LoadKeyPair(const std::string& ref) {
  MAGNUM_ASSIGN_OR_RETURN(objects::X509KeyPair row, StoredKeyPair(*db_, ref));
  certs::KeyPair pair;
  pair.certificate_pem = row.certificate.value_or("");
  const std::string stored = row.private_key.value_or("");
  if (!certs::IsPemPrivateKey(stored)) {
    MAGNUM_ASSIGN_OR_RETURN(pair.private_key_pem, encryptor_.Decrypt(stored));
    return pair;
  }
  // A key the Python Magnum stored (a taken-over database): PEM under the row's passphrase.
  // Read as it is, never rewritten; a CA rotation replaces it with a key in our form.
  auto key = certs::DecryptPemPrivateKey(stored, row.private_key_passphrase.value_or(""));
  if (!key) {
    std::string what = "The private key of certificate " + ref +
                       " (stored by the Python Magnum, x509keypair.private_key with its "
                       "private_key_passphrase) cannot be used: " + key.error().message();
    spdlog::error("{}. Restore that row's private_key and private_key_passphrase from the "
                  "database backup taken before the takeover, or rotate the cluster's CA "
                  "(openstack coe ca rotate <cluster>) to replace it with a new one.",
                  what);
    return Fail(Error::Internal(std::move(what)));
  }
  pair.private_key_pem = std::move(*key);
  return pair;
}

Result<certs::KeyPair> ClusterCertificates::LoadCa(const std::string& cluster_uuid,
                                                   const std::string& ca_cert_type) {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, CaRef(*db_, cluster_uuid, ca_cert_type));
  return LoadKeyPair(ref);
}

Result<std::string> ClusterCertificates::GetCaCertificate(const std::string& cluster_uuid,
                                                          const std::string& ca_cert_type) {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, CaRef(*db_, cluster_uuid, ca_cert_type));
  // Certificate only: the key is not even decrypted.
  MAGNUM_ASSIGN_OR_RETURN(objects::X509KeyPair row, StoredKeyPair(*db_, ref));
  return row.certificate.value_or("");
}

Result<std::string> ClusterCertificates::SignCsr(const std::string& cluster_uuid,
                                                 const std::string& csr_pem,
                                                 const std::string& ca_cert_type) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair ca, LoadCa(cluster_uuid, ca_cert_type));
  certs::X509Options options = options_;
  if (options.clock == nullptr) options.clock = clock_;
  return certs::SignCsr(ca, csr_pem, options);
}

Result<drivers::IssuedCertificate> ClusterCertificates::IssueServerCertificate(
    const std::string& cluster_uuid, const std::string& common_name,
    const std::vector<std::string>& dns_sans, const std::vector<std::string>& ip_sans) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair ca, LoadCa(cluster_uuid, ""));
  certs::X509Options options = options_;
  if (options.clock == nullptr) options.clock = clock_;
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair issued, certs::IssueServerCertificate(
                                                     ca, common_name, dns_sans, ip_sans, options));
  return drivers::IssuedCertificate{issued.certificate_pem, issued.private_key_pem,
                                    ca.certificate_pem};
}

Result<drivers::IssuedCertificate> ClusterCertificates::IssueClientCertificate(
    const std::string& cluster_uuid, const std::string& common_name,
    const std::string& organization) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair ca, LoadCa(cluster_uuid, ""));
  certs::X509Options options = options_;
  if (options.clock == nullptr) options.clock = clock_;
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair issued,
                          certs::IssueClientCertificate(ca, common_name, organization, options));
  return drivers::IssuedCertificate{issued.certificate_pem, issued.private_key_pem,
                                    ca.certificate_pem};
}

Result<drivers::IssuedCertificate> ClusterCertificates::ClusterCaKeyPair(
    const std::string& cluster_uuid) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyPair ca, LoadCa(cluster_uuid, ""));
  return drivers::IssuedCertificate{ca.certificate_pem, ca.private_key_pem, ca.certificate_pem};
}

Result<int64_t> ClusterCertificates::DeleteForCluster(const std::string& cluster_uuid) {
  return DeleteForCluster(*db_, cluster_uuid);
}

Result<int64_t> ClusterCertificates::DeleteForCluster(db::Database& tx,
                                                      const std::string& cluster_uuid,
                                                      const std::vector<std::string>& refs) {
  std::vector<db::Value> names;
  for (const char* kind : kKinds) names.emplace_back(RowName(cluster_uuid, kind));
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n, tx.Delete(db::kX509KeyPairTable, Filter().Where(Condition::In("name", names))));
  std::vector<db::Value> uuids(refs.begin(), refs.end());
  if (uuids.empty()) return n;
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t by_ref,
      tx.Delete(db::kX509KeyPairTable, Filter().Where(Condition::In("uuid", uuids))));
  return n + by_ref;
}

}  // namespace magnum::conductor
