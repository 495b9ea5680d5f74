#include "tools/bench/plot.h"

#include <sys/wait.h>
#include <unistd.h>

#include "fmt/format.h"

namespace tensord::bench {
namespace {

std::string Stem(const std::string& image) {
  const size_t dot = image.rfind('.');
  return dot == std::string::npos ? image : image.substr(0, dot);
}

// gnuplot string literal (single quotes: only ' needs doubling).
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string PlotData(const std::vector<PointResult>& results) {
  std::string out = "# load inferences_per_sec p50_ms p90_ms p95_ms p99_ms avg_ms failed\n";
  for (const PointResult& r : results) {
    const LatencyHistogram& h = r.latency;
    out += fmt::format("{:g} {:.3f} {:.4f} {:.4f} {:.4f} {:.4f} {:.4f} {}\n", r.point.value,
                       r.inferences_per_sec, h.PercentileUs(50) / 1000, h.PercentileUs(90) / 1000,
                       h.PercentileUs(95) / 1000, h.PercentileUs(99) / 1000, h.mean_ns() / 1e6,
                       r.failed);
  }
  return out;
}

std::string GnuplotScript(const ReportInfo& info, const std::string& data,
                          const std::string& image) {
  const bool svg = image.ends_with(".svg");
  const std::string x = info.mode == LoadMode::kConcurrency ? "concurrency (requests in flight)"
                                                            : "offered load (requests/s)";
  std::string s;
  s += svg ? "set terminal svg size 900,560 dynamic background rgb 'white'\n"
           : "set terminal pngcairo size 900,560 noenhanced\n";
  s += fmt::format("set output {}\n", Quote(image));
  s += fmt::format("set title {}\n",
                   Quote(fmt::format("{} — {} — batch {}", info.model, info.backend, info.batch)));
  s += "set key top left\nset grid\n";
  s += fmt::format("set xlabel {}\n", Quote(x));
  s += "set ylabel 'latency (ms)'\nset y2label 'throughput (inferences/s)'\n";
  s += "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\n";
  s += fmt::format(
      "plot {0} using 1:3 with linespoints title 'p50', \\\n"
      "     {0} using 1:4 with linespoints title 'p90', \\\n"
      "     {0} using 1:5 with linespoints title 'p95', \\\n"
      "     {0} using 1:6 with linespoints title 'p99', \\\n"
      "     {0} using 1:2 axes x1y2 with linespoints lw 2 dt 2 title 'throughput (right axis)'\n",
      Quote(data));
  return s;
}

absl::Status Plot(const std::vector<PointResult>& results, const ReportInfo& info,
                  const std::string& image) {
  const std::string data = Stem(image) + ".dat";
  const std::string script = Stem(image) + ".gp";
  if (absl::Status s = WriteFile(data, PlotData(results)); !s.ok()) return s;
  if (absl::Status s = WriteFile(script, GnuplotScript(info, data, image)); !s.ok()) return s;
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("--plot: cannot start gnuplot (fork failed)");
  if (pid == 0) {
    execlp("gnuplot", "gnuplot", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::FailedPreconditionError(fmt::format(
        "--plot: gnuplot is not installed (apt-get install gnuplot-nox); the data is in {} and "
        "the script in {}",
        data, script));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(fmt::format("--plot: `gnuplot {}` failed", script));
  }
  return absl::OkStatus();
}

}  // namespace tensord::bench
