#include "tools/optimize/run_samples.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/inference_service.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/builtin.h"
#include "serving/server.h"
#include "spdlog/spdlog.h"
#include "tools/optimize/npy.h"

namespace tensord::optimize {
namespace {

namespace fs = std::filesystem;

struct NamedArray {
  std::string name;
  NpyArray array;
};

absl::StatusOr<std::vector<NamedArray>> ReadInputs(const fs::path& dir) {
  std::vector<NamedArray> inputs;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".npy") continue;
    absl::StatusOr<NpyArray> array = ReadNpy(entry.path());
    if (!array.ok()) return array.status();
    if (array->shape.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: a scalar; the first axis must be the sample", entry.path().string()));
    }
    inputs.push_back({entry.path().stem().string(), *std::move(array)});
  }
  if (ec) return absl::NotFoundError(fmt::format("{}: {}", dir.string(), ec.message()));
  if (inputs.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: no .npy input files", dir.string()));
  }
  for (const NamedArray& input : inputs) {
    if (input.array.shape[0] != inputs[0].array.shape[0]) {
      return absl::InvalidArgumentError(fmt::format("input '{}' has {} samples but '{}' has {}",
                                                    input.name, input.array.shape[0],
                                                    inputs[0].name, inputs[0].array.shape[0]));
    }
  }
  return inputs;
}

// Rows [first, first + count) of `input` as a tensor that views the array's bytes.
Tensor Slice(const NamedArray& input, int64_t first, int64_t count,
             const std::shared_ptr<const void>& owner) {
  const NpyArray& a = input.array;
  const size_t row = a.data.size() / static_cast<size_t>(std::max<int64_t>(a.shape[0], 1));
  std::vector<int64_t> shape = a.shape;
  shape[0] = count;
  std::span<const std::byte> bytes(a.data.data() + static_cast<size_t>(first) * row,
                                   static_cast<size_t>(count) * row);
  return Tensor{.name = input.name,
                .datatype = a.datatype,
                .shape = std::move(shape),
                .data = Buffer::View(bytes, owner)};
}

InferResult InferBlocking(InferenceService& service, std::unique_ptr<InferRequest> request) {
  request->caller_waits = true;  // this thread only waits: the scheduler may execute on it
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<InferResult> result;
  service.InferAsync(std::move(request), [&](InferResult r) {
    std::lock_guard lock(mutex);
    result = std::move(r);
    cv.notify_one();
  });
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return result.has_value(); });
  return *std::move(result);
}

struct OutputAccumulator {
  DataType datatype = DataType::kInvalid;
  std::vector<int64_t> shape;  // first axis summed over the requests
  std::vector<std::byte> data;
};

}  // namespace

absl::Status RunSamples(const RunSamplesOptions& options) {
  absl::StatusOr<std::vector<NamedArray>> read = ReadInputs(options.inputs_dir);
  if (!read.ok()) return read.status();
  auto inputs = std::make_shared<const std::vector<NamedArray>>(*std::move(read));

  spdlog::set_level(spdlog::level::warn);  // the loading chatter is not this tool's output
  runtime::RuntimeRegistry registry;
  if (absl::Status s = runtime::RegisterBuiltinRuntimes(registry); !s.ok()) return s;
  Server::Options server_options;
  server_options.model_repository = options.model_repository;
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(server_options, registry);
  if (!server.ok()) return server.status();
  InferenceService& service = **server;
  if (absl::Status ready = service.ModelReady(options.model, options.version); !ready.ok()) {
    return absl::Status(ready.code(), fmt::format("the model does not load: {}", Message(ready)));
  }

  const int64_t samples = (*inputs)[0].array.shape[0];
  const int64_t batch = options.batch > 0 ? options.batch : samples;
  std::map<std::string, OutputAccumulator> outputs;
  std::vector<std::string> order;
  for (int64_t first = 0; first < samples; first += batch) {
    const int64_t count = std::min(batch, samples - first);
    auto request = std::make_unique<InferRequest>();
    request->model_name = options.model;
    request->model_version = options.version;
    for (const NamedArray& input : *inputs) {
      request->inputs.push_back(options.batch > 0 ? Slice(input, first, count, inputs)
                                                  : Slice(input, 0, samples, inputs));
    }
    InferResult result = InferBlocking(service, std::move(request));
    if (!result.ok()) {
      return absl::Status(
          result.status().code(),
          fmt::format("samples {}..{}: {}", first, first + count - 1, Message(result.status())));
    }
    for (const Tensor& out : (*result)->outputs) {
      OutputAccumulator& acc = outputs[out.name];
      if (acc.datatype == DataType::kInvalid) {
        order.push_back(out.name);
        acc.datatype = out.datatype;
        acc.shape = out.shape;
        if (acc.shape.empty()) acc.shape.push_back(1);
        acc.shape[0] = 0;
      }
      acc.shape[0] += out.shape.empty() ? 1 : out.shape[0];
      acc.data.insert(acc.data.end(), out.data.bytes().begin(), out.data.bytes().end());
    }
  }
  std::error_code ec;
  fs::create_directories(options.outputs_dir, ec);
  for (const std::string& name : order) {
    const OutputAccumulator& acc = outputs[name];
    if (absl::Status s =
            WriteNpy(options.outputs_dir / (name + ".npy"), acc.datatype, acc.shape, acc.data);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord::optimize
