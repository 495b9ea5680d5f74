#include "serving/log_settings.h"

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

TEST(LogSettingsControl, ChangesTheLevelLive) {
  LogSettingsControl control({});
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);
  absl::StatusOr<LogSettings> verbose = control.Update({{"log_verbose_level", uint64_t{1}}});
  ASSERT_TRUE(verbose.ok()) << verbose.status();
  EXPECT_EQ(verbose->log_verbose_level, 1u);
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  ASSERT_TRUE(control.Update({{"log_verbose_level", uint64_t{0}}, {"log_info", false}}).ok());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::warn);
  ASSERT_TRUE(control.Update({{"log_warnings", false}}).ok());  // Triton's other spelling
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
  ASSERT_TRUE(control.Update({{"log_info", true}, {"log_warning", true}}).ok());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);
}

TEST(LogSettingsControl, RefusesWhatItCannotDoAndChangesNothing) {
  LogSettingsControl control({.log_format = "json"});
  struct Case {
    LogSettingsUpdate update;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"log_file", std::string("/tmp/x.log")}}, "'log_file' is not supported"},
      {{{"log_format", std::string("ISO8601")}},
       "'log_format' cannot be changed while the server runs: it is \"json\""},
      {{{"log_info", uint64_t{1}}}, "'log_info' must be true or false"},
      {{{"log_verbose_level", true}}, "'log_verbose_level' must be an integer >= 0"},
      {{{"log_colour", true}}, "unknown setting 'log_colour'"},
      {{{"log_warning", false}, {"log_verbose_level", uint64_t{2}}},
       "log_info=true, log_warning=false, log_error=true cannot be honoured"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<LogSettings> updated = control.Update(c.update);
    EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(updated.status()), HasSubstr(c.message));
  }
  EXPECT_EQ(control.Get().log_verbose_level, 0u);  // the refused updates changed nothing
  EXPECT_TRUE(
      control.Update({{"log_format", std::string("json")}, {"log_file", std::string()}}).ok());
}

}  // namespace
}  // namespace tensord
