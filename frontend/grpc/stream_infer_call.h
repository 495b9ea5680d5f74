// ModelStreamInfer: a bidirectional stream of inference requests, answered in request
// order. A bad request gets a ModelStreamInferResponse with error_message and the stream
// goes on; the stream ends (OK) after the client closes its side and every answer is
// written.
//
//   StreamInferCall::Spawn(env);   // posts the request for the next stream
//
// Reads continue while inferences run: each request read is handed to
// InferenceService::InferAsync and the next Read is posted at once. Results complete in
// any order on scheduler threads; they wait in `ready_` until every earlier one is
// written, and only one Write is outstanding at a time (gRPC's rule). Results are encoded
// on the queue thread when their turn to be written comes: a scheduler thread only files
// its result and, through an alarm, wakes the queue thread. A client that sends faster than it
// reads is held back: past kMaxBacklog answers not yet written, no further Read is posted until a
// Write completes (so memory stays bounded and HTTP/2 flow control pushes back on the
// client). Finish is sent once no read, inference or write
// is outstanding; the object deletes itself when the Finish tag returns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "core/infer_request.h"
#include "frontend/grpc/call.h"
#include "frontend/grpc/infer_messages.h"
#include "grpcpp/alarm.h"
#include "grpcpp/support/async_stream.h"

namespace tensord::grpc {

class StreamInferCall final : public Call {
 public:
  static void Spawn(const CallEnv& env) { new StreamInferCall(env); }

 private:
  enum class Op { kStart, kRead, kWrite, kFinish, kKick };
  class OpTag final : public Tag {
   public:
    OpTag(StreamInferCall* call, Op op) : call_(call), op_(op) {}
    void Proceed(bool ok) override { call_->OnEvent(op_, ok); }

   private:
    StreamInferCall* call_;
    Op op_;
  };
  using Response = inference::ModelStreamInferResponse;
  // A result waiting for its turn, with the messages of the request it answers (for error
  // echoes; a successful reply is built on their arena).
  struct Answer {
    InferResult result;
    std::shared_ptr<InferMessages> messages;
  };
  static constexpr int64_t kMaxBacklog = 64;

  explicit StreamInferCall(const CallEnv& env);
  void OnEvent(Op op, bool ok);
  void OnRead();
  void StartRead();
  // Files the answer for request `sequence`; any thread.
  void Complete(uint64_t sequence, Answer answer);
  // Posts the next in-order Write if none is outstanding.
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // True when the stream should Finish now (the caller sends it after unlocking).
  bool ShouldFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Answers read but not yet written (inferring, waiting, being written).
  int64_t BacklogLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SendFinish();

  OpTag start_tag_{this, Op::kStart};
  OpTag read_tag_{this, Op::kRead};
  OpTag write_tag_{this, Op::kWrite};
  OpTag finish_tag_{this, Op::kFinish};
  OpTag kick_tag_{this, Op::kKick};
  ::grpc::Alarm kick_;  // wakes the queue thread when a result came elsewhere
  ::grpc::ServerContext context_;
  ::grpc::ServerAsyncReaderWriter<Response, inference::ModelInferRequest> stream_{&context_};
  // The messages whose request the outstanding Read fills (one arena per request, as for
  // unary calls: infer_messages.h); only touched by the queue thread.
  std::shared_ptr<InferMessages> reading_;
  uint64_t next_sequence_ = 0;  // queue thread only

  std::mutex mutex_;
  uint64_t next_to_write_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<uint64_t, Answer> ready_ ABSL_GUARDED_BY(mutex_);
  bool kick_pending_ ABSL_GUARDED_BY(mutex_) = false;
  // The outstanding Write's message (null: none): on the arena of writing_messages_ for a
  // reply, in writing_error_ for an error.
  Response* writing_ ABSL_GUARDED_BY(mutex_) = nullptr;
  std::shared_ptr<InferMessages> writing_messages_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<Response> writing_error_ ABSL_GUARDED_BY(mutex_);
  int64_t inferring_ ABSL_GUARDED_BY(mutex_) = 0;
  bool reads_done_ ABSL_GUARDED_BY(mutex_) = false;
  bool broken_ ABSL_GUARDED_BY(mutex_) = false;  // a Write failed: the client is gone
  bool finishing_ ABSL_GUARDED_BY(mutex_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace tensord::grpc
