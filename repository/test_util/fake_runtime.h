// A runtime for tests: its "model file" is a few lines of text and its instances echo
// their inputs, so repository, scheduler and frontend tests run without a real backend.
//
//   auto fake = std::make_shared<FakeRuntime>();
//   RegisterFakeRuntime(registry, fake);   // platform "fake", alias "fake_backend", ".fake"
//   WriteFile("models/echo/1/model.fake",
//             "max_batch_size 8\n"
//             "input x FP32 4\n"              // name, wire datatype, dims ("-" for none)
//             "output y FP32 4\n");           // output k echoes input k, renamed
//
// Other directives: "fail_load <message>" (Load fails, InvalidArgument), "fail_instance
// <message>" (CreateInstance fails), "fail_execute <message>" (Execute fails), and
// "# comment". Load completes the config from the file: missing inputs/outputs, their
// datatypes and dims, and max_batch_size when the config says 0; a config tensor the file
// does not have, or with another datatype, is InvalidArgument naming both.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/runtime.h"

namespace tensord::testing {

class FakeRuntime final : public runtime::Runtime {
 public:
  std::string_view default_model_filename() const override { return "model.fake"; }
  absl::StatusOr<runtime::ModelPtr> Load(const ModelConfig& config,
                                         const std::filesystem::path& model_path) override;

  // Successful and failed Load calls so far.
  int load_count() const { return load_count_.load(); }

 private:
  std::atomic<int> load_count_{0};
};

// The model FakeRuntime::Load returns; tests may downcast to read what instances got.
class FakeModel final : public runtime::Model {
 public:
  struct Behaviour {
    std::string fail_instance;  // non-empty: CreateInstance fails with this message
    std::string fail_execute;   // non-empty: Execute fails with this message
  };
  FakeModel(ModelConfig config, Behaviour behaviour)
      : config_(std::move(config)), behaviour_(std::move(behaviour)) {}

  const ModelConfig& config() const override { return config_; }
  absl::StatusOr<runtime::InstancePtr> CreateInstance(
      const runtime::InstanceOptions& options) override;

  int instance_count() const;
  runtime::InstanceOptions last_instance_options() const;

 private:
  const ModelConfig config_;
  const Behaviour behaviour_;
  mutable std::mutex mutex_;
  int instance_count_ = 0;
  runtime::InstanceOptions last_options_;
};

// Registers `runtime` (a new FakeRuntime when null) as platform "fake", with the alias
// "fake_backend" and the file extension ".fake".
void RegisterFakeRuntime(runtime::RuntimeRegistry& registry,
                         std::shared_ptr<FakeRuntime> runtime = nullptr);

}  // namespace tensord::testing
