# ctest-labels: client
"""`openstack coe cluster config` for fake-driver clusters: the files it writes and the
environment it prints for kubernetes (KUBECONFIG), swarm/swarm-mode (DOCKER_*), with and
without TLS, and the certificate flow behind it (GET and POST /v1/certificates)."""
import base64
import os
import re
import subprocess
import unittest

from conformance import ConformanceCase


def openssl(*args, stdin=None):
    return subprocess.run(["openssl"] + list(args), input=stdin, capture_output=True,
                          text=True, check=True).stdout


class ClusterConfigTest(ConformanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, coe, tls_disabled in [("k8s", "kubernetes", False),
                                        ("k8s-notls", "kubernetes", True),
                                        ("swarm", "swarm-mode", False),
                                        ("swarm-notls", "swarm-mode", True),
                                        ("mesos", "mesos", False)]:
            r = cls.m.post("/v1/clustertemplates", {
                "name": name, "coe": coe, "image_id": "fake-image", "tls_disabled": tls_disabled,
                "external_network_id": "public"})
            assert r.status == 201, r
            r = cls.m.post("/v1/clusters", {"name": name, "cluster_template_id": name,
                                            "master_count": 1, "node_count": 1})
            assert r.status == 202, r
        cls.cluster = {}
        for name in ("k8s", "k8s-notls", "swarm", "swarm-notls", "mesos"):
            cls.m.wait_for(lambda: cls.m.get("/v1/clusters/" + name).json["status"] ==
                           "CREATE_COMPLETE", timeout=30, what=name)
            cls.cluster[name] = cls.m.get("/v1/clusters/" + name).json

    def config_dir(self, name):
        d = os.path.join(self.home, "cfg-" + name)
        os.makedirs(d, exist_ok=True)
        return d

    def certificate_calls(self, run):
        """(method, path) of the /certificates requests in the exchange."""
        return re.findall(r"^REQ: curl -g -i -X (\w+) \S+/v1/certificates(\S*)", run.stderr,
                          re.M)

    def test_kubernetes_with_tls(self):
        d = self.config_dir("k8s")
        c = self.cluster["k8s"]
        run = self.osc("cluster", "config", "k8s", "--dir", d)
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "export KUBECONFIG=%s/config" % d)
            self.assertEqual(sorted(os.listdir(d)), ["config"])
            # The client fetched the CA and had its own CSR signed.
            self.assertEqual(self.certificate_calls(run),
                             [("GET", "/" + c["uuid"]), ("POST", "")])
        with open(os.path.join(d, "config")) as f:
            config = f.read()
        fields = dict(re.findall(r"^\s*([\w-]+): (\S+)$", config, re.M))
        self.assertEqual(fields["server"], c["api_address"])
        self.assertEqual(fields["current-context"], "default")
        ca = base64.b64decode(fields["certificate-authority-data"]).decode()
        cert = base64.b64decode(fields["client-certificate-data"]).decode()
        key = base64.b64decode(fields["client-key-data"]).decode()
        shown = self.osc("ca", "show", "k8s").stdout
        self.assertEqual(ca.strip(), shown.strip())
        ca_path = os.path.join(d, "ca-check.pem")
        with open(ca_path, "w") as f:
            f.write(ca)
        self.assertIn("OK", openssl("verify", "-CAfile", ca_path, stdin=cert))
        # The subject of the client's CSR is kept (kubernetes RBAC reads it).
        subject = openssl("x509", "-noout", "-subject", "-nameopt", "RFC2253", stdin=cert)
        self.assertEqual(subject.strip(), "subject=O=system:masters,CN=admin")
        self.assertEqual(openssl("x509", "-noout", "-pubkey", stdin=cert),
                         openssl("pkey", "-pubout", stdin=key))

        # A second run refuses to overwrite; --force does; --output-certs adds the PEMs.
        again = self.osc("cluster", "config", "k8s", "--dir", d, ok=False)
        with self.about(again):
            self.assertIn("File %s/config exists, aborting." % d, again.output)
        run = self.osc("cluster", "config", "k8s", "--dir", d, "--force", "--output-certs")
        with self.about(run):
            self.assertEqual(sorted(os.listdir(d)),
                             ["ca-check.pem", "ca.pem", "cert.pem", "config", "key.pem"])
        with open(os.path.join(d, "ca.pem")) as f:
            self.assertEqual(f.read().strip(), shown.strip())

        # --use-keystone: the CA only, an exec plugin reading OS_TOKEN instead of a cert.
        run = self.osc("cluster", "config", "k8s", "--dir", d, "--force", "--use-keystone")
        with open(os.path.join(d, "config")) as f:
            config = f.read()
        with self.about(run):
            self.assertIn("certificate-authority-data: ", config)
            self.assertNotIn("client-certificate-data", config)
            self.assertIn("current-context: openstackuser@kubernetes", config)

    def test_kubernetes_without_tls(self):
        d = self.config_dir("k8s-notls")
        run = self.osc("cluster", "config", "k8s-notls", "--dir", d, "--output-certs")
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "export KUBECONFIG=%s/config" % d)
            self.assertEqual(os.listdir(d), ["config"])
            self.assertEqual(self.certificate_calls(run), [])
        with open(os.path.join(d, "config")) as f:
            config = f.read()
        self.assertIn("    server: %s\n" % self.cluster["k8s-notls"]["api_address"], config)
        self.assertNotIn("certificate", config)

    def test_swarm_mode(self):
        c = self.cluster["swarm"]
        d = self.config_dir("swarm")
        # Without --output-certs `openstack` prints DOCKER_CERT_PATH but writes no file there
        # (the legacy `magnum cluster-config` always writes them).
        run = self.osc("cluster", "config", "swarm", "--dir", d)
        with self.about(run):
            self.assertEqual(run.stdout.strip().splitlines(), [
                "export DOCKER_HOST=%s" % c["api_address"], "export DOCKER_CERT_PATH=%s" % d,
                "export DOCKER_TLS_VERIFY=True"])
            self.assertEqual(os.listdir(d), [])
        run = self.osc("cluster", "config", "swarm", "--dir", d, "--output-certs",
                       env={"SHELL": "/bin/csh"})
        with self.about(run):
            self.assertEqual(run.stdout.strip().splitlines(), [
                "setenv DOCKER_HOST %s" % c["api_address"], "setenv DOCKER_CERT_PATH %s" % d,
                "setenv DOCKER_TLS_VERIFY True"])
            self.assertEqual(sorted(os.listdir(d)), ["ca.pem", "cert.pem", "key.pem"])
        self.assertIn("OK", openssl("verify", "-CAfile", os.path.join(d, "ca.pem"),
                                    os.path.join(d, "cert.pem")))
        again = self.osc("cluster", "config", "swarm", "--dir", d, "--output-certs", ok=False)
        with self.about(again):
            self.assertIn("File %s/key.pem exists, aborting." % d, again.output)

        d = self.config_dir("swarm-notls")
        run = self.osc("cluster", "config", "swarm-notls", "--dir", d)
        with self.about(run):
            self.assertEqual(run.stdout.strip().splitlines(), [
                "export DOCKER_HOST=%s" % self.cluster["swarm-notls"]["api_address"],
                "export DOCKER_CERT_PATH=%s" % d, "export DOCKER_TLS_VERIFY="])
            self.assertEqual(self.certificate_calls(run), [])

    def test_other_coe_and_errors(self):
        # No configuration for other COEs: the client prints None (it has no writer for them).
        run = self.osc("cluster", "config", "mesos", "--dir", self.config_dir("mesos"))
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "None")
        run = self.osc("cluster", "config", "nope", ok=False)
        with self.about(run):
            self.assertIn("Cluster nope could not be found (HTTP 404)", run.output)


if __name__ == "__main__":
    unittest.main()
