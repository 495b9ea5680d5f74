// JSON of Triton's statistics extension (GET v2/models[/<m>[/versions/<v>]]/stats):
//
//   {"model_stats": [{"name": "mlp", "version": "1", "last_inference": <ms since epoch>,
//     "inference_count": <rows>, "execution_count": <batches>,
//     "inference_stats": {"success": {"count": n, "ns": t}, "fail": {...}, "queue": {...},
//                         "compute_input": {...}, "compute_infer": {...},
//                         "compute_output": {...}, "cache_hit": {...}, "cache_miss": {...}},
//     "batch_stats": [{"batch_size": 8, "compute_input": {"count": n, "ns": t},
//                      "compute_infer": {...}, "compute_output": {...}}]}]}
//
// queue and compute_* count the requests that were executed (as Triton's do); their ns are
// cumulative over those requests. tensord has no response cache: cache_* are zero.
#pragma once

#include <string>
#include <vector>

#include "core/inference_stats.h"

namespace tensord::http {

std::string EncodeModelStats(const std::vector<ModelStats>& models);

}  // namespace tensord::http
