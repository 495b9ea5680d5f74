// The console's routes through RestHandler: page and files served from the binary, the
// JSON of /v2/console/state, bad paths and methods, --console=false, and auth.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "frontend/auth/authenticator.h"
#include "frontend/http/rest_handler.h"
#include "frontend/http/test_util/fake_inference_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;

// The fake's statistics with one model in them.
class StatsService : public FakeInferenceService {
 public:
  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view,
                                                        std::string_view) const override {
    ModelStats echo{.name = "echo", .version = "1"};
    echo.stats.success_count = 7;
    echo.stats.instance_count = 1;
    return std::vector<ModelStats>{echo};
  }
};

class ConsoleRoutesTest : public ::testing::Test {
 protected:
  RestResponse Call(RestHandler& handler, std::string_view method, std::string_view target,
                    std::optional<std::string_view> authorization = std::nullopt) {
    RestRequest request{.method = method,
                        .target = target,
                        .authorization = authorization,
                        .body = std::make_shared<PaddedBuffer>()};
    RestResponse response{.status = 0};
    handler.Handle(
        request, [](absl::AnyInvocable<void() &&> task) { std::move(task)(); },
        [&response](RestResponse r) { response = std::move(r); });
    return response;
  }
  RestResponse Get(std::string_view target) { return Call(handler_, "GET", target); }

  StatsService service_;
  RestHandler handler_{service_, std::make_shared<InflightCounter>(),
                       nullptr,  nullptr,
                       {},       ConsoleOptions{.model_control_mode = "explicit"}};
};

TEST_F(ConsoleRoutesTest, ServesThePageAndItsFilesFromTheBinary) {
  for (std::string_view target : {"/", "/console", "/console/", "/?x=1"}) {
    RestResponse page = Get(target);
    EXPECT_EQ(page.status, 200) << target;
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8") << target;
    EXPECT_THAT(page.body, HasSubstr("<!doctype html>")) << target;
  }
  RestResponse script = Get("/console/console.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(script.body.empty());
  EXPECT_EQ(Get("/console/console.css").content_type, "text/css; charset=utf-8");
}

TEST_F(ConsoleRoutesTest, StateHoldsUsageModeAndModels) {
  RestResponse state = Get("/v2/console/state");
  EXPECT_EQ(state.status, 200);
  EXPECT_TRUE(state.content_type.empty());  // application/json
  EXPECT_THAT(state.body, HasSubstr(R"("model_control_mode":"explicit","uptime_s":)"));
  EXPECT_THAT(state.body, HasSubstr(R"("models":[{"name":"echo","version":"1","success":7,)"));
}

TEST_F(ConsoleRoutesTest, UnknownFileIs404NamingTheFiles) {
  RestResponse missing = Get("/console/app.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("no console file 'app.js' (the console serves /console and "
                                      "/console/<file> for the files console.html, console.css, "
                                      "console.js)"));
  RestResponse deeper = Get("/console/a/b");
  EXPECT_EQ(deeper.status, 404);
  EXPECT_THAT(deeper.body, HasSubstr("no route for '/console/a/b'"));
}

TEST_F(ConsoleRoutesTest, PostIs405WithAllowGet) {
  for (std::string_view target : {"/", "/console", "/console/console.js", "/v2/console/state"}) {
    RestResponse post = Call(handler_, "POST", target);
    EXPECT_EQ(post.status, 405) << target;
    EXPECT_EQ(post.allow, "GET") << target;
    EXPECT_THAT(post.body, HasSubstr("method POST is not allowed for '")) << target;
  }
}

TEST_F(ConsoleRoutesTest, OffAnswers404) {
  RestHandler off(service_, std::make_shared<InflightCounter>(), nullptr, nullptr, {},
                  ConsoleOptions{.enabled = false});
  for (std::string_view target : {"/", "/console", "/console/console.js", "/v2/console/state"}) {
    RestResponse response = Call(off, "GET", target);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_THAT(response.body, HasSubstr("the console is off (--console=false)")) << target;
  }
  EXPECT_EQ(Call(off, "GET", "/v2").status, 200);
}

TEST_F(ConsoleRoutesTest, PageIsOpenStateNeedsTheStatisticsRole) {
  const std::filesystem::path tokens = std::filesystem::temp_directory_path() /
                                       ("tensord-console-test-" + std::to_string(::getpid()));
  std::ofstream(tokens) << "infer-token-0123456789 infer\nmetrics-token-0123456789 metrics\n";
  absl::StatusOr<std::unique_ptr<auth::Authenticator>> auth =
      auth::Authenticator::Create({.tokens_file = tokens.string()});
  ASSERT_TRUE(auth.ok()) << auth.status();
  RestHandler guarded(service_, std::make_shared<InflightCounter>(), nullptr, auth->get());
  EXPECT_EQ(Call(guarded, "GET", "/").status, 200);
  EXPECT_EQ(Call(guarded, "GET", "/console/console.js").status, 200);
  RestResponse anonymous = Call(guarded, "GET", "/v2/console/state");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.www_authenticate, "Bearer realm=\"tensord\"");
  EXPECT_EQ(Call(guarded, "GET", "/v2/console/state", "Bearer metrics-token-0123456789").status,
            403);
  EXPECT_EQ(Call(guarded, "GET", "/v2/console/state", "Bearer infer-token-0123456789").status, 200);
  std::filesystem::remove(tokens);
}

}  // namespace
}  // namespace tensord::http
