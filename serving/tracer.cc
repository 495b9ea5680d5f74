#include "serving/tracer.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <utility>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

constexpr std::string_view kNames =
    "trace_file, trace_level, trace_rate, trace_count, log_frequency";

absl::Status Invalid(std::string_view setting, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("trace setting '{}': {}", setting, why));
}

absl::StatusOr<int64_t> Integer(std::string_view setting, const std::vector<std::string>& values,
                                int64_t minimum) {
  if (values.size() != 1) return Invalid(setting, "expects one value");
  const std::string& text = values.front();
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum) {
    return Invalid(setting, fmt::format("'{}' is not an integer >= {}", text, minimum));
  }
  return value;
}

int64_t Nanoseconds(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

bool IsNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

// Triton's two objects of one trace.
std::string TraceJson(const RequestTrace& trace) {
  std::string out = fmt::format("{{\"id\":{},\"model_name\":", trace.id);
  AppendQuoted(out, trace.model_name);
  out += ",\"model_version\":";
  if (IsNumber(trace.model_version)) {
    out += trace.model_version;
  } else {
    AppendQuoted(out, trace.model_version);
  }
  out += fmt::format("}},{{\"id\":{},\"timestamps\":[", trace.id);
  for (size_t i = 0; i < trace.timestamps.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{{\"name\":\"{}\",\"ns\":{}}}", trace.timestamps[i].first,
                       Nanoseconds(trace.timestamps[i].second));
  }
  out += "]}";
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tracer>> Tracer::Create(const TraceOptions& options) {
  std::unique_ptr<Tracer> tracer(new Tracer(options.file, Settings{}));
  const TraceSettingsMap initial = {
      {"trace_level", options.level},
      {"trace_rate", {std::to_string(options.rate)}},
      {"trace_count", {std::to_string(options.count)}},
      {"log_frequency", {std::to_string(options.log_frequency)}},
  };
  absl::StatusOr<Settings> settings = tracer->Apply(Settings{}, initial);
  if (!settings.ok()) return settings.status();
  tracer->global_ = *settings;
  tracer->frequency_ = settings->log_frequency;
  tracer->RefreshEnabled();
  return tracer;
}

Tracer::~Tracer() {
  std::lock_guard lock(mutex_);
  WriteBuffered();
}

absl::StatusOr<Tracer::Settings> Tracer::Apply(const Settings& base,
                                               const TraceSettingsMap& update) const {
  Settings next = base;
  for (const auto& [name, values] : update) {
    if (name == "trace_level") {
      if (values.empty()) return Invalid(name, "lists no level (OFF or TIMESTAMPS)");
      bool off = false;
      bool timestamps = false;
      for (const std::string& level : values) {
        if (level == "OFF") {
          off = true;
        } else if (level == "TIMESTAMPS") {
          timestamps = true;
        } else if (level == "TENSORS") {
          return Invalid(name, "TENSORS is not supported by tensord (it records TIMESTAMPS)");
        } else {
          return Invalid(name, fmt::format("unknown level '{}'; the levels are OFF and TIMESTAMPS",
                                           level));
        }
      }
      if (off && timestamps) return Invalid(name, "OFF cannot be combined with another level");
      if (timestamps && file_.empty()) {
        return Invalid(name,
                       "TIMESTAMPS needs a trace file, which only the command line sets: start "
                       "tensord with --trace-file PATH");
      }
      next.timestamps = timestamps;
    } else if (name == "trace_rate") {
      absl::StatusOr<int64_t> rate = Integer(name, values, 1);
      if (!rate.ok()) return rate.status();
      next.rate = *rate;
      next.seen = 0;
    } else if (name == "trace_count") {
      absl::StatusOr<int64_t> count = Integer(name, values, -1);
      if (!count.ok()) return count.status();
      next.count = *count;
    } else if (name == "log_frequency") {
      absl::StatusOr<int64_t> frequency = Integer(name, values, 0);
      if (!frequency.ok()) return frequency.status();
      next.log_frequency = *frequency;
    } else if (name == "trace_file") {
      if (values.size() != 1 || values.front() != file_) {
        return Invalid(name,
                       "only the command line (--trace-file) sets it: a request must not choose "
                       "a file the server writes");
      }
    } else {
      return absl::InvalidArgumentError(
          fmt::format("unknown trace setting '{}'; the settings are {}", name, kNames));
    }
  }
  return next;
}

TraceSettingsMap Tracer::Describe(const Settings& s) const {
  return {
      {"trace_file", {file_}},
      {"trace_level", {s.timestamps ? "TIMESTAMPS" : "OFF"}},
      {"trace_rate", {std::to_string(s.rate)}},
      {"trace_count", {std::to_string(s.count)}},
      {"log_frequency", {std::to_string(s.log_frequency)}},
  };
}

TraceSettingsMap Tracer::Get(std::string_view model) const {
  std::lock_guard lock(mutex_);
  auto it = models_.find(model);
  return Describe(it == models_.end() ? global_ : it->second);
}

absl::StatusOr<TraceSettingsMap> Tracer::Update(std::string_view model,
                                                const TraceSettingsMap& update) {
  std::lock_guard lock(mutex_);
  if (model.empty()) {
    for (const auto& [name, values] : update) {
      if (values.empty()) return Invalid(name, "has no value");
    }
    absl::StatusOr<Settings> next = Apply(global_, update);
    if (!next.ok()) return next.status();
    if (next->log_frequency != frequency_) {
      WriteBuffered();  // what was collected under the old frequency
      frequency_ = next->log_frequency;
    }
    global_ = *next;
    RefreshEnabled();
    return Describe(global_);
  }
  // A model's own settings start from the global ones; an empty value list drops the
  // model's own value of that setting (Triton's "null").
  auto it = models_.find(model);
  Settings base = it == models_.end() ? global_ : it->second;
  TraceSettingsMap given;
  for (const auto& [name, values] : update) {
    if (values.empty()) {
      const TraceSettingsMap global = Describe(global_);
      auto global_value = global.find(name);
      if (global_value == global.end()) {
        return absl::InvalidArgumentError(
            fmt::format("unknown trace setting '{}'; the settings are {}", name, kNames));
      }
      given[name] = global_value->second;
    } else if (name == "log_frequency") {
      return Invalid(name, "is set for the whole server (there is one trace file), not per model");
    } else {
      given[name] = values;
    }
  }
  absl::StatusOr<Settings> next = Apply(base, given);
  if (!next.ok()) return next.status();
  next->log_frequency = global_.log_frequency;
  models_.insert_or_assign(std::string(model), *next);
  RefreshEnabled();
  return Describe(*next);
}

void Tracer::RefreshEnabled() {
  bool any = global_.timestamps && global_.count != 0;
  for (const auto& [name, settings] : models_) any = any || (settings.timestamps && settings.count != 0);
  enabled_.store(any, std::memory_order_release);
}

std::shared_ptr<RequestTrace> Tracer::Sample(std::string_view model, std::string_view version,
                                             std::chrono::steady_clock::time_point arrival) {
  if (!enabled_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = models_.find(model);
  Settings& settings = it == models_.end() ? global_ : it->second;
  if (!settings.timestamps || settings.count == 0) return nullptr;
  const bool sampled = settings.seen++ % static_cast<uint64_t>(settings.rate) == 0;
  if (!sampled) return nullptr;
  if (settings.count > 0 && --settings.count == 0) RefreshEnabled();
  auto trace = std::make_shared<RequestTrace>();
  trace->id = next_id_++;
  trace->model_name = std::string(model);
  trace->model_version = std::string(version);
  trace->timestamps.reserve(7);
  trace->Stamp("REQUEST_START", arrival);
  return trace;
}

void Tracer::Finish(std::shared_ptr<RequestTrace> trace) {
  if (trace == nullptr) return;
  trace->Stamp("REQUEST_END", std::chrono::steady_clock::now());
  std::string json = TraceJson(*trace);
  std::lock_guard lock(mutex_);
  if (frequency_ == 0 && buffered_.size() >= kMaxBufferedTraces) {
    if (!warned_full_) {
      spdlog::warn("trace: {} traces are waiting for the server to stop (log_frequency 0); "
                   "later ones are dropped — set log_frequency to write them as they come",
                   kMaxBufferedTraces);
      warned_full_ = true;
    }
    return;
  }
  buffered_.push_back(std::move(json));
  if (frequency_ > 0 && buffered_.size() >= static_cast<size_t>(frequency_)) WriteBuffered();
}

void Tracer::WriteBuffered() {
  if (buffered_.empty() || file_.empty()) return;
  const std::string path =
      frequency_ > 0 ? fmt::format("{}.{}", file_, file_index_++) : file_;
  std::ofstream out(path, std::ios::trunc);
  out << '[';
  for (size_t i = 0; i < buffered_.size(); ++i) {
    if (i > 0) out << ',';
    out << buffered_[i];
  }
  out << "]\n";
  out.close();
  if (!out) spdlog::error("trace: cannot write '{}'", path);
  buffered_.clear();
}

}  // namespace tensord
