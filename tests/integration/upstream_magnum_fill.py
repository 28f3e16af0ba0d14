#!/usr/bin/python3
"""Fills a database that Debian's Python `magnum-db-manage upgrade` (Magnum 15) created, with
Debian's own python3-magnum objects (magnum.objects over magnum.db.sqlalchemy), then prints
as JSON what the objects read back: the reference test_db_takeover.py compares our API with.

    /usr/bin/python3 upstream_magnum_fill.py CONFIG_FILE
    /usr/bin/python3 upstream_magnum_fill.py --read-back CONFIG_FILE CLUSTER_UUID

CONFIG_FILE holds `[database] connection = mysql+pymysql://...`. Runs under Debian's
/usr/bin/python3 (python3-magnum, python3-pymysql), not a virtualenv's Python.

What it writes: cluster templates (public with labels, private, hidden), clusters in
several statuses with their default-master/default-worker nodegroups and an extra worker
nodegroup, x509keypairs, quotas, a federation and magnum_service rows. (Upstream has no
soft-deleted rows: its tables have no `deleted` column.)"""
import datetime
import json
import sys
import uuid


def main(config_file):
    from magnum.common import context as magnum_context
    import magnum.conf
    from magnum import objects

    conf = magnum.conf.CONF
    conf([], project="magnum", default_config_files=[config_file])
    # Admin contexts over every project: reads by uuid then need no Keystone (the tenant
    # filter of upstream's DB API asks Keystone otherwise); rows carry the projects given.
    ctx_alice = magnum_context.RequestContext(project_id="proj-alice", user_id="user-alice",
                                              is_admin=True, all_tenants=True)
    ctx_bob = magnum_context.RequestContext(project_id="proj-bob", user_id="user-bob",
                                            is_admin=True, all_tenants=True)
    out = {"cluster_templates": [], "clusters": [], "nodegroups": [], "x509keypairs": [],
           "quotas": [], "federations": [], "services": []}

    def when(obj):
        return {k: (getattr(obj, k).strftime("%Y-%m-%dT%H:%M:%S")
                    if getattr(obj, k, None) is not None else None)
                for k in ("created_at", "updated_at")}

    def template(ctx, name, public, labels, hidden=False):
        t = objects.ClusterTemplate(
            ctx, uuid=str(uuid.uuid4()), name=name, project_id=ctx.project_id,
            user_id=ctx.user_id, image_id="fedora-coreos-35", coe="kubernetes",
            cluster_distro="fedora-coreos", server_type="vm", flavor_id="m1.small",
            master_flavor_id="m1.medium", keypair_id="kp1", external_network_id="public",
            dns_nameserver="8.8.8.8", docker_volume_size=5, network_driver="flannel",
            volume_driver="cinder", docker_storage_driver="overlay2", http_proxy=None,
            registry_enabled=False, labels=labels, tls_disabled=False, public=public,
            master_lb_enabled=True, floating_ip_enabled=False, hidden=hidden,
            tags="tag1,tag2", insecure_registry=None, apiserver_port=None)
        t.create()
        t = objects.ClusterTemplate.get_by_uuid(ctx, t.uuid)
        out["cluster_templates"].append(dict(
            uuid=t.uuid, name=t.name, project_id=t.project_id, user_id=t.user_id,
            public=t.public, hidden=t.hidden, labels=t.labels, coe=t.coe,
            image_id=t.image_id, docker_volume_size=t.docker_volume_size, tags=t.tags,
            master_lb_enabled=t.master_lb_enabled, floating_ip_enabled=t.floating_ip_enabled,
            tls_disabled=t.tls_disabled, network_driver=t.network_driver, **when(t)))
        return t

    def nodegroup(ctx, cluster, name, role, count, is_default, labels=None):
        ng = objects.NodeGroup(
            ctx, uuid=str(uuid.uuid4()), name=name, cluster_id=cluster.uuid,
            project_id=ctx.project_id, docker_volume_size=5, labels=labels or {},
            flavor_id="m1.small", image_id="fedora-coreos-35",
            node_addresses=["10.0.0.%d" % i for i in range(count)], node_count=count,
            role=role, max_node_count=None if is_default else 10, min_node_count=0 if
            is_default else 1, is_default=is_default, stack_id=None,
            status=cluster.status, status_reason=None, version=None)
        ng.create()
        ng = objects.NodeGroup.get_by_uuid(ctx, cluster.uuid, ng.uuid)
        out["nodegroups"].append(dict(
            uuid=ng.uuid, name=ng.name, cluster_id=ng.cluster_id, project_id=ng.project_id,
            role=ng.role, node_count=ng.node_count, is_default=ng.is_default,
            labels=ng.labels, node_addresses=ng.node_addresses, status=ng.status,
            min_node_count=ng.min_node_count, max_node_count=ng.max_node_count, **when(ng)))

    def keypair(ctx, name):
        """An x509keypair as upstream's x509keypair cert manager keeps a cluster's CA."""
        kp = objects.X509KeyPair(
            ctx, uuid=str(uuid.uuid4()), project_id=ctx.project_id, user_id=ctx.user_id,
            certificate="-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % name,
            private_key="-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n",
            private_key_passphrase="secret-" + name, intermediates=None)
        kp.create()
        kp = objects.X509KeyPair.get_by_uuid(ctx, kp.uuid)
        out["x509keypairs"].append(dict(uuid=kp.uuid, project_id=kp.project_id,
                                        user_id=kp.user_id, certificate=kp.certificate,
                                        private_key=kp.private_key, **when(kp)))
        return kp.uuid

    def cluster(ctx, t, name, status, masters, workers, extra=False):
        c = objects.Cluster(
            ctx, uuid=str(uuid.uuid4()), name=name, project_id=ctx.project_id,
            user_id=ctx.user_id, cluster_template_id=t.uuid, keypair="kp1",
            docker_volume_size=5, labels=dict(t.labels or {}, extra="1"),
            master_flavor_id="m1.medium", flavor_id="m1.small", stack_id=str(uuid.uuid4()),
            api_address="https://192.0.2.10:6443", status=status,
            status_reason="Stack CREATE completed successfully", health_status="HEALTHY",
            health_status_reason={"api": "ok"}, create_timeout=60,
            discovery_url="https://discovery.etcd.io/abc", ca_cert_ref=keypair(ctx, name + "-ca"),
            magnum_cert_ref=keypair(ctx, name + "-client"), coe_version="v1.24.3",
            container_version="1.12.6", fixed_network=None, fixed_subnet=None,
            floating_ip_enabled=False, master_lb_enabled=True)
        c.create()
        nodegroup(ctx, c, "default-master", "master", masters, True)
        nodegroup(ctx, c, "default-worker", "worker", workers, True, {"ng": "w"})
        if extra:
            nodegroup(ctx, c, "extra-workers", "gpu", 2, False, {"gpu": "yes"})
        c = objects.Cluster.get_by_uuid(ctx, c.uuid)
        out["clusters"].append(dict(
            uuid=c.uuid, name=c.name, project_id=c.project_id, user_id=c.user_id,
            cluster_template_id=c.cluster_template_id, status=c.status,
            status_reason=c.status_reason, labels=c.labels, master_count=c.master_count,
            node_count=c.node_count, api_address=c.api_address, stack_id=c.stack_id,
            keypair=c.keypair, health_status=c.health_status,
            health_status_reason=c.health_status_reason, create_timeout=c.create_timeout,
            coe_version=c.coe_version, discovery_url=c.discovery_url,
            ca_cert_ref=c.ca_cert_ref, **when(c)))
        return c

    pub = template(ctx_alice, "k8s-public", True, {"kube_tag": "v1.24.3", "boot": "ok"})
    priv = template(ctx_alice, "k8s-private", False, {})
    template(ctx_bob, "bob-hidden", False, {"a": "b"}, hidden=True)
    c1 = cluster(ctx_alice, pub, "prod", "CREATE_COMPLETE", 1, 3, extra=True)
    cluster(ctx_alice, priv, "failed-one", "CREATE_FAILED", 1, 1)
    c3 = cluster(ctx_bob, pub, "bobs", "UPDATE_COMPLETE", 3, 2)
    # An update after the create, so that updated_at is set.
    c3 = objects.Cluster.get_by_uuid(ctx_bob, c3.uuid)
    c3.status_reason = "updated by the fill script"
    c3.save()
    for entry in out["clusters"]:
        if entry["uuid"] == c3.uuid:
            c3 = objects.Cluster.get_by_uuid(ctx_bob, c3.uuid)
            entry.update(status_reason=c3.status_reason, **when(c3))

    for project, limit in (("proj-alice", 7), ("proj-bob", 2)):
        q = objects.Quota(ctx_alice, project_id=project, resource="Cluster", hard_limit=limit)
        q.create()
        q = objects.Quota.get_quota_by_project_id_resource(ctx_alice, project, "Cluster")
        out["quotas"].append(dict(id=q.id, project_id=q.project_id, resource=q.resource,
                                  hard_limit=q.hard_limit, **when(q)))

    f = objects.Federation(ctx_alice, uuid=str(uuid.uuid4()), name="fed-one",
                           project_id="proj-alice", hostcluster_id=c1.uuid,
                           member_ids=[c1.uuid], status="CREATE_COMPLETE",
                           status_reason=None, properties={"dns-zone": "example.com."})
    f.create()
    f = objects.Federation.get_by_uuid(ctx_alice, f.uuid)
    out["federations"].append(dict(uuid=f.uuid, name=f.name, project_id=f.project_id,
                                   hostcluster_id=f.hostcluster_id, member_ids=f.member_ids,
                                   status=f.status, properties=f.properties, **when(f)))

    for binary in ("magnum-conductor", "magnum-api"):
        s = objects.MagnumService(ctx_alice, host="python-host", binary=binary,
                                  report_count=5, disabled=False, forced_down=False,
                                  disabled_reason=None)
        s.create()
        s = objects.MagnumService.get_by_host_and_binary(ctx_alice, "python-host", binary)
        s.last_seen_up = datetime.datetime(2024, 1, 2, 3, 4, 5)
        s.save()
        out["services"].append(dict(host=s.host, binary=s.binary, report_count=s.report_count,
                                    disabled=s.disabled))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


def read_back(config_file, cluster_uuid):
    """The rollback check: the Python objects on a database we took over list every
    cluster and template, and save a change to `cluster_uuid`. Prints what they read."""
    from magnum.common import context as magnum_context
    import magnum.conf
    from magnum import objects

    magnum.conf.CONF([], project="magnum", default_config_files=[config_file])
    ctx = magnum_context.RequestContext(project_id="proj-alice", user_id="user-alice",
                                        is_admin=True, all_tenants=True)
    c = objects.Cluster.get_by_uuid(ctx, cluster_uuid)
    c.status_reason = "saved by the Python Magnum"
    c.save()
    out = {"clusters": sorted([c.uuid, c.name, c.status, c.node_count,
                               c.created_at.strftime("%Y-%m-%dT%H:%M:%S")]
                              for c in objects.Cluster.list(ctx)),
           "cluster_templates": sorted(t.uuid for t in objects.ClusterTemplate.list(ctx))}
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    if sys.argv[1] == "--read-back":
        read_back(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1])
