# ctest-labels: lifecycle
"""/v1/certificates (§2.4, §6) and /v1/credentials (§2.5) over HTTP: the cluster CAs, CSR
signing checked with the openssl CLI, CA rotation, credential rotation, policies and every
bad input."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Magnumd
from cluster_fixtures import (ADMIN, ALICE, BOB, CAROL, FAST_CERTS, READER, create_cluster,
                              create_template, wait_status)

BEGIN_CERT = "-----BEGIN CERTIFICATE-----"


class OpenSSL:
    """The openssl command line tool in a scratch directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="magnum-certs-")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def run(self, *args, check=True):
        p = subprocess.run(["openssl"] + list(args), capture_output=True, text=True,
                           cwd=self.dir)
        if check and p.returncode != 0:
            raise AssertionError("openssl %s failed: %s" % (" ".join(args), p.stderr))
        return p

    def csr(self, subject="/CN=alice-client/O=dev", extensions=()):
        """A fresh key and CSR; `extensions` are -addext values."""
        key = self.path("key-%d.pem" % len(os.listdir(self.dir)))
        args = ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-subj", subject]
        for ext in extensions:
            args += ["-addext", ext]
        return self.run(*args).stdout

    def text(self, pem):
        return self.run("x509", "-noout", "-text", "-in", self.write("show.pem", pem)).stdout

    def subject(self, pem):
        return self.run("x509", "-noout", "-subject",
                        "-in", self.write("subj.pem", pem)).stdout.strip()

    def verifies(self, ca_pem, cert_pem):
        p = self.run("verify", "-CAfile", self.write("ca.pem", ca_pem),
                     self.write("leaf.pem", cert_pem + "\n"), check=False)
        return p.returncode == 0


class CertificateTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ssl = OpenSSL()
        cls.m = Magnumd(extra_config=FAST_CERTS)
        cls.m.start()
        cls.template = create_template(cls.m, ALICE)
        cls.cluster = create_cluster(cls.m, cls.template, ALICE, name="certs")

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()
        cls.ssl.cleanup()

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        if fragment is not None:
            self.assertIn(fragment, err["detail"])

    def ca(self, cluster=None, query="", headers=ALICE):
        r = self.m.get("/v1/certificates/" + (cluster or self.cluster) + query, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json["pem"]

    def sign(self, body, headers=ALICE):
        return self.m.post("/v1/certificates", body, headers=headers)


class CaTest(CertificateTestCase):
    def test_get_ca(self):
        r = self.m.get("/v1/certificates/" + self.cluster, headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json), {"cluster_uuid", "pem", "links"})
        self.assertEqual(r.json["cluster_uuid"], self.cluster)
        self.assertTrue(r.json["pem"].startswith(BEGIN_CERT), r.json["pem"])
        self.assertNotIn("PRIVATE KEY", r.json["pem"])
        base = "http://127.0.0.1:%d" % self.m.port
        self.assertEqual(r.json["links"],
                         [{"href": base + "/v1/certificates/" + self.cluster, "rel": "self"},
                          {"href": base + "/certificates/" + self.cluster, "rel": "bookmark"}])
        text = self.ssl.text(r.json["pem"])
        self.assertIn("CA:TRUE", text)
        self.assertIn("Subject: CN = certs", text)
        # By name, and without the /v1 prefix.
        self.assertEqual(self.ca("certs"), r.json["pem"])
        self.assertEqual(self.m.get("/certificates/certs", headers=ALICE).json["pem"],
                         r.json["pem"])

    def test_ca_types(self):
        main = self.ca()
        etcd = self.ca(query="?ca_cert_type=etcd")
        proxy = self.ca(query="?ca_cert_type=front_proxy")
        self.assertEqual(len({main, etcd, proxy}), 3)
        self.assertEqual(self.ca(query="?ca_cert_type=front-proxy"), proxy)
        for other in ("kubernetes", "kubelet", "anything", ""):
            self.assertEqual(self.ca(query="?ca_cert_type=" + other), main)

    def test_get_errors(self):
        self.assertError(self.m.get("/v1/certificates/nope", headers=ALICE), 404,
                         "Cluster nope could not be found.")
        self.assertError(self.m.get("/v1/certificates/" + self.cluster + "?bogus=1",
                                    headers=ALICE), 400, "Unknown argument")
        self.assertError(self.m.get("/v1/certificates", headers=ALICE), 405)
        self.assertError(self.m.delete("/v1/certificates/" + self.cluster, headers=ALICE), 405)
        self.assertError(self.m.get("/v1/certificates/a/b", headers=ALICE), 404)

    def test_get_policy(self):
        # Only the cluster's creating user (or an admin) reads its CA.
        self.assertError(self.m.get("/v1/certificates/" + self.cluster, headers=CAROL), 403,
                         "certificate:get")
        self.assertError(self.m.get("/v1/certificates/" + self.cluster, headers=READER), 403,
                         "certificate:get")
        self.assertError(self.m.get("/v1/certificates/" + self.cluster, headers=BOB), 404)
        self.assertEqual(self.ca(headers=ADMIN), self.ca())


class SignTest(CertificateTestCase):
    def test_sign(self):
        csr = self.ssl.csr(extensions=["extendedKeyUsage=clientAuth"])
        r = self.sign({"cluster_uuid": self.cluster, "csr": csr})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(set(r.json), {"cluster_uuid", "csr", "pem", "links"})
        self.assertEqual(r.json["cluster_uuid"], self.cluster)
        self.assertEqual(r.json["csr"], csr)
        pem = r.json["pem"]
        self.assertTrue(pem.startswith(BEGIN_CERT))
        self.assertFalse(pem.endswith("\n"))
        self.assertTrue(self.ssl.verifies(self.ca(), pem))
        self.assertEqual(self.ssl.subject(pem), "subject=CN = alice-client, O = dev")
        text = self.ssl.text(pem)
        self.assertIn("Issuer: CN = certs", text)
        self.assertIn("TLS Web Client Authentication", text)
        self.assertNotIn("CA:TRUE", text)

    def test_sign_by_name_with_a_ca_type_and_the_legacy_key(self):
        csr = self.ssl.csr()
        r = self.sign({"cluster_uuid": "certs", "csr": csr, "ca_cert_type": "etcd"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["cluster_uuid"], self.cluster)
        self.assertEqual(r.json["ca_cert_type"], "etcd")
        etcd = self.ca(query="?ca_cert_type=etcd")
        self.assertTrue(self.ssl.verifies(etcd, r.json["pem"]))
        self.assertFalse(self.ssl.verifies(self.ca(), r.json["pem"]))
        r = self.sign({"bay_uuid": self.cluster, "csr": csr})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(self.ssl.verifies(self.ca(), r.json["pem"]))
        r = self.sign({"bay_uuid": self.cluster, "cluster_uuid": self.cluster, "csr": csr})
        self.assertEqual(r.status, 201, r)

    def test_bad_csrs(self):
        ca_true = self.ssl.csr(extensions=["basicConstraints=critical,CA:TRUE"])
        cert_sign = self.ssl.csr(extensions=["keyUsage=critical,keyCertSign"])
        cases = [
            ("not a csr", 400, None),
            (BEGIN_CERT + "\nAAAA\n-----END CERTIFICATE-----\n", 400, None),
            (ca_true, 400, None),
            (cert_sign, 400, None),
        ]
        for csr, status, fragment in cases:
            with self.subTest(csr=csr[:40]):
                self.assertError(self.sign({"cluster_uuid": self.cluster, "csr": csr}), status,
                                 fragment)

    def test_bad_bodies(self):
        csr = self.ssl.csr()
        cases = [
            ({"csr": csr}, 400, "cluster_uuid"),
            ({"cluster_uuid": None, "csr": csr}, 400, "cluster_uuid"),
            ({"cluster_uuid": self.cluster}, 400, "csr"),
            ({"cluster_uuid": self.cluster, "csr": ""}, 400, "csr"),
            ({"cluster_uuid": self.cluster, "csr": 5}, 400, "csr"),
            ({"cluster_uuid": 5, "csr": csr}, 400, "cluster_uuid"),
            ({"cluster_uuid": "nope", "csr": csr}, 400, "Cluster nope could not be found."),
            ({"bay_uuid": "nope", "csr": csr}, 400, "Cluster nope could not be found."),
            ({"cluster_uuid": self.cluster, "bay_uuid": "other", "csr": csr}, 400, "bay_uuid"),
            ({"cluster_uuid": self.cluster, "csr": csr, "links": []}, 400, "read only"),
            ({"cluster_uuid": self.cluster, "csr": csr, "color": "red"}, 400,
             "Unknown attribute for argument certificate: color"),
            ({"cluster_uuid": self.cluster, "csr": csr, "ca_cert_type": 3}, 400,
             "ca_cert_type"),
        ]
        for body, status, fragment in cases:
            with self.subTest(body={k: v for k, v in body.items() if k != "csr"}):
                self.assertError(self.sign(body), status, fragment)
        self.assertError(self.m.post("/v1/certificates", raw_body="{", headers=ALICE), 400,
                         "valid JSON")
        self.assertError(self.m.post("/v1/certificates", [], headers=ALICE), 400)
        self.assertError(self.m.post("/v1/certificates/" + self.cluster,
                                     {"csr": csr}, headers=ALICE), 405)

    def test_sign_policy(self):
        csr = self.ssl.csr()
        body = {"cluster_uuid": self.cluster, "csr": csr}
        for headers in (CAROL, READER):
            self.assertError(self.sign(body, headers=headers), 403, "certificate:create")
        # Another project does not see the cluster: 400 like any unknown cluster.
        self.assertError(self.sign(body, headers=BOB), 400, "could not be found")
        self.assertEqual(self.sign(body, headers=ADMIN).status, 201)


class RotateTest(CertificateTestCase):
    def test_rotate(self):
        old_ca = self.ca()
        old_etcd = self.ca(query="?ca_cert_type=etcd")
        csr = self.ssl.csr()
        old_cert = self.sign({"cluster_uuid": self.cluster, "csr": csr}).json["pem"]
        r = self.m.patch("/v1/certificates/" + self.cluster, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": self.cluster})
        self.assertEqual(wait_status(self.m, self.cluster, ALICE,
                                     ("UPDATE_COMPLETE", "UPDATE_FAILED")), "UPDATE_COMPLETE")
        new_ca = self.ca()
        self.assertNotEqual(new_ca, old_ca)
        self.assertNotEqual(self.ca(query="?ca_cert_type=etcd"), old_etcd)
        # Certificates issued before the rotation no longer verify; new ones do.
        self.assertFalse(self.ssl.verifies(new_ca, old_cert))
        new_cert = self.sign({"cluster_uuid": self.cluster, "csr": csr}).json["pem"]
        self.assertTrue(self.ssl.verifies(new_ca, new_cert))

    def test_rotate_by_name_and_the_api_ref_form(self):
        r = self.m.patch("/v1/certificates/certs", headers=CAROL)  # any project member
        self.assertEqual(r.status, 202, r)
        wait_status(self.m, self.cluster, ALICE, ("UPDATE_COMPLETE", "UPDATE_FAILED"))
        r = self.m.patch("/v1/certificates", {"cluster_uuid": self.cluster}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": self.cluster})
        wait_status(self.m, self.cluster, ALICE, ("UPDATE_COMPLETE", "UPDATE_FAILED"))
        self.assertError(self.m.patch("/v1/certificates", {}, headers=ALICE), 400,
                         "cluster_uuid")
        self.assertError(self.m.patch("/v1/certificates", {"cluster_uuid": "nope"},
                                      headers=ALICE), 404)

    def test_rotate_refusals(self):
        self.assertError(self.m.patch("/v1/certificates/nope", headers=ALICE), 404)
        self.assertError(self.m.patch("/v1/certificates/" + self.cluster, headers=READER), 403,
                         "certificate:rotate_ca")
        self.assertError(self.m.patch("/v1/certificates/" + self.cluster, headers=BOB), 404)
        self.assertError(self.m.patch("/v1/certificates/" + self.cluster + "?x=1",
                                      headers=ALICE), 400, "Unknown argument")
        # A template without TLS: nothing to rotate.
        plain = create_cluster(self.m, create_template(self.m, ALICE, tls_disabled=True), ALICE)
        self.assertError(self.m.patch("/v1/certificates/" + plain, headers=ALICE), 400,
                         "Rotating the CA certificate on a non-TLS cluster is not supported")
        # A cluster still being created: the conductor refuses (state set A of §3.2).
        slow = create_cluster(self.m, self.template, ALICE, wait=False,
                              labels={"fake_delay_ms": "3000"})
        wait_status(self.m, slow, ALICE, ("CREATE_IN_PROGRESS",))
        r = self.m.patch("/v1/certificates/" + slow, headers=ALICE)
        # The conductor's refusal comes back as is (400 state refusal, or 409 while the
        # create still holds the cluster).
        self.assertIn(r.status, (400, 409), r)
        self.assertIn("CREATE_IN_PROGRESS", r.error_detail())


class CredentialTest(CertificateTestCase):
    def test_rotation_is_not_supported_by_the_fake_driver(self):
        r = self.m.patch("/v1/credentials/" + self.cluster, headers=ALICE)
        self.assertError(r, 400, "Credential rotation is not supported by driver.")
        r = self.m.patch("/v1/credentials/certs", headers=ALICE, version="container-infra 1.12")
        self.assertError(r, 400, "Credential rotation is not supported by driver.")

    def test_microversion_gate(self):
        for version in ("container-infra 1.11", "container-infra 1.1", None):
            with self.subTest(version=version):
                r = self.m.patch("/v1/credentials/" + self.cluster, headers=ALICE,
                                 version=version)
                self.assertEqual(r.status, 406, r)

    def test_errors(self):
        self.assertError(self.m.patch("/v1/credentials/nope", headers=ALICE), 404,
                         "Cluster nope could not be found.")
        self.assertError(self.m.patch("/v1/credentials/" + self.cluster, headers=BOB), 404)
        self.assertError(self.m.patch("/v1/credentials/" + self.cluster, headers=READER), 403,
                         "credential:rotate")
        self.assertError(self.m.get("/v1/credentials/" + self.cluster, headers=ALICE), 405)
        self.assertError(self.m.patch("/v1/credentials", headers=ALICE), 405)
        self.assertError(self.m.patch("/v1/credentials/a/b", headers=ALICE), 404)
        self.assertError(self.m.patch("/v1/credentials/" + self.cluster + "?x=1",
                                      headers=ALICE), 400, "Unknown argument")


if __name__ == "__main__":
    unittest.main()
