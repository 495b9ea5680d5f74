// --plot: latency percentiles and throughput against concurrency (or request rate), drawn
// by gnuplot (Debian's gnuplot-nox). Next to FILE.png|svg it leaves FILE.dat (the numbers)
// and FILE.gp (the script), so the plot can be restyled and redrawn by hand.
//
//   absl::Status s = Plot(results, info, "results.png");   // runs `gnuplot results.gp`
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/report.h"

namespace tensord::bench {

// The gnuplot script for `image` reading `data` (exposed for tests).
std::string GnuplotScript(const ReportInfo& info, const std::string& data,
                          const std::string& image);
std::string PlotData(const std::vector<PointResult>& results);

// Writes the data and script, then runs gnuplot; FailedPrecondition when gnuplot is missing
// (the data and script are still written).
absl::Status Plot(const std::vector<PointResult>& results, const ReportInfo& info,
                  const std::string& image);

}  // namespace tensord::bench
