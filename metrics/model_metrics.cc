#include "metrics/model_metrics.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace tensord::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kNsPerSecond = 1e9;

// Upper bounds of tensord_batch_size: powers of two up to 1024.
constexpr int64_t kBatchBounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

std::vector<ClientMetric::Label> Labels(const ModelStats& model) {
  return {{"model", model.name}, {"version", model.version}};
}

ClientMetric Counter(const ModelStats& model, double value) {
  ClientMetric metric;
  metric.label = Labels(model);
  metric.counter.value = value;
  return metric;
}

ClientMetric Gauge(const ModelStats& model, double value) {
  ClientMetric metric;
  metric.label = Labels(model);
  metric.gauge.value = value;
  return metric;
}

ClientMetric Histogram(const ModelStats& model, const DurationHistogram& h) {
  ClientMetric metric;
  metric.label = Labels(model);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kDurationBucketsNs.size(); ++i) {
    cumulative += h.counts[i];
    metric.histogram.bucket.push_back(
        {cumulative, static_cast<double>(kDurationBucketsNs[i]) / kNsPerSecond});
  }
  metric.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = h.count;
  metric.histogram.sample_sum = static_cast<double>(h.sum_ns) / kNsPerSecond;
  return metric;
}

ClientMetric BatchSizeHistogram(const ModelStats& model) {
  ClientMetric metric;
  metric.label = Labels(model);
  uint64_t count = 0;
  double sum = 0;
  for (const auto& [size, batch] : model.stats.batch_stats) {
    count += batch.count;
    sum += static_cast<double>(size) * static_cast<double>(batch.count);
  }
  for (int64_t bound : kBatchBounds) {
    uint64_t cumulative = 0;
    for (const auto& [size, batch] : model.stats.batch_stats) {
      if (size <= bound) cumulative += batch.count;
    }
    metric.histogram.bucket.push_back({cumulative, static_cast<double>(bound)});
  }
  metric.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = count;
  metric.histogram.sample_sum = sum;
  return metric;
}

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

MetricFamily ProcessGauge(std::string name, std::string help, MetricType type, double value) {
  MetricFamily family = Family(std::move(name), std::move(help), type);
  ClientMetric metric;
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

std::vector<MetricFamily> ModelFamilies(const std::vector<ModelStats>& models) {
  MetricFamily requests =
      Family("tensord_inference_requests_total",
             "Inference requests answered by a model version's scheduler, by outcome",
             MetricType::Counter);
  MetricFamily inferences =
      Family("tensord_inferences_total", "Rows (batch elements) executed successfully",
             MetricType::Counter);
  MetricFamily executions =
      Family("tensord_executions_total", "Batches executed successfully", MetricType::Counter);
  MetricFamily pending = Family("tensord_pending_requests", "Requests queued and not yet executing",
                                MetricType::Gauge);
  MetricFamily instances =
      Family("tensord_instances", "Instances of the model version", MetricType::Gauge);
  MetricFamily busy =
      Family("tensord_instances_busy", "Instances executing a batch now", MetricType::Gauge);
  MetricFamily queue =
      Family("tensord_queue_duration_seconds", "Time an executed request waited in the queue",
             MetricType::Histogram);
  MetricFamily compute =
      Family("tensord_compute_duration_seconds",
             "Time to execute one batch: merge inputs, run the model, split outputs",
             MetricType::Histogram);
  MetricFamily batch_size =
      Family("tensord_batch_size", "Rows per successfully executed batch", MetricType::Histogram);
  for (const ModelStats& model : models) {
    const InferenceStats& s = model.stats;
    const uint64_t failed =
        s.failure_count > s.rejected_count ? s.failure_count - s.rejected_count : 0;
    for (auto [outcome, value] : {std::pair<const char*, uint64_t>{"success", s.success_count},
                                  {"failure", failed},
                                  {"rejected", s.rejected_count}}) {
      ClientMetric metric = Counter(model, static_cast<double>(value));
      metric.label.push_back({"outcome", outcome});
      requests.metric.push_back(std::move(metric));
    }
    inferences.metric.push_back(Counter(model, static_cast<double>(s.inference_count)));
    executions.metric.push_back(Counter(model, static_cast<double>(s.execution_count)));
    pending.metric.push_back(Gauge(model, static_cast<double>(s.pending_requests)));
    instances.metric.push_back(Gauge(model, static_cast<double>(s.instance_count)));
    busy.metric.push_back(Gauge(model, static_cast<double>(s.busy_instances)));
    queue.metric.push_back(Histogram(model, s.queue_histogram));
    compute.metric.push_back(Histogram(model, s.compute_histogram));
    batch_size.metric.push_back(BatchSizeHistogram(model));
  }
  return {std::move(requests), std::move(inferences), std::move(executions),
          std::move(pending),  std::move(instances),  std::move(busy),
          std::move(queue),    std::move(compute),    std::move(batch_size)};
}

std::vector<MetricFamily> ProcessFamilies() {
  // /proc/self/stat: fields 14 and 15 are utime and stime in clock ticks, 22 the start time
  // in ticks since boot; the command name (field 2) may hold spaces, so parse after ')'.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  // f[0] is field 3 (state): field N is f[N - 3].
  if (f.size() < 22) return {};
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  const double started_after_boot = std::stod(f[19]) / ticks;

  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.starts_with("btime ")) boot_time = std::stod(line.substr(6));
  }
  double rss_bytes = 0;
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    rss_bytes = static_cast<double>(resident_pages) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  }
  return {
      ProcessGauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                   MetricType::Counter, cpu),
      ProcessGauge("process_resident_memory_bytes", "Resident memory size in bytes",
                   MetricType::Gauge, rss_bytes),
      ProcessGauge("process_start_time_seconds",
                   "Start time of the process since unix epoch in seconds", MetricType::Gauge,
                   boot_time + started_after_boot),
  };
}

std::vector<MetricFamily> ModelMetricsCollector::Collect() const {
  std::vector<MetricFamily> families = ModelFamilies(source_());
  for (MetricFamily& family : ProcessFamilies()) families.push_back(std::move(family));
  return families;
}

}  // namespace tensord::metrics
