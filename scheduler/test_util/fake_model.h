// A runtime model for scheduler tests. Its instances compute, for input "x" (FP32, any
// shape), output "y" = x + 1, and output "batch" (INT64, [rows, 1]) holding the number of
// rows the instance executed at once, so a test sees both the values and the batching.
//
//   FakeModel model(FakeModel::Config(/*max_batch_size=*/8, BatchingConfig{...}));
//   model.set_on_execute([&](const FakeModel::Call& call) { ... block, advance a clock ... });
//   auto scheduler = CreateScheduler(model, {.model_name = "fake", .instance_count = 2});
//   model.calls();   // every Execute seen, in order
//
// Thread-safe.
#pragma once

#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/runtime.h"

namespace tensord::scheduler {

class FakeModel final : public runtime::Model {
 public:
  struct Call {
    int64_t rows = 0;
    std::vector<float> x;
    std::vector<std::string> outputs;
  };

  static ModelConfig Config(int64_t max_batch_size, std::optional<BatchingConfig> batching) {
    ModelConfig config;
    config.name = "fake";
    config.platform = "fake";
    config.max_batch_size = max_batch_size;
    config.inputs = {{.name = "x", .datatype = DataType::kFp32, .dims = {-1}}};
    config.outputs = {{.name = "y", .datatype = DataType::kFp32, .dims = {-1}},
                      {.name = "batch", .datatype = DataType::kInt64, .dims = {1}}};
    config.batching = std::move(batching);
    return config;
  }

  explicit FakeModel(ModelConfig config) : config_(std::move(config)) {}

  const ModelConfig& config() const override { return config_; }

  absl::StatusOr<runtime::InstancePtr> CreateInstance(const runtime::InstanceOptions&) override {
    return std::make_unique<Instance>(*this);
  }

  // Runs at the start of every Execute, outside the model's lock.
  void set_on_execute(std::function<void(const Call&)> hook) {
    std::lock_guard lock(mutex_);
    on_execute_ = std::move(hook);
  }
  // Makes every Execute fail with `status` (OK: succeed again).
  void set_failure(absl::Status status) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(status);
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  class Instance final : public runtime::Instance {
   public:
    explicit Instance(FakeModel& model) : model_(model) {}
    absl::StatusOr<std::vector<Tensor>> Execute(
        std::span<const Tensor> inputs, std::span<const std::string> output_names) override {
      return model_.Execute(inputs, output_names);
    }

   private:
    FakeModel& model_;
  };

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) {
    const Tensor& x = inputs[0];
    Call call;
    call.rows = config_.max_batch_size > 0 ? x.shape[0] : 1;
    call.x.resize(x.data.size() / sizeof(float));
    std::memcpy(call.x.data(), x.data.data(), x.data.size());
    call.outputs.assign(output_names.begin(), output_names.end());
    std::function<void(const Call&)> hook;
    absl::Status failure;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
      hook = on_execute_;
      failure = failure_;
    }
    if (hook) hook(call);
    if (!failure.ok()) return failure;
    std::vector<Tensor> outputs;
    for (const std::string& name : output_names) {
      if (name == "y") {
        std::vector<std::byte> bytes(x.data.size());
        for (size_t i = 0; i < call.x.size(); ++i) {
          const float value = call.x[i] + 1.0f;
          std::memcpy(bytes.data() + i * sizeof(float), &value, sizeof(float));
        }
        outputs.push_back({.name = "y",
                           .datatype = DataType::kFp32,
                           .shape = x.shape,
                           .data = Buffer::FromVector(std::move(bytes))});
      } else {
        std::vector<std::byte> bytes(static_cast<size_t>(call.rows) * sizeof(int64_t));
        for (int64_t i = 0; i < call.rows; ++i) {
          std::memcpy(bytes.data() + i * sizeof(int64_t), &call.rows, sizeof(int64_t));
        }
        Shape shape = config_.max_batch_size > 0 ? Shape{call.rows, 1} : Shape{1};
        outputs.push_back({.name = name,
                           .datatype = DataType::kInt64,
                           .shape = shape,
                           .data = Buffer::FromVector(std::move(bytes))});
      }
    }
    return outputs;
  }

  const ModelConfig config_;
  mutable std::mutex mutex_;
  std::function<void(const Call&)> on_execute_;
  absl::Status failure_;
  std::vector<Call> calls_;
};

}  // namespace tensord::scheduler
