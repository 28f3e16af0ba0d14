#!/usr/bin/python3
"""Gives a cluster of a Python Magnum 15 database its certificates the way the Python
conductor does at cluster create: Debian's python3-magnum generate_certificates_to_cluster
with `[certificates] cert_manager_type = x509keypair` (CAs and the client certificate in the
x509keypair table, each key an encrypted PKCS#8 PEM under a random passphrase stored next
to it). Prints the new refs, their certificates and the cluster's updated_at as JSON. Used by test_db_takeover.py before the takeover.

    /usr/bin/python3 upstream_magnum_certs.py CONFIG_FILE CLUSTER_UUID PROJECT_ID USER_ID

Runs under Debian's /usr/bin/python3 (python3-magnum, python3-pymysql)."""
import json
import sys


def main(config_file, cluster_uuid, project_id, user_id):
    from magnum.common import context as magnum_context
    from magnum.conductor.handlers.common import cert_manager
    import magnum.conf
    from magnum import objects

    conf = magnum.conf.CONF
    conf([], project="magnum", default_config_files=[config_file])
    conf.set_override("cert_manager_type", "x509keypair", group="certificates")
    ctx = magnum_context.RequestContext(project_id=project_id, user_id=user_id,
                                        is_admin=True, all_tenants=True)
    cluster = objects.Cluster.get_by_uuid(ctx, cluster_uuid)
    cert_manager.generate_certificates_to_cluster(cluster, context=ctx)
    cluster.save()
    cluster = objects.Cluster.get_by_uuid(ctx, cluster_uuid)
    refs = {k: getattr(cluster, k) for k in ("ca_cert_ref", "etcd_ca_cert_ref",
                                             "front_proxy_ca_cert_ref", "magnum_cert_ref")}
    certificates = {ref: objects.X509KeyPair.get_by_uuid(ctx, ref).certificate
                    for ref in refs.values()}
    json.dump({"refs": refs, "certificates": certificates,
               "updated_at": cluster.updated_at.strftime("%Y-%m-%dT%H:%M:%S")},
              sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
