#include "scheduler/ordered_responder.h"

#include <vector>

namespace tensord::scheduler {

void OrderedResponder::Complete(uint64_t sequence, InferCallback&& done, InferResult&& result) {
  std::unique_lock lock(mutex_);
  ready_.emplace(sequence, Ready{std::move(done), std::move(result)});
  if (releasing_) return;
  releasing_ = true;
  for (;;) {
    std::vector<Ready> run;
    for (auto it = ready_.begin(); it != ready_.end() && it->first == next_;
         it = ready_.erase(it)) {
      run.push_back(std::move(it->second));
      ++next_;
    }
    if (run.empty()) break;
    lock.unlock();
    for (Ready& ready : run) std::move(ready.done)(std::move(ready.result));
    lock.lock();
  }
  releasing_ = false;
}

}  // namespace tensord::scheduler
