// The registry's routing of MLServer implementation names to the python runtime.
#include "gtest/gtest.h"
#include "runtime/python/python_runtime.h"

namespace tensord::runtime::python {
namespace {

class NullRuntime : public Runtime {
 public:
  std::string_view default_model_filename() const override { return "model.x"; }
  absl::StatusOr<ModelPtr> Load(const ModelConfig&, const std::filesystem::path&) override {
    return absl::UnimplementedError("null");
  }
};

TEST(PythonRegistry, ImportPathsGoToPythonUnlessAnotherRuntimeClaimsThem) {
  RuntimeRegistry registry;
  registry.Register("xgboost", std::make_shared<NullRuntime>());
  registry.AddAlias("mlserver_xgboost.XGBoostModel", "xgboost");
  EXPECT_EQ(registry.Canonical("models.MyModel"), "");  // no python runtime yet
  ASSERT_TRUE(RegisterPythonRuntime(registry, {.python_dir = "/nonexistent"}).ok());
  EXPECT_EQ(registry.Canonical("mlserver_xgboost.XGBoostModel"), "xgboost");
  EXPECT_EQ(registry.Canonical("mlserver_sklearn.SKLearnModel"), "python");
  EXPECT_EQ(registry.Canonical("models.MyModel"), "python");
  EXPECT_EQ(registry.Canonical("pkg.sub.Model_2"), "python");
  EXPECT_EQ(registry.Canonical("python"), "python");
  EXPECT_EQ(registry.Canonical("tensorflow_savedmodel"), "");
  EXPECT_EQ(registry.Canonical("models."), "");
  EXPECT_EQ(registry.Canonical("1models.X"), "");
  EXPECT_EQ(registry.Canonical("models.My-Model"), "");
}

}  // namespace
}  // namespace tensord::runtime::python
