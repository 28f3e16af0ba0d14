// Template PATCH against a concurrent writer (another request, or another magnum-api process
// on the same database): the write is a compare-and-set on the updated_at it read, so a
// PATCH that lost the race reads the row again and applies itself on top (no lost update),
// and one that keeps losing gives up with 409.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

// Forwards to `inner`; before each of the next `races` updates of a template it writes a
// competing change (a label "other<n>") as a second process would, between the PATCH's
// read and its write.
class RacingDatabase final : public db::Database {
 public:
  explicit RacingDatabase(db::Database* inner) : inner_(inner) {}
  int races = 0;
  int raced = 0;

  Result<db::Row> Insert(std::string_view t, const db::Row& v) override {
    return inner_->Insert(t, v);
  }
  Result<std::vector<db::Row>> List(std::string_view t, const db::ListQuery& q) override {
    return inner_->List(t, q);
  }
  Result<std::optional<db::Row>> GetOne(std::string_view t, const db::Filter& f) override {
    return inner_->GetOne(t, f);
  }
  Result<int64_t> Count(std::string_view t, const db::Filter& f) override {
    return inner_->Count(t, f);
  }
  Result<int64_t> Update(std::string_view t, const db::Filter& f, const db::Row& c) override {
    if (t == db::kClusterTemplateTable && races > 0) {
      --races;
      ++raced;
      auto row = inner_->GetOne(t, db::Filter());
      EXPECT_TRUE(row && *row);
      Json labels = Json::parse((*row)->GetString("labels", "{}"));
      labels["other" + std::to_string(raced)] = "x";
      db::Row competing;
      competing.Set("labels", db::Value(labels.dump()));
      competing.Set("updated_at", db::Value("2030-01-01T00:00:0" + std::to_string(raced) + ".000000"));
      EXPECT_TRUE(inner_->Update(t, db::Filter(), competing));
    }
    return inner_->Update(t, f, c);
  }
  Result<int64_t> Delete(std::string_view t, const db::Filter& f) override {
    return inner_->Delete(t, f);
  }
  Result<int64_t> Sum(std::string_view t, std::string_view c, const db::Filter& f) override {
    return inner_->Sum(t, c, f);
  }
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) override {
    return inner_->Transaction(fn);
  }
  Result<int> SchemaVersion() override { return inner_->SchemaVersion(); }
  Result<int> Upgrade() override { return inner_->Upgrade(); }

 private:
  db::Database* inner_;
};

class TemplatePatchRaceTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    racing_ = std::make_unique<RacingDatabase>(db_.get());
    registry_.Register(drivers::NewFakeDriver());
    ApiDependencies deps = Deps();
    deps.db = racing_.get();
    app_ = MakeApp(deps);
  }

  http::Response Call(const std::string& method, const std::string& path, const Json& body) {
    http::Request r;
    r.method = method;
    r.target = r.path = path;
    r.body = body.dump();
    r.headers["Content-Type"] = "application/json";
    r.headers["OpenStack-API-Version"] = "container-infra latest";
    return app_->Handle(r);
  }

  std::string CreateTemplate() {
    http::Response r = Call("POST", "/v1/clustertemplates",
                            {{"name", "t"}, {"coe", "kubernetes"}, {"image_id", "fake-image"},
                             {"external_network_id", "public"}, {"labels", {{"base", "1"}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Json::parse(r.body).value("uuid", "");
  }

  http::Response AddLabel(const std::string& uuid, const std::string& key) {
    return Call("PATCH", "/v1/clustertemplates/" + uuid,
                Json::array({{{"op", "add"}, {"path", "/labels/" + key}, {"value", "v"}}}));
  }

  std::unique_ptr<RacingDatabase> racing_;
};

TEST_F(TemplatePatchRaceTest, ALostRaceIsAppliedOnTopOfTheWinner) {
  const std::string uuid = CreateTemplate();
  racing_->races = 2;
  http::Response r = AddLabel(uuid, "mine");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(racing_->raced, 2);
  const Json expected = {{"base", "1"}, {"other1", "x"}, {"other2", "x"}, {"mine", "v"}};
  EXPECT_EQ(Json::parse(r.body)["labels"], expected);
  http::Response shown = Call("GET", "/v1/clustertemplates/" + uuid, nullptr);
  EXPECT_EQ(Json::parse(shown.body)["labels"], expected);
}

TEST_F(TemplatePatchRaceTest, AlwaysLosingIsA409) {
  const std::string uuid = CreateTemplate();
  racing_->races = 100;
  http::Response r = AddLabel(uuid, "mine");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(racing_->raced, 5);
  EXPECT_NE(r.body.find("is being updated concurrently; try again."), std::string::npos);
  racing_->races = 0;
  http::Response shown = Call("GET", "/v1/clustertemplates/" + uuid, nullptr);
  EXPECT_FALSE(Json::parse(shown.body)["labels"].contains("mine"));
}

}  // namespace
}  // namespace magnum::api
