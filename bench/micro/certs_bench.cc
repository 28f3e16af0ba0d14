// The per-cluster certificate cost that dominates a cluster create with the fake driver: each
// create generates three CAs (cluster, etcd, front-proxy) and Magnum's client certificate, i.e.
// four RSA keys of [x509] rsa_key_size bits (default 2048).
#include <benchmark/benchmark.h>

#include "magnum/certs/x509.h"

namespace magnum::bench {
namespace {

void BM_GenerateCa(benchmark::State& state) {
  certs::X509Options o;
  o.rsa_key_size = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto ca = certs::GenerateCa("bench-ca", o);
    if (!ca) {
      state.SkipWithError(ca.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(ca);
  }
}
BENCHMARK(BM_GenerateCa)->ArgName("bits")->Arg(2048)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_IssueClientCertificate(benchmark::State& state) {
  certs::X509Options o;
  auto ca = certs::GenerateCa("bench-ca", o);
  if (!ca) {
    state.SkipWithError(ca.error().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto kp = certs::IssueClientCertificate(*ca, "admin", "system:masters", o);
    if (!kp) {
      state.SkipWithError(kp.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(kp);
  }
}
BENCHMARK(BM_IssueClientCertificate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace magnum::bench
