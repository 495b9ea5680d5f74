// A fake InferenceService for the REST frontend's tests: a few named models with fixed
// behaviour, no runtimes.
//
//   "echo", "model.v1-x_y"  ready; inference returns the inputs as outputs, inline
//   "slow"                  ready; echoes from another thread: at once, or after HoldSlow()
//                           only on ReleaseSlow(); tests wait for WaitForSlowRequests(n),
//                           never for a time
//   "busy"                  ready; inference fails with ResourceExhausted (queue full)
//   "broken"                known but not ready (Unavailable with a reason)
//   anything else           NotFound
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/inference_service.h"
#include "fmt/format.h"

namespace tensord::http {

class FakeInferenceService : public InferenceService {
 public:
  ~FakeInferenceService() override {
    ReleaseSlow();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }

  // "slow" requests wait for ReleaseSlow() from now on.
  void HoldSlow() {
    std::lock_guard lock(mutex_);
    hold_slow_ = true;
  }
  // Blocks until `count` "slow" requests have reached InferAsync; false after 10 s (a
  // safety net only).
  bool WaitForSlowRequests(int count) {
    std::unique_lock lock(mutex_);
    return slow_changed_.wait_for(lock, std::chrono::seconds(10),
                                  [&] { return slow_started_ >= count; });
  }
  // Lets held "slow" requests (and later ones) answer.
  void ReleaseSlow() {
    std::lock_guard lock(mutex_);
    hold_slow_ = false;
    slow_changed_.notify_all();
  }
  // The cancelled flag (InferRequest::cancelled) of the last "slow" request received.
  std::shared_ptr<const std::atomic<bool>> last_slow_cancelled() {
    std::lock_guard lock(mutex_);
    return last_slow_cancelled_;
  }
  // "slow" requests whose callback has been called (or is being called).
  int slow_answered() {
    std::lock_guard lock(mutex_);
    return slow_answered_;
  }

  bool IsLive() const override { return true; }
  bool IsReady() const override { return ready; }
  ServerMetadata Metadata() const override {
    return {.name = "tensord", .version = "0.1.0", .extensions = {"binary_tensor_data"}};
  }
  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const override {
    if (absl::Status known = Known(name, version); !known.ok()) return known;
    absl::StatusOr<ModelConfig> config = GetModelConfig(name, version);
    return MetadataFromConfig(*config, {"1"});
  }
  absl::Status ModelReady(std::string_view name, std::string_view version) const override {
    if (absl::Status known = Known(name, version); !known.ok()) return known;
    if (name == "broken") {
      return absl::UnavailableError("model 'broken' version 1 failed to load: bad onnx file");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                             std::string_view version) const override {
    if (absl::Status known = Known(name, version); !known.ok()) return known;
    ModelConfig config{.name = std::string(name), .platform = "fake", .max_batch_size = 8};
    config.inputs = {{.name = "x", .datatype = raw_input_type, .dims = raw_input_dims}};
    config.outputs = {{.name = "x", .datatype = raw_input_type, .dims = raw_input_dims}};
    return config;
  }

  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view,
                                                        std::string_view) const override {
    return absl::UnimplementedError("statistics extension is not implemented by this server");
  }
  std::vector<ModelVersionStatus> RepositoryIndex(bool) const override { return {}; }
  void LoadModelAsync(std::string_view, ModelLoadOptions, StatusCallback done) override {
    std::move(done)(absl::UnimplementedError("model repository extension is not implemented"));
  }
  void UnloadModelAsync(std::string_view, StatusCallback done) override {
    std::move(done)(absl::UnimplementedError("model repository extension is not implemented"));
  }

  absl::Status RegisterSystemSharedMemory(const SharedMemoryRegion& region) override {
    return absl::UnimplementedError(
        fmt::format("cannot register '{}': no shared memory in this fake", region.name));
  }
  absl::Status UnregisterSystemSharedMemory(std::string_view) override {
    return absl::UnimplementedError("no shared memory in this fake");
  }
  absl::StatusOr<std::vector<SharedMemoryRegion>> SystemSharedMemoryStatus(
      std::string_view) const override {
    return std::vector<SharedMemoryRegion>{};
  }

  LogSettings GetLogSettings() const override { return {}; }
  absl::StatusOr<LogSettings> UpdateLogSettings(const LogSettingsUpdate&) override {
    return absl::UnimplementedError("no log settings in this fake");
  }

  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override {
    {
      std::lock_guard lock(mutex_);
      last_model = request->model_name;
      last_version = request->model_version;
      ++infer_calls;
    }
    const std::string model = request->model_name;
    if (absl::Status known = Known(model, request->model_version); !known.ok()) {
      std::move(done)(known);
      return;
    }
    if (model == "broken") {
      std::move(done)(absl::UnavailableError("model 'broken' is not ready"));
    } else if (model == "busy") {
      std::move(done)(absl::ResourceExhaustedError("the queue of model 'busy' is full"));
    } else if (model == "slow") {
      std::lock_guard lock(mutex_);
      ++slow_started_;
      last_slow_cancelled_ = request->cancelled;
      slow_changed_.notify_all();
      threads_.emplace_back([this, request = std::move(request), done = std::move(done)]() mutable {
        {
          std::unique_lock lock(mutex_);
          slow_changed_.wait(lock, [&] { return !hold_slow_; });
          // Counted as the answer is handed over: the server may finish with the request
          // (and Stop return) before the callback returns here.
          ++slow_answered_;
        }
        std::move(done)(Echo(*request));
      });
    } else {
      std::move(done)(Echo(*request));
    }
  }

  std::atomic<bool> ready{true};
  DataType raw_input_type = DataType::kFp32;
  Shape raw_input_dims = {-1};
  std::mutex mutex_;
  std::string last_model, last_version;
  int infer_calls = 0;

 private:
  static absl::Status Known(std::string_view name, std::string_view version) {
    for (std::string_view model : {"echo", "model.v1-x_y", "slow", "busy", "broken"}) {
      if (name == model) {
        if (!version.empty() && version != "1") {
          return absl::NotFoundError(fmt::format("model '{}' has no version '{}'", name, version));
        }
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(fmt::format("Request for unknown model: '{}' is not found", name));
  }

  static InferResult Echo(const InferRequest& request) {
    auto response = std::make_unique<InferResponse>();
    response->model_name = request.model_name;
    response->model_version = "1";
    response->id = request.id;
    for (const Tensor& input : request.inputs) response->outputs.push_back(input);
    return response;
  }

  std::vector<std::thread> threads_;
  std::condition_variable slow_changed_;
  bool hold_slow_ = false;
  int slow_started_ = 0;
  int slow_answered_ = 0;
  std::shared_ptr<const std::atomic<bool>> last_slow_cancelled_;
};

}  // namespace tensord::http
