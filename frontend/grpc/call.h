// What every in-flight gRPC call shares: the completion-queue tag interface, and the
// environment a call needs to serve and to re-arm itself.
//
// A Tag's address is what the completion queue hands back when an operation finishes; the
// queue thread then calls Proceed(ok). Each call object counts itself in LiveCalls so that
// shutdown can wait for calls whose inference is still running before the queues close.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "core/inference_service.h"
#include "frontend/access_log.h"
#include "frontend/auth/authenticator.h"
#include "frontend/request_limits.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/completion_queue.h"

namespace tensord::grpc {

using Service = inference::GRPCInferenceService::AsyncService;

// Counts live call objects; Stop() waits for zero after the server stopped taking calls.
class LiveCalls {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
  }
  void Remove() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  void WaitForZero() {
    std::unique_lock<std::mutex> lock(mutex_);
    zero_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  int64_t count_ = 0;
};

struct CallEnv {
  InferenceService* core;  // what the calls serve
  Service* service;        // the generated gRPC service they are registered on
  ::grpc::ServerCompletionQueue* cq;
  LiveCalls* live;
  AccessLog* access_log;  // null: off
  auth::Authenticator* auth = nullptr;
  RequestLimits limits;  // applied to every decoded inference request  // null: every call is
                         // allowed (frontend/grpc/call_auth.h)
};

// True on the thread that serves `cq` (GrpcServer's queue threads mark themselves), where a
// call may encode and send its reply at once; other threads post it there first.
bool ServesQueue(const ::grpc::ServerCompletionQueue* cq);
// Marks the calling thread as the one serving `cq` (GrpcServer's queue loop).
void MarkQueueThread(const ::grpc::ServerCompletionQueue* cq);

class Tag {
 public:
  virtual ~Tag() = default;
  // `ok` is the completion queue's verdict on the finished operation (false: the call
  // failed or the server is shutting down).
  virtual void Proceed(bool ok) = 0;

 protected:
  // The queue returns tags as void* and the queue thread casts them back to Tag*, so a
  // class with several bases must hand out its Tag subobject, never plain `this`.
  void* AsTag() { return static_cast<Tag*>(this); }
};

// Base of the call objects: keeps LiveCalls accurate over the object's life.
class Call {
 public:
  explicit Call(const CallEnv& env) : env_(env) { env_.live->Add(); }
  virtual ~Call() { env_.live->Remove(); }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

 protected:
  const CallEnv env_;
};

}  // namespace tensord::grpc
