#include "frontend/auth/authenticator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::auth {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kInfer = "infer-token-0123456789";
constexpr std::string_view kAdmin = "admin-token-0123456789";
constexpr std::string_view kMetrics = "metrics-token-0123456789";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("tensord-auth-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Write(std::string(kInfer) + " infer\n" + std::string(kAdmin) + " admin\n" +
          std::string(kMetrics) + " metrics\ncn:client.example infer\n");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void Write(const std::string& text) {
    // A new file renamed over the old one, as editors and secret mounts do.
    const std::string temporary = path_.string() + ".new";
    std::ofstream(temporary) << text;
    std::filesystem::rename(temporary, path_);
  }

  std::unique_ptr<Authenticator> Make(bool open_health = true,
                                      std::chrono::milliseconds reload = std::chrono::hours(1)) {
    absl::StatusOr<std::unique_ptr<Authenticator>> auth = Authenticator::Create(
        {.tokens_file = path_.string(), .open_health = open_health, .reload_interval = reload});
    EXPECT_TRUE(auth.ok()) << auth.status();
    return auth.ok() ? *std::move(auth) : nullptr;
  }

  static std::string Bearer(std::string_view token) { return "Bearer " + std::string(token); }

  std::filesystem::path path_;
};

TEST_F(AuthenticatorTest, TokensGrantTheirRolesOnly) {
  std::unique_ptr<Authenticator> auth = Make();
  const std::string infer = Bearer(kInfer), admin = Bearer(kAdmin), metrics = Bearer(kMetrics);
  EXPECT_TRUE(auth->Check(Action::kInfer, {.authorization = infer}, "x").ok());
  EXPECT_TRUE(auth->Check(Action::kModelControl, {.authorization = admin}, "x").ok());
  EXPECT_TRUE(auth->Check(Action::kMetrics, {.authorization = metrics}, "x").ok());
  EXPECT_TRUE(
      auth->Check(Action::kInfer, {.authorization = "bearer  " + std::string(kInfer) + " "}, "x")
          .ok());

  absl::Status denied = auth->Check(Action::kModelControl, {.authorization = infer},
                                    "POST /v2/repository/models/m/load");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "'POST /v2/repository/models/m/load' needs role 'admin'; the credentials presented "
            "have role(s) infer");
  absl::Status scrape = auth->Check(Action::kMetrics, {.authorization = infer}, "GET /metrics");
  EXPECT_EQ(scrape.message(),
            "'GET /metrics' needs role 'metrics' (or 'admin'); the credentials presented have "
            "role(s) infer");
  EXPECT_EQ(auth->failures(FailureReason::kForbidden), 2u);
}

TEST_F(AuthenticatorTest, MissingAndInvalidCredentialsAreUnauthenticated) {
  std::unique_ptr<Authenticator> auth = Make();
  absl::Status missing = auth->Check(Action::kInfer, {}, "POST /v2/models/m/infer");
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(missing.message(),
            "'POST /v2/models/m/infer' needs credentials: send 'Authorization: Bearer <token>' "
            "with a token of role 'infer' (or 'admin')");
  absl::Status invalid =
      auth->Check(Action::kInfer, {.authorization = "Bearer wrong-token-0123456789"}, "m");
  EXPECT_EQ(invalid.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(invalid.message(), "'m': the bearer token is not valid");
  absl::Status basic = auth->Check(Action::kInfer, {.authorization = "Basic dXNlcjpwYXNz"}, "m");
  EXPECT_EQ(basic.message(), "'m': the authorization must read 'Bearer <token>'");
  EXPECT_EQ(auth->Check(Action::kInfer, {.authorization = "Bearer"}, "m").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->failures(FailureReason::kMissing), 1u);
  EXPECT_EQ(auth->failures(FailureReason::kInvalid), 3u);
}

TEST_F(AuthenticatorTest, ClientCertificateNamesGrantTheirRoles) {
  std::unique_ptr<Authenticator> auth = Make();
  EXPECT_TRUE(auth->Check(Action::kInfer, {.common_name = "client.example"}, "x").ok());
  EXPECT_EQ(auth->Check(Action::kModelControl, {.common_name = "client.example"}, "x").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(auth->Check(Action::kInfer, {.common_name = "stranger"}, "x").code(),
            absl::StatusCode::kUnauthenticated);
  // A token adds its roles to the certificate's.
  const std::string admin = Bearer(kAdmin);
  EXPECT_TRUE(auth->Check(Action::kModelControl,
                          {.authorization = admin, .common_name = "client.example"}, "x")
                  .ok());
}

TEST_F(AuthenticatorTest, HealthIsOpenUnlessClosed) {
  EXPECT_TRUE(Make()->Check(Action::kHealth, {}, "x").ok());
  std::unique_ptr<Authenticator> closed = Make(/*open_health=*/false);
  EXPECT_EQ(closed->Check(Action::kHealth, {}, "x").code(), absl::StatusCode::kUnauthenticated);
  const std::string metrics = Bearer(kMetrics);
  EXPECT_TRUE(closed->Check(Action::kHealth, {.authorization = metrics}, "x").ok());
}

TEST_F(AuthenticatorTest, ReloadsAChangedFileAndKeepsTheOldTableWhenTheNewOneIsBad) {
  std::unique_ptr<Authenticator> auth = Make(true, std::chrono::milliseconds(0));
  const std::string infer = Bearer(kInfer);
  const std::string fresh = Bearer("fresh-token-0123456789");
  ASSERT_TRUE(auth->Check(Action::kInfer, {.authorization = infer}, "x").ok());
  Write("fresh-token-0123456789 infer\n");
  EXPECT_TRUE(auth->Check(Action::kInfer, {.authorization = fresh}, "x").ok());
  EXPECT_EQ(auth->Check(Action::kInfer, {.authorization = infer}, "x").code(),
            absl::StatusCode::kUnauthenticated);
  Write("fresh-token-0123456789 superuser\n");  // bad: the previous table stays
  EXPECT_TRUE(auth->Check(Action::kInfer, {.authorization = fresh}, "x").ok());
}

TEST_F(AuthenticatorTest, ABadFileFailsCreate) {
  Write("x-token-0123456789abc infer\nbad\n");
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      Authenticator::Create({.tokens_file = path_.string()});
  ASSERT_FALSE(auth.ok());
  EXPECT_THAT(std::string(auth.status().message()), HasSubstr("line 2: expected"));
}

TEST_F(AuthenticatorTest, ConcurrentChecksWhileReloading) {
  std::unique_ptr<Authenticator> auth = Make(true, std::chrono::milliseconds(0));
  const std::string admin = Bearer(kAdmin);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        (void)auth->Check(Action::kInfer, {.authorization = admin}, "x");
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    Write(std::string(kAdmin) + " admin\n# " + std::to_string(i) + "\n");
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(auth->Check(Action::kInfer, {.authorization = admin}, "x").ok());
}

}  // namespace
}  // namespace tensord::auth
