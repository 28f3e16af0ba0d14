// A cluster's client configuration as `openstack coe cluster config --output-certs` writes it:
// ca.pem (GET /v1/certificates/{cluster}), key.pem (a new RSA key made here with WebCrypto;
// it never leaves the browser), cert.pem (a PKCS#10 request, encoded below in DER, signed by
// the cluster's CA through POST /v1/certificates) and the COE's file: a kubeconfig for
// Kubernetes, an environment script for Swarm.
import {get, post} from "./api.js";

function len(n) {
  if (n < 0x80) return [n];
  const out = [];
  for (; n > 0; n >>= 8) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag, bytes) {
  return Uint8Array.from([tag, ...len(bytes.length), ...bytes]);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const seq = (...parts) => tlv(0x30, concat(...parts));
const set = (...parts) => tlv(0x31, concat(...parts));

export function oid(dotted) {
  const n = dotted.split(".").map(Number);
  const bytes = [40 * n[0] + n[1]];
  for (const v of n.slice(2)) {
    const b = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) b.unshift(0x80 | (x & 0x7f));
    bytes.push(...b);
  }
  return tlv(0x06, bytes);
}

const utf8 = (s) => tlv(0x0c, new TextEncoder().encode(s));

// Name: a sequence of single-attribute RDNs, e.g. [["2.5.4.10","system:masters"],["2.5.4.3","admin"]].
function name(rdns) {
  return seq(...rdns.map(([o, v]) => set(seq(oid(o), utf8(v)))));
}

function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function pem(label, der) {
  const lines = b64(new Uint8Array(der)).match(/.{1,64}/g).join("\n");
  return "-----BEGIN " + label + "-----\n" + lines + "\n-----END " + label + "-----\n";
}

// A new RSA key and a CSR for `rdns` signed with it (SHA-256): {keyPem, csrPem}.
export async function keyAndCsr(rdns, bits = 2048) {
  const alg = {name: "RSASSA-PKCS1-v1_5", modulusLength: bits,
               publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"};
  const key = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", key.publicKey));
  const info = seq(tlv(0x02, [0]), name(rdns), spki, Uint8Array.from([0xa0, 0x00]));
  const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, info));
  const sha256WithRSA = seq(oid("1.2.840.113549.1.1.11"), Uint8Array.from([0x05, 0x00]));
  const csr = seq(info, sha256WithRSA, tlv(0x03, concat(Uint8Array.from([0]), sig)));
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", key.privateKey);
  return {keyPem: pem("PRIVATE KEY", pkcs8), csrPem: pem("CERTIFICATE REQUEST", csr)};
}

const b64text = (s) => btoa(unescape(encodeURIComponent(s)));

function kubeconfig(cluster, ca, key, cert) {
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    "    certificate-authority-data: " + b64text(ca),
    "    server: " + (cluster.api_address || ""),
    "  name: " + cluster.name,
    "contexts:",
    "- context:",
    "    cluster: " + cluster.name,
    "    user: admin",
    "  name: default",
    "current-context: default",
    "kind: Config",
    "preferences: {}",
    "users:",
    "- name: admin",
    "  user:",
    "    client-certificate-data: " + b64text(cert),
    "    client-key-data: " + b64text(key),
    "",
  ].join("\n");
}

// Everything the client's `cluster config --output-certs` produces, as {filename: text};
// `progress(text)` is told each step. The CA alone when `caOnly`.
export async function clusterConfig(cluster, template, progress = () => {}, caOnly = false) {
  const id = encodeURIComponent(cluster.uuid);
  progress("Fetching the cluster's CA certificate…");
  const ca = (await get("/v1/certificates/" + id)).pem;
  const files = {"ca.pem": ca.endsWith("\n") ? ca : ca + "\n"};
  if (caOnly) return files;
  const k8s = (template && template.coe) === "kubernetes";
  progress("Generating a private key and a certificate request in the browser…");
  const rdns = k8s ? [["2.5.4.10", "system:masters"], ["2.5.4.3", "admin"]]
                   : [["2.5.4.3", "admin"]];
  const {keyPem, csrPem} = await keyAndCsr(rdns);
  progress("Having the cluster's CA sign the certificate…");
  const signed = await post("/v1/certificates", {cluster_uuid: cluster.uuid, csr: csrPem});
  const cert = signed.pem.endsWith("\n") ? signed.pem : signed.pem + "\n";
  files["key.pem"] = keyPem;
  files["cert.pem"] = cert;
  if (k8s) {
    files["config"] = kubeconfig(cluster, files["ca.pem"], keyPem, cert);
    files["env.sh"] = "export KUBECONFIG=$PWD/config\n";
  } else {
    files["env.sh"] = "export DOCKER_HOST=" + (cluster.api_address || "") + "\n" +
        "export DOCKER_CERT_PATH=$PWD\nexport DOCKER_TLS_VERIFY=True\n";
  }
  return files;
}
