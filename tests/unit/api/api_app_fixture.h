// Test fixture: the pieces an in-process ApiApp is built from. A migrated SQLite database in
// a temporary directory, a driver registry, local cloud resources over it, no-auth as user
// u1 of project p1 (member,reader) and a default config. Shared by the API unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "magnum/api/app.h"
#include "magnum/auth/auth.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/clock.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "testing/temp_dir.h"

namespace magnum::api {

class ApiAppFixture : public ::testing::Test {
 protected:
  // Opens and migrates db_; app_ is left to the test (BuildApp, or MakeApp with extras).
  void SetUp() override {
    db_ = Connect();
    ASSERT_TRUE(db_);
    ASSERT_TRUE(db_->Upgrade());
    cloud_ = clients::NewLocalCloudResources(&registry_);
    auth_ = auth::NewNoAuth("p1", "u1", "member,reader");
  }

  // The app goes first: it may point at the test's own members (a conductor, an enforcer).
  void TearDown() override { app_.reset(); }

  // Another connection to the same database file (as another process would hold).
  std::unique_ptr<db::Database> Connect() const {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("magnum.sqlite"));
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  // The dependencies every app of the fixture shares; a test adds its conductor or policy.
  ApiDependencies Deps() const {
    ApiDependencies deps;
    deps.config = &config_;
    deps.db = db_.get();
    deps.auth = auth_.get();
    deps.drivers = &registry_;
    deps.cloud = cloud_.get();
    deps.clock = &SystemClock();
    return deps;
  }

  static std::unique_ptr<ApiApp> MakeApp(const ApiDependencies& deps) {
    return std::make_unique<ApiApp>(deps);
  }

  void BuildApp() { app_ = MakeApp(Deps()); }

  testing_util::TempDir dir_;
  config::Config config_;
  drivers::DriverRegistry registry_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<clients::CloudResources> cloud_;
  std::unique_ptr<auth::AuthStrategy> auth_;
  std::unique_ptr<ApiApp> app_;
};

}  // namespace magnum::api
