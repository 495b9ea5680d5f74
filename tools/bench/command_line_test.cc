#include "tools/bench/command_line.h"

#include "gtest/gtest.h"

namespace tensord::bench {
namespace {

absl::StatusOr<Command> Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

void ExpectError(std::vector<std::string> args, const std::string& part) {
  absl::StatusOr<Command> c = Parse(args);
  ASSERT_FALSE(c.ok()) << part;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(c.status().message()).find(part), std::string::npos)
      << c.status().message();
}

TEST(CommandLineTest, PerfAnalyzerStyleFlags) {
  absl::StatusOr<Command> c =
      Parse({"-m", "add_sub", "-x", "1", "-u", "host:9000", "-b", "4", "--concurrency-range",
             "1:8:2", "--shape", "INPUT0:16", "--percentile", "95", "-p", "250", "-f", "a.csv"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->kind, Command::Kind::kRun);
  const BenchOptions& o = c->bench;
  EXPECT_EQ(o.model, "add_sub");
  EXPECT_EQ(o.version, "1");
  EXPECT_EQ(o.url, "host:9000");
  EXPECT_EQ(o.batch, 4);
  EXPECT_EQ(o.backend, BackendKind::kRestJson);
  ASSERT_TRUE(o.concurrency.has_value());
  EXPECT_EQ(o.concurrency->Values(), (std::vector<double>{1, 3, 5, 7}));
  EXPECT_EQ(o.shapes.at("INPUT0"), (std::vector<int64_t>{16}));
  EXPECT_EQ(o.percentile, 95);
  EXPECT_EQ(o.measurement_interval_ms, 250);
  EXPECT_EQ(o.perf_csv, "a.csv");
}

TEST(CommandLineTest, ProtocolPicksBackendAndDefaultPort) {
  absl::StatusOr<Command> c = Parse({"-m", "x", "-i", "grpc"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bench.backend, BackendKind::kGrpc);
  EXPECT_EQ(c->bench.url, "localhost:8001");
  c = Parse({"-m", "x"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bench.url, "localhost:8000");
  EXPECT_EQ(c->bench.concurrency->Values(), (std::vector<double>{1}));
}

TEST(CommandLineTest, RateRangeAndPoisson) {
  absl::StatusOr<Command> c = Parse(
      {"-m", "x", "--request-rate-range", "100:300:100", "--request-distribution", "poisson"});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->bench.concurrency.has_value());
  EXPECT_EQ(c->bench.rate->Values(), (std::vector<double>{100, 200, 300}));
  EXPECT_EQ(c->bench.distribution, Distribution::kPoisson);
}

TEST(CommandLineTest, Errors) {
  ExpectError({}, "-m MODEL is required");
  ExpectError({"-m", "x", "--concurrency-range", "0:4"}, "--concurrency-range 0:4: START '0'");
  ExpectError({"-m", "x", "--concurrency-range", "4:2"}, "END 2 is below START 4");
  ExpectError({"-m", "x", "--concurrency-range", "1.5"}, "must be a positive integer");
  ExpectError({"-m", "x", "--concurrency-range", "1:2:3:4"}, "expected START[:END[:STEP]]");
  ExpectError({"-m", "x", "--concurrency-range", "1", "--request-rate-range", "5"}, "exclusive");
  ExpectError({"-m", "x", "-i", "smtp"}, "-i smtp: expected http or grpc");
  ExpectError({"-m", "x", "--backend", "carrier-pigeon"}, "--backend carrier-pigeon");
  ExpectError({"-m", "x", "-i", "grpc", "--backend", "rest-json"}, "contradicts");
  ExpectError({"-m", "x", "--backend", "inprocess"}, "needs --model-repository");
  ExpectError({"-m", "x", "--shape", "INPUT0"}, "expected NAME:D1,D2");
  ExpectError({"-m", "x", "--shape", "INPUT0:4,x"}, "dimension 'x'");
  ExpectError({"-m", "x", "--percentile", "0"}, "--percentile 0");
  ExpectError({"-m", "x", "--request-distribution", "gamma"}, "constant or poisson");
  ExpectError({"-m", "x", "--plot", "out.pdf"}, "must end in .png or .svg");
  ExpectError({"-m", "x", "-b", "0"}, "batch-size");
  ExpectError({"-m", "x", "--bogus"}, "--bogus");
}

TEST(CommandLineTest, SaturateSubcommand) {
  absl::StatusOr<Command> c =
      Parse({"saturate", "-m", "mlp", "--model-repository", "models", "--max-workers", "3"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->kind, Command::Kind::kSaturate);
  EXPECT_EQ(c->saturate.max_workers, 3);
  EXPECT_EQ(c->bench.model_repository, "models");
  ExpectError({"saturate", "-m", "mlp"}, "saturate needs --model-repository");
  ExpectError({"saturate", "-m", "mlp"}, "or -u HOST:PORT of a server with the model repository");
  // A server at -u is enough: the workers change through its repository API.
  c = Parse({"saturate", "-m", "mlp", "-u", "localhost:8000"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->saturate.url, "localhost:8000");
  EXPECT_TRUE(c->bench.model_repository.empty());
  // Without -u the default address is no request to use a server there.
  c = Parse({"saturate", "-m", "mlp", "--model-repository", "models"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->saturate.url.empty());
}

TEST(CommandLineTest, HelpMentionsTheHistogram) {
  absl::StatusOr<Command> c = Parse({"--help"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Command::Kind::kHelp);
  EXPECT_NE(c->text.find("HdrHistogram-style"), std::string::npos);
  EXPECT_NE(c->text.find("--concurrency-range"), std::string::npos);
}

}  // namespace
}  // namespace tensord::bench
