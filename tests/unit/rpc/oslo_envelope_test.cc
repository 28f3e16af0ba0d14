#include "magnum/rpc/oslo_envelope.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace magnum::rpc {
namespace {

using Json = nlohmann::json;

Json Inner(const std::string& body) {
  Json outer = Json::parse(body);
  EXPECT_EQ(outer["oslo.version"], "2.0");
  EXPECT_EQ(outer.size(), 2u);
  return Json::parse(outer["oslo.message"].get<std::string>());
}

TEST(OsloEnvelopeTest, CallCarriesArgsContextAndReplyAddress) {
  auto body = EncodeOsloRequest(
      "cluster_create",
      R"({"cluster_uuid":"u1","context":{"request_id":"req-1","project_id":"p","user_id":"u","is_admin":true}})",
      "", "abc", "reply_q1");
  ASSERT_TRUE(body) << body.error().message();
  Json m = Inner(*body);
  EXPECT_EQ(m["method"], "cluster_create");
  EXPECT_EQ(m["args"], Json({{"cluster_uuid", "u1"}}));
  EXPECT_EQ(m["_msg_id"], "abc");
  EXPECT_EQ(m["_reply_q"], "reply_q1");
  EXPECT_TRUE(m.contains("_timeout") && m["_timeout"].is_null());
  EXPECT_EQ(m["_unique_id"].get<std::string>().size(), 32u);
  EXPECT_EQ(m["_context_request_id"], "req-1");
  EXPECT_EQ(m["_context_project_id"], "p");
  EXPECT_EQ(m["_context_project"], "p");
  EXPECT_EQ(m["_context_user_id"], "u");
  EXPECT_EQ(m["_context_user"], "u");
  EXPECT_EQ(m["_context_is_admin"], true);
  EXPECT_FALSE(m.contains("version"));
  EXPECT_FALSE(m.contains("context"));
}

TEST(OsloEnvelopeTest, CastHasNoReplyKeysAndIdsDiffer) {
  auto a = EncodeOsloRequest("cluster_delete", R"({"uuid":"x"})", "1.0", "", "");
  auto b = EncodeOsloRequest("cluster_delete", R"({"uuid":"x"})", "1.0", "", "");
  ASSERT_TRUE(a && b);
  Json ma = Inner(*a), mb = Inner(*b);
  EXPECT_FALSE(ma.contains("_msg_id"));
  EXPECT_FALSE(ma.contains("_reply_q"));
  EXPECT_EQ(ma["version"], "1.0");
  EXPECT_NE(ma["_unique_id"], mb["_unique_id"]);
}

TEST(OsloEnvelopeTest, PayloadMustBeAnObject) {
  EXPECT_FALSE(EncodeOsloRequest("m", "[1]", "", "", ""));
  EXPECT_FALSE(EncodeOsloRequest("m", "not json", "", "", ""));
}

TEST(OsloEnvelopeTest, DecodesUpstreamRequestWithContextAsPayloadMember) {
  // Shaped as the captured Magnum 15 cast (docs: oslo-messaging-capture.md).
  Json inner = {{"method", "cluster_delete"},
                {"args", {{"uuid", "0e13"}}},
                {"_unique_id", "f3e8"},
                {"_context_user", "67c7"},
                {"_context_project_id", "5648"},
                {"_context_is_admin", true},
                {"_context_request_id", "req-0b54"},
                {"_context_roles", {"admin", "reader"}}};
  Json outer = {{"oslo.version", "2.0"}, {"oslo.message", inner.dump()}};
  auto r = DecodeOsloRequest(outer.dump());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->method, "cluster_delete");
  EXPECT_EQ(r->unique_id, "f3e8");
  EXPECT_TRUE(r->msg_id.empty());
  Json p = Json::parse(r->payload);
  EXPECT_EQ(p["uuid"], "0e13");
  EXPECT_EQ(p["context"]["user_id"], "67c7");  // from the older name
  EXPECT_EQ(p["context"]["project_id"], "5648");
  EXPECT_EQ(p["context"]["is_admin"], true);
  EXPECT_EQ(p["context"]["request_id"], "req-0b54");
}

TEST(OsloEnvelopeTest, RoundTripOfOurRequest) {
  const std::string payload = R"({"context":{"project_id":"p","user_id":"u"},"n":1})";
  auto body = EncodeOsloRequest("m", payload, "", "id1", "reply_x");
  ASSERT_TRUE(body);
  auto r = DecodeOsloRequest(*body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->msg_id, "id1");
  EXPECT_EQ(r->reply_q, "reply_x");
  Json p = Json::parse(r->payload);
  EXPECT_EQ(p["n"], 1);
  EXPECT_EQ(p["context"]["project_id"], "p");
  EXPECT_EQ(p["context"]["user_id"], "u");
}

TEST(OsloEnvelopeTest, RejectsWhatIsNotARequest) {
  EXPECT_FALSE(DecodeOsloRequest("nope"));
  EXPECT_FALSE(DecodeOsloRequest(R"({"oslo.version":"3.0","oslo.message":"{}"})"));
  EXPECT_FALSE(DecodeOsloRequest(R"({"oslo.version":"2.0","oslo.message":"{\"args\":{}}"})"));
  EXPECT_FALSE(DecodeOsloRequest(
      R"({"oslo.version":"2.0","oslo.message":"{\"method\":\"m\",\"args\":[1]}"})"));
  // oslo's 1.0 form: the message without the envelope.
  EXPECT_TRUE(DecodeOsloRequest(R"({"method":"m","args":{}})"));
}

TEST(OsloEnvelopeTest, ReplyWithResult) {
  std::string body = EncodeOsloReply(std::string(R"({"pem":"x"})"), "m1");
  Json m = Inner(body);
  EXPECT_EQ(m["result"], Json({{"pem", "x"}}));
  EXPECT_TRUE(m["failure"].is_null());
  EXPECT_EQ(m["ending"], true);
  EXPECT_EQ(m["_msg_id"], "m1");
  auto r = DecodeOsloReply(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->msg_id, "m1");
  ASSERT_TRUE(r->outcome);
  EXPECT_EQ(*r->outcome, R"({"pem":"x"})");
}

TEST(OsloEnvelopeTest, FailureKeepsOurCodeAndIsUpstreamShaped) {
  std::string body = EncodeOsloReply(Fail(Error::Conflict("busy")), "m2");
  Json m = Inner(body);
  ASSERT_TRUE(m["failure"].is_string());
  Json f = Json::parse(m["failure"].get<std::string>());
  for (const char* k : {"class", "module", "message", "tb", "args", "kwargs"}) {
    EXPECT_TRUE(f.contains(k)) << k;
  }
  EXPECT_EQ(f["message"], "busy");
  auto r = DecodeOsloReply(body);
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->outcome);
  EXPECT_EQ(r->outcome.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(r->outcome.error().message(), "busy");
}

TEST(OsloEnvelopeTest, UpstreamExceptionClassTravelsForPython) {
  // A Python client allowing magnum.common.exception re-raises the class named here.
  Error e = AsUpstreamException(Error::NotFound("Cluster x could not be found."),
                                "ClusterNotFound");
  std::string body = EncodeOsloReply(Fail(e), "m4");
  Json f = Json::parse(Inner(body)["failure"].get<std::string>());
  EXPECT_EQ(f["class"], "ClusterNotFound");
  EXPECT_EQ(f["module"], "magnum.common.exception");
  EXPECT_EQ(f["message"], "Cluster x could not be found.");
  EXPECT_EQ(f["args"], Json::array({"Cluster x could not be found."}));
  // Our own client still gets the code and the plain message back.
  auto r = DecodeOsloReply(body);
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->outcome);
  EXPECT_EQ(r->outcome.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r->outcome.error().message(), "Cluster x could not be found.");
  // Without the class, the module stays ours.
  Json plain = Json::parse(
      Inner(EncodeOsloReply(Fail(Error::NotFound("gone")), "m5"))["failure"].get<std::string>());
  EXPECT_EQ(plain["class"], "NotFound");
  EXPECT_EQ(plain["module"], "magnum.rpc.errors");
}

TEST(OsloEnvelopeTest, PythonFailureMapsByClass) {
  Json failure = {{"class", "ClusterNotFound"},
                  {"module", "magnum.common.exception"},
                  {"message", "Cluster x could not be found."},
                  {"tb", Json::array()},
                  {"args", Json::array()},
                  {"kwargs", Json::object()}};
  Json inner = {
      {"result", nullptr}, {"failure", failure.dump()}, {"ending", true}, {"_msg_id", "m3"}};
  Json outer = {{"oslo.version", "2.0"}, {"oslo.message", inner.dump()}};
  auto r = DecodeOsloReply(outer.dump());
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->outcome);
  EXPECT_EQ(r->outcome.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r->outcome.error().message().find("could not be found"), std::string::npos);
}

TEST(OsloEnvelopeTest, OlderTwoPartReply) {
  Json partial = {{"result", 5}, {"failure", nullptr}, {"_msg_id", "m4"}};
  auto r =
      DecodeOsloReply(Json({{"oslo.version", "2.0"}, {"oslo.message", partial.dump()}}).dump());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ending);
  EXPECT_TRUE(r->has_result);
  EXPECT_FALSE(DecodeOsloReply(R"({"result":1})"));  // no _msg_id
}

TEST(OsloEnvelopeTest, IdsLookLikeUuid4Hex) {
  std::string id = NewOsloId();
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(id[12], '4');
  EXPECT_NE(id, NewOsloId());
}

}  // namespace
}  // namespace magnum::rpc
