#include "repository/servable_model.h"

#include <utility>

namespace tensord {

ServableModel::ServableModel(std::string version, runtime::ModelPtr model)
    : version_(std::move(version)), model_(std::move(model)), config_(model_->config()) {}

ServableModel::~ServableModel() {
  // The scheduler's workers use the model: stop them before the model goes.
  if (scheduler_) scheduler_->Shutdown();
  scheduler_.reset();
  model_.reset();
}

void ServableModel::Serve(scheduler::SchedulerPtr scheduler) {
  scheduler_ = std::move(scheduler);
  config_.instance_count = static_cast<int>(scheduler_->Stats().instance_count);
}

void ServableModel::Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) const {
  scheduler_->Enqueue(std::move(request), std::move(done));
}

InferenceStats ServableModel::Stats() const { return scheduler_->Stats(); }

void ServableModel::Drain() const {
  if (scheduler_) scheduler_->Drain();
}

}  // namespace tensord
