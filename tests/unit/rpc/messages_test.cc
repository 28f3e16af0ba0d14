#include "magnum/rpc/messages.h"

#include <gtest/gtest.h>

namespace magnum::rpc {
namespace {

TEST(MessagesTest, ReplyRoundTrip) {
  struct Case {
    std::string reply;
    std::string decoded;
  };
  for (const Case& c : std::vector<Case>{{"null", "null"},
                                         {"", "null"},
                                         {R"({"pem":"-----BEGIN\n"})", R"({"pem":"-----BEGIN\n"})"},
                                         {"[1, 2]", "[1,2]"},
                                         {"\"text\"", "\"text\""}}) {
    auto r = DecodeReply(EncodeReply(c.reply));
    ASSERT_TRUE(r) << c.reply;
    EXPECT_EQ(*r, c.decoded);
  }
}

TEST(MessagesTest, ErrorRoundTrip) {
  auto r = DecodeReply(EncodeReply(Fail(Error::Conflict("Cluster c1 is being deleted."))));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(r.error().message(), "Cluster c1 is being deleted.");
  EXPECT_EQ(EncodeReply(Fail(Error::NotFound("x"))),
            R"({"error":{"code":"not_found","message":"x"}})");
}

TEST(MessagesTest, MalformedEnvelopesAreInternal) {
  for (const std::string bad :
       {"", "{", "[]", "{}", R"({"error":"x"})",
        R"({"error":{"code":"no_such_code","message":"m"}})", R"({"error":{"code":"conflict"}})"}) {
    auto r = DecodeReply(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInternal) << bad;
  }
}

TEST(MessagesTest, NonJsonReplyBecomesInternalError) {
  auto r = DecodeReply(EncodeReply(std::string("oops")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

TEST(MessagesTest, CodeNames) {
  EXPECT_EQ(ErrorCodeFromName("failed_precondition"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ErrorCodeFromName("nope"), std::nullopt);
}

}  // namespace
}  // namespace magnum::rpc
