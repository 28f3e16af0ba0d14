// Per-cluster certificate material (api-v1.md §6) kept in table x509keypair.
//
// At cluster create (and CA rotation) the conductor generates three independent CAs
// (cluster, etcd, front-proxy; CN = cluster name, else its UUID) and Magnum's own client
// certificate (CN=admin, O=system:masters, signed by the cluster CA). Each is one
// x509keypair row named "<cluster-uuid>/<kind>" (kind: ca, etcd_ca, front_proxy_ca,
// magnum) whose `uuid` is the ref stored on the cluster row (ca_cert_ref, etcd_ca_cert_ref,
// front_proxy_ca_cert_ref, magnum_cert_ref). Private keys are stored encrypted with the
// KeyEncryptor (AES-256-GCM token, never PEM plaintext); private_key_passphrase stays NULL.
// Rows a Python Magnum stored (taken-over database: encrypted PKCS#8 PEM under the row's
// private_key_passphrase, pem_private_key.h) are read as they are, never rewritten.
// Rotation adds a new generation; DeleteForCluster removes every generation.
//
// Private keys never leave this class except inside IssuedCertificate for a driver.
// Thread-safe (the database is; the rest is immutable).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "magnum/certs/key_encryption.h"
#include "magnum/certs/x509.h"
#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"

namespace magnum {
class Clock;
namespace db {
class Database;
}
namespace config {
struct Config;
}
}  // namespace magnum

namespace magnum::conductor {

struct ClusterCertRefs {
  std::string ca_cert_ref;
  std::string etcd_ca_cert_ref;
  std::string front_proxy_ca_cert_ref;
  std::string magnum_cert_ref;
};

// Who the certificates belong to.
struct CertificateOwner {
  std::string cluster_uuid;
  std::string cluster_name;  // CN of the CAs; the UUID when empty
  std::string project_id;
  std::string user_id;
};

class ClusterCertificates {
 public:
  // `db` and `clock` must outlive this object.
  ClusterCertificates(db::Database* db, certs::KeyEncryptor encryptor, certs::X509Options options,
                      const Clock* clock);

  // The KeyEncryptor of [certificates] encryption_key_file, default
  // <state_path>/magnum.key; the file (mode 0600) and its directory are created if missing.
  static Result<certs::KeyEncryptor> LoadEncryptor(const config::Config& config);

  // Generates and stores a fresh set (three CAs and the Magnum client certificate). Does
  // not touch the cluster row (see SaveRefs). kInternal "Failed to create certificates for
  // Cluster: <uuid>: <why>" on failure.
  Result<ClusterCertRefs> Generate(const CertificateOwner& owner);

  // Writes `refs` to the cluster row (the four *_ref columns and updated_at).
  Result<void> SaveRefs(const std::string& cluster_uuid, const ClusterCertRefs& refs);
  // Generate and SaveRefs in one transaction (the keys are made before it): the cluster
  // has its old set or the new one, never a half-stored set nor rows nobody refers to.
  // What a create and a CA rotation use; kNotFound when the cluster is gone.
  Result<ClusterCertRefs> GenerateAndSave(const CertificateOwner& owner);

  // The PEM of the cluster's CA selected by `ca_cert_type` (NormaliseCaType semantics).
  // kNotFound when the cluster does not exist; kConflict when its certificates are not
  // generated yet.
  Result<std::string> GetCaCertificate(const std::string& cluster_uuid,
                                       const std::string& ca_cert_type);
  // Signs a user CSR with that CA (§6.3); kInvalidArgument for a bad or disallowed CSR.
  Result<std::string> SignCsr(const std::string& cluster_uuid, const std::string& csr_pem,
                              const std::string& ca_cert_type);

  // Server / client certificates from the cluster CA, for drivers.
  Result<drivers::IssuedCertificate> IssueServerCertificate(
      const std::string& cluster_uuid, const std::string& common_name,
      const std::vector<std::string>& dns_sans, const std::vector<std::string>& ip_sans);
  Result<drivers::IssuedCertificate> IssueClientCertificate(const std::string& cluster_uuid,
                                                            const std::string& common_name,
                                                            const std::string& organization);

  // The cluster CA itself (certificate and private key; ca_certificate_pem = the
  // certificate), for a driver whose nodes sign their own control-plane certificates
  // (kubeadm on the Heat driver's masters).
  Result<drivers::IssuedCertificate> ClusterCaKeyPair(const std::string& cluster_uuid);
  // Removes every certificate generation of the cluster; returns the number of rows.
  Result<int64_t> DeleteForCluster(const std::string& cluster_uuid);
  // The same inside a caller's transaction `tx` (the cluster's removal), so that a crash
  // between the two cannot leave certificates without a cluster. `refs` (the cluster's
  // *_cert_ref values) also go: a Python Magnum's rows, taken over, carry no name.
  static Result<int64_t> DeleteForCluster(db::Database& tx, const std::string& cluster_uuid,
                                          const std::vector<std::string>& refs = {});

  // The decrypted key pair stored under `ref` (for the conductor and tests).
  Result<certs::KeyPair> LoadKeyPair(const std::string& ref);

 private:
  // The key pairs of one set, in the order of the row kinds (ca, etcd_ca, front_proxy_ca,
  // magnum).
  using CertSet = std::array<certs::KeyPair, 4>;
  Result<CertSet> MakeSet(const CertificateOwner& owner) const;
  Result<ClusterCertRefs> StoreSet(db::Database& d, const CertificateOwner& owner,
                                   const CertSet& set);
  Result<std::string> StoreKeyPair(db::Database& d, const CertificateOwner& owner,
                                   const std::string& kind, const certs::KeyPair& pair);
  Result<void> SaveRefs(db::Database& d, const std::string& cluster_uuid,
                        const ClusterCertRefs& refs);
  // The CA key pair of the cluster for `ca_cert_type`.
  Result<certs::KeyPair> LoadCa(const std::string& cluster_uuid, const std::string& ca_cert_type);

  db::Database* const db_;
  const certs::KeyEncryptor encryptor_;
  const certs::X509Options options_;
  const Clock* const clock_;
};

}  // namespace magnum::conductor
