// tensord's Prometheus metric families, built from the schedulers' counters at scrape time
// (so unloaded versions simply disappear, and the request path pays nothing for metrics).
//
//   auto collector = std::make_shared<ModelMetricsCollector>(
//       [&service] { return service.GetModelStats("", "").value_or({}); });
//   std::vector<prometheus::MetricFamily> families = collector->Collect();
//
// Per model and version (labels model, version):
//   tensord_inference_requests_total{outcome="success"|"failure"|"rejected"}  counter
//       (failure: answered with an error, timed-out and cancelled requests included;
//        rejected: refused because the queue was full)
//   tensord_inferences_total        counter    rows executed successfully
//   tensord_executions_total        counter    batches executed successfully
//   tensord_pending_requests        gauge      queued, not yet executing
//   tensord_instances               gauge      instances of the version
//   tensord_instances_busy          gauge      instances executing a batch
//   tensord_queue_duration_seconds  histogram  per executed request, time in the queue
//   tensord_compute_duration_seconds histogram per executed batch: inputs, run, outputs
//   tensord_batch_size              histogram  rows per successful batch
// And for the process (ProcessMetrics): process_cpu_seconds_total,
// process_resident_memory_bytes, process_start_time_seconds.
#pragma once

#include <functional>
#include <vector>

#include "core/inference_stats.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace tensord::metrics {

class ModelMetricsCollector final : public prometheus::Collectable {
 public:
  using StatsSource = std::function<std::vector<ModelStats>()>;
  explicit ModelMetricsCollector(StatsSource source) : source_(std::move(source)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  StatsSource source_;
};

// The families for `models`, without the process ones.
std::vector<prometheus::MetricFamily> ModelFamilies(const std::vector<ModelStats>& models);

// process_* from /proc/self (empty when /proc cannot be read).
std::vector<prometheus::MetricFamily> ProcessFamilies();

}  // namespace tensord::metrics
