// The control messages between tensord and a Python worker process (runtime/python/). Tensor
// data never travels here: it lies in the worker's shared-memory arena (shm_arena.h), and a
// message names each tensor's place in it. A message is a 4-byte little-endian length, then
// that many bytes of JSON.
//
//   PredictCall call{.id = "r1", .inputs = {{.name = "x", .datatype = DataType::kFp32,
//                                            .shape = {1, 4}, .offset = 0, .size = 16}},
//                    .arena_size = 1 << 20};
//   std::string frame = FrameMessage(EncodePredictCall(call));
//   absl::StatusOr<WorkerReply> reply = DecodeWorkerReply(json_text, /*arena_limit=*/1 << 30);
//
// Replies are checked before anything reads the arena: every output's bytes lie inside the
// arena (whose size is at most `arena_limit`) and fixed-size outputs have exactly the bytes
// their shape calls for. A malformed reply is Internal, naming the field: it is the worker's
// (tensord's own code's) fault, never the client's. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/datatype.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace tensord::runtime::python {

// Longest control message accepted from a worker (parameters and names only).
inline constexpr uint32_t kMaxMessageBytes = 16u << 20;

struct ArenaTensor {
  std::string name;
  DataType datatype = DataType::kInvalid;
  Shape shape;
  uint64_t offset = 0;  // bytes from the start of the arena
  uint64_t size = 0;    // bytes
  Parameters parameters;
};

// One merged request for the worker's predict().
struct PredictCall {
  std::string id;
  Parameters parameters;             // request-level (content_type, ...)
  std::vector<ArenaTensor> inputs;   // in the arena
  std::vector<std::string> outputs;  // requested names; empty: whatever predict returns
  uint64_t arena_size = 0;           // the arena's current size
};

// The worker's answer to a load or a predict call.
struct WorkerReply {
  bool ok = false;
  // When !ok: "<ExceptionType>: <message>" for the client, the traceback for the log, and
  // the phase ("load" or "predict").
  std::string error;
  std::string traceback;
  // The HTTP status of an MLServerError (its status_code, 400..599); 0 for any other
  // exception (the client then gets 500 with "<ExceptionType>: <message>").
  int status_code = 0;
  std::string phase;
  std::vector<ArenaTensor> outputs;  // in the arena
  Parameters parameters;             // response-level
  uint64_t arena_size = 0;           // the arena's size after the worker wrote the outputs
};

std::string EncodePredictCall(const PredictCall& call);
// Parses and checks a reply (see the header comment). `arena_limit`: the largest arena the
// server accepts.
absl::StatusOr<WorkerReply> DecodeWorkerReply(std::string_view json_text, uint64_t arena_limit);

// The frame of one message: 4-byte little-endian length, then `payload`.
std::string FrameMessage(std::string_view payload);
// The length a frame header announces; InvalidArgument past kMaxMessageBytes.
absl::StatusOr<uint32_t> FrameLength(const unsigned char header[4]);

}  // namespace tensord::runtime::python
