// What one ModelInfer request needs in memory, in one allocation (issue 12): the request
// message, and the reply built later, live on a protobuf arena whose first block is inside
// this object, so parsing and encoding allocate almost nothing per field (only the byte
// buffers of long strings such as raw_input_contents, which std::string keeps on the heap).
//
//   auto messages = std::make_shared<InferMessages>();
//   service->RequestModelInfer(&context, messages->request, ...);   // gRPC parses into it
//   std::shared_ptr<const inference::ModelInferRequest> owner(messages, messages->request);
//   auto* reply = messages->Create<inference::ModelInferResponse>();
//
// Tensors that view the request's bytes co-own the object through aliasing shared_ptrs,
// so it lives as long as any of them. Not thread-safe beyond what protobuf's arena is
// (allocation from several threads is fine; a message is used by one thread at a time).
#pragma once

#include <atomic>
#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

struct InferMessages {
  // add_sub's request takes 0.8 KB of the arena and its reply another 0.8 KB; larger ones
  // continue in blocks the arena allocates.
  static constexpr size_t kFirstBlockBytes = 4096;

  InferMessages()
      : arena(FirstBlock(first_block, kFirstBlockBytes)),
        request(google::protobuf::Arena::CreateMessage<inference::ModelInferRequest>(&arena)) {}
  InferMessages(const InferMessages&) = delete;
  InferMessages& operator=(const InferMessages&) = delete;

  template <typename Message>
  Message* Create() {
    return google::protobuf::Arena::CreateMessage<Message>(&arena);
  }

  // Before the arena: it must outlive it (the arena's destructor still reads its blocks).
  alignas(16) char first_block[kFirstBlockBytes];
  google::protobuf::Arena arena;
  inference::ModelInferRequest* const request;
  std::atomic<bool> cancelled{false};  // set when the client cancels a unary call

 private:
  static google::protobuf::ArenaOptions FirstBlock(char* block, size_t size) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = size;
    return options;
  }
};

}  // namespace tensord::grpc
