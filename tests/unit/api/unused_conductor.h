// A ConductorApi for API tests that replace only some of its methods: every cluster,
// nodegroup and certificate method fails with kInternal "not used by this test" (a test
// that reaches one by mistake sees it), Ping succeeds, and the container methods keep
// ConductorApi's defaults (503: no container engine). A test derives and overrides what
// it exercises.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "magnum/conductor/conductor_api.h"

namespace magnum::api {

class UnusedConductor : public conductor::ConductorApi {
 public:
  Result<void> ClusterCreate(const conductor::Caller&, const std::string&) override {
    return Unused();
  }
  Result<void> ClusterUpdate(const conductor::Caller&, const std::string&, int64_t, bool) override {
    return Unused();
  }
  Result<void> ClusterResize(const conductor::Caller&, const std::string&, const std::string&,
                             int64_t, const std::vector<std::string>&) override {
    return Unused();
  }
  Result<void> ClusterUpgrade(const conductor::Caller&, const std::string&, const std::string&,
                              int64_t, const std::string&) override {
    return Unused();
  }
  Result<void> ClusterDelete(const conductor::Caller&, const std::string&) override {
    return Unused();
  }
  Result<void> NodeGroupCreate(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return Unused();
  }
  Result<void> NodeGroupUpdate(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return Unused();
  }
  Result<void> NodeGroupDelete(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return Unused();
  }
  Result<std::string> GetCaCertificate(const conductor::Caller&, const std::string&,
                                       const std::string&) override {
    return Fail(UnusedError());
  }
  Result<std::string> SignCertificate(const conductor::Caller&, const std::string&,
                                      const std::string&, const std::string&) override {
    return Fail(UnusedError());
  }
  Result<void> RotateCaCertificate(const conductor::Caller&, const std::string&) override {
    return Unused();
  }
  Result<void> RotateCredential(const conductor::Caller&, const std::string&) override {
    return Unused();
  }
  Result<void> Ping() override { return {}; }

 protected:
  static Error UnusedError() { return Error::Internal("not used by this test"); }
  static Result<void> Unused() { return Fail(UnusedError()); }
};

}  // namespace magnum::api
