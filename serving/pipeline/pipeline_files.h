// Pipelines given as files (tensord's repeatable --pipeline FILE) rather than as folders of
// the model repository: each is loaded as "<metadata.name>.pipeline" from a copy of the
// file, through the repository's load-from-files path (repository/request_files.h), so it is
// then a model like a folder's pipeline (index, readiness, reasons, unload).
//
//   LoadPipelineFiles(repository, {"deploy/chain.yaml"});   // after the plain models loaded
//
// A file that cannot be read or parsed is logged with its file:line and skipped (it has no
// name to be listed under). In poll mode the repository forgets models that have no folder,
// so a pipeline there belongs in a folder of the repository.
#pragma once

#include <filesystem>
#include <vector>

namespace tensord {

class ModelRepository;

void LoadPipelineFiles(ModelRepository& repository,
                       const std::vector<std::filesystem::path>& files);

}  // namespace tensord
