#include "serving/tracer.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::unique_ptr<Tracer> Make(TraceOptions options) {
  absl::StatusOr<std::unique_ptr<Tracer>> tracer = Tracer::Create(options);
  EXPECT_TRUE(tracer.ok()) << tracer.status();
  return tracer.ok() ? *std::move(tracer) : nullptr;
}

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path TempFile(const char* name) {
  return fs::temp_directory_path() / fmt::format("tensord-tracer-{}-{}", ::getpid(), name);
}

TEST(Tracer, OffByDefaultSamplesNothing) {
  auto tracer = Make({});
  EXPECT_EQ(tracer->Sample("m", "1", std::chrono::steady_clock::now()), nullptr);
  const TraceSettingsMap settings = tracer->Get("");
  EXPECT_THAT(settings.at("trace_level"), ElementsAre("OFF"));
  EXPECT_THAT(settings.at("trace_rate"), ElementsAre("1000"));
  EXPECT_THAT(settings.at("trace_count"), ElementsAre("-1"));
  EXPECT_THAT(settings.at("log_frequency"), ElementsAre("0"));
  EXPECT_THAT(settings.at("trace_file"), ElementsAre(""));
}

TEST(Tracer, RateAndCountDecideWhichRequestsAreTraced) {
  const fs::path file = TempFile("rate");
  auto tracer = Make({.file = file.string(), .level = {"TIMESTAMPS"}, .rate = 3, .count = 2});
  int sampled = 0;
  for (int i = 0; i < 9; ++i) {
    auto trace = tracer->Sample("m", "1", std::chrono::steady_clock::now());
    if (trace != nullptr) {
      ++sampled;
      EXPECT_EQ(i % 3, 0);
      tracer->Finish(std::move(trace));
    }
  }
  EXPECT_EQ(sampled, 2);  // count 2 stops the third
  EXPECT_THAT(tracer->Get("").at("trace_count"), ElementsAre("0"));
  tracer.reset();  // log_frequency 0: written when the server stops
  const std::string json = Read(file);
  EXPECT_THAT(json, HasSubstr(R"({"id":1,"model_name":"m","model_version":1})"));
  EXPECT_THAT(json, HasSubstr(R"({"id":2,"timestamps":[{"name":"REQUEST_START","ns":)"));
  EXPECT_THAT(json, HasSubstr(R"("name":"REQUEST_END")"));
  fs::remove(file);
}

TEST(Tracer, LogFrequencyWritesNumberedFiles) {
  const fs::path file = TempFile("frequency");
  auto tracer = Make({.file = file.string(), .level = {"TIMESTAMPS"}, .rate = 1,
                      .log_frequency = 2});
  for (int i = 0; i < 4; ++i) tracer->Finish(tracer->Sample("m", "v", std::chrono::steady_clock::now()));
  EXPECT_THAT(Read(file.string() + ".0"), HasSubstr(R"("model_version":"v")"));
  EXPECT_THAT(Read(file.string() + ".1"), HasSubstr(R"("id":4)"));
  fs::remove(file.string() + ".0");
  fs::remove(file.string() + ".1");
}

TEST(Tracer, ModelSettingsStartFromTheGlobalOnesAndCanBeDropped) {
  auto tracer = Make({.file = "/tmp/unused", .rate = 50});
  absl::StatusOr<TraceSettingsMap> model =
      tracer->Update("m", {{"trace_level", {"TIMESTAMPS"}}});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_THAT(model->at("trace_rate"), ElementsAre("50"));
  EXPECT_THAT(model->at("trace_level"), ElementsAre("TIMESTAMPS"));
  EXPECT_THAT(tracer->Get("other").at("trace_level"), ElementsAre("OFF"));
  EXPECT_NE(tracer->Sample("m", "1", std::chrono::steady_clock::now()), nullptr);
  EXPECT_EQ(tracer->Sample("other", "1", std::chrono::steady_clock::now()), nullptr);
  model = tracer->Update("m", {{"trace_level", {}}});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_THAT(model->at("trace_level"), ElementsAre("OFF"));
}

void ExpectRefused(Tracer& tracer, std::string_view model, const TraceSettingsMap& update,
                   std::string_view text) {
  const TraceSettingsMap before = tracer.Get(model);
  absl::StatusOr<TraceSettingsMap> result = tracer.Update(model, update);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(result.status()), HasSubstr(text));
  EXPECT_EQ(tracer.Get(model), before);  // nothing changed
}

TEST(Tracer, BadUpdatesNameTheSettingAndChangeNothing) {
  auto tracer = Make({.file = "/tmp/t.json"});
  ExpectRefused(*tracer, "", {{"trace_rate", {"0"}}}, "trace setting 'trace_rate': '0' is not an integer >= 1");
  ExpectRefused(*tracer, "", {{"trace_rate", {"1"}}, {"trace_count", {"x"}}}, "'trace_count'");
  ExpectRefused(*tracer, "", {{"trace_level", {"TENSORS"}}}, "TENSORS is not supported");
  ExpectRefused(*tracer, "", {{"trace_level", {"OFF", "TIMESTAMPS"}}}, "cannot be combined");
  ExpectRefused(*tracer, "", {{"trace_level", {"LOUD"}}}, "unknown level 'LOUD'");
  ExpectRefused(*tracer, "", {{"trace_file", {"/etc/cron.d/x"}}}, "only the command line");
  ExpectRefused(*tracer, "", {{"verbosity", {"1"}}}, "unknown trace setting 'verbosity'");
  ExpectRefused(*tracer, "", {{"trace_rate", {}}}, "has no value");
  ExpectRefused(*tracer, "m", {{"log_frequency", {"5"}}}, "for the whole server");
  auto no_file = Make({});
  ExpectRefused(*no_file, "", {{"trace_level", {"TIMESTAMPS"}}}, "--trace-file PATH");
  // The same file is accepted (clients send back the settings they read).
  EXPECT_TRUE(tracer->Update("", {{"trace_file", {"/tmp/t.json"}}}).ok());
}

TEST(Tracer, BadOptionsAreRefusedAtStart) {
  EXPECT_FALSE(Tracer::Create({.level = {"TIMESTAMPS"}}).ok());
  EXPECT_FALSE(Tracer::Create({.rate = 0}).ok());
}

}  // namespace
}  // namespace tensord
