// Placeholder until the repository lands (being written now).
#include "repository/model_repository.h"
