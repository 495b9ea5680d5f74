#include "frontend/http/rest_router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

Route Match(std::string_view target) {
  absl::StatusOr<Route> route = MatchRoute(target);
  EXPECT_TRUE(route.ok()) << target << ": " << route.status();
  return route.ok() ? *route : Route{};
}

TEST(RestRouter, MatchesServerRoutes) {
  EXPECT_EQ(Match("/v2").kind, RouteKind::kServerMetadata);
  EXPECT_EQ(Match("/v2/health/live").kind, RouteKind::kHealthLive);
  EXPECT_EQ(Match("/v2/health/ready").kind, RouteKind::kHealthReady);
  EXPECT_EQ(Match("/v2/health/ready?verbose=1").kind, RouteKind::kHealthReady);
}

TEST(RestRouter, MatchesModelRoutesWithAndWithoutVersions) {
  Route route = Match("/v2/models/resnet-50.v2_b");
  EXPECT_EQ(route.kind, RouteKind::kModelMetadata);
  EXPECT_EQ(route.model, "resnet-50.v2_b");
  EXPECT_EQ(route.version, "");
  route = Match("/v2/models/mlp/versions/12");
  EXPECT_EQ(route.kind, RouteKind::kModelMetadata);
  EXPECT_EQ(route.version, "12");
  route = Match("/v2/models/mlp/ready");
  EXPECT_EQ(route.kind, RouteKind::kModelReady);
  EXPECT_EQ(route.model, "mlp");
  route = Match("/v2/models/mlp/versions/3/ready");
  EXPECT_EQ(route.kind, RouteKind::kModelReady);
  EXPECT_EQ(route.version, "3");
  route = Match("/v2/models/mlp/infer");
  EXPECT_EQ(route.kind, RouteKind::kModelInfer);
  route = Match("/v2/models/mlp/versions/1/infer?x=y");
  EXPECT_EQ(route.kind, RouteKind::kModelInfer);
  EXPECT_EQ(route.model, "mlp");
  EXPECT_EQ(route.version, "1");
  // Names that look like route words are still names where a name belongs.
  route = Match("/v2/models/ready");
  EXPECT_EQ(route.kind, RouteKind::kModelMetadata);
  EXPECT_EQ(route.model, "ready");
  route = Match("/v2/models/versions/infer");
  EXPECT_EQ(route.kind, RouteKind::kModelInfer);
  EXPECT_EQ(route.model, "versions");
}

TEST(RestRouter, SeldonPipelineRoutesAddressTheModelNamedPipeline) {
  Route route = Match("/v2/pipelines/chain/infer");
  EXPECT_EQ(route.kind, RouteKind::kModelInfer);
  EXPECT_EQ(route.model, "chain.pipeline");
  EXPECT_EQ(Match("/v2/pipelines/chain/ready").kind, RouteKind::kModelReady);
  route = Match("/v2/pipelines/chain");
  EXPECT_EQ(route.kind, RouteKind::kModelMetadata);
  EXPECT_EQ(route.model, "chain.pipeline");
  EXPECT_FALSE(MatchRoute("/v2/pipelines").ok());
  EXPECT_FALSE(MatchRoute("/v2/pipelines/chain/nope").ok());
}

TEST(RestRouter, PercentDecodesSegmentsAfterSplitting) {
  Route route = Match("/v2/models/my%20model%2Fv1/versions/a%2Eb/infer");
  EXPECT_EQ(route.model, "my model/v1");
  EXPECT_EQ(route.version, "a.b");
  EXPECT_EQ(Match("/v2/models/a+b").model, "a+b");
}

TEST(RestRouter, MatchesExtensionRoutes) {
  Route route = Match("/v2/models/stats");
  EXPECT_EQ(route.kind, RouteKind::kModelStats);
  EXPECT_EQ(route.model, "");
  route = Match("/v2/models/mlp/versions/2/stats");
  EXPECT_EQ(route.kind, RouteKind::kModelStats);
  EXPECT_EQ(route.model, "mlp");
  EXPECT_EQ(route.version, "2");
  route = Match("/v2/models/stats/versions/1");  // a model named "stats"
  EXPECT_EQ(route.kind, RouteKind::kModelMetadata);
  EXPECT_EQ(route.model, "stats");
  route = Match("/v2/models/mlp/config");
  EXPECT_EQ(route.kind, RouteKind::kModelConfig);
  EXPECT_EQ(Match("/v2/repository/index").kind, RouteKind::kRepositoryIndex);
  route = Match("/v2/repository/models/iris_1/load");
  EXPECT_EQ(route.kind, RouteKind::kModelLoad);
  EXPECT_EQ(route.model, "iris_1");
  route = Match("/v2/repository/models/..%2Fetc/unload");
  EXPECT_EQ(route.kind, RouteKind::kModelUnload);
  EXPECT_EQ(route.model, "../etc");  // decoded here, refused by the repository
}

TEST(RestRouter, TraceSettingRoutes) {
  EXPECT_EQ(Match("/v2/trace/setting").kind, RouteKind::kTraceSetting);
  Route route = Match("/v2/models/resnet-50.v2/trace/setting");
  EXPECT_EQ(route.kind, RouteKind::kTraceSetting);
  EXPECT_EQ(route.model, "resnet-50.v2");
  EXPECT_EQ(AllowedMethod(RouteKind::kTraceSetting), "GET, POST");
  // Per model, not per version; no bare "trace" route.
  EXPECT_FALSE(MatchRoute("/v2/models/m/versions/1/trace/setting").ok());
  EXPECT_FALSE(MatchRoute("/v2/trace").ok());
}

TEST(RestRouter, SharedMemoryRoutes) {
  Route route = Match("/v2/systemsharedmemory/status");
  EXPECT_EQ(route.kind, RouteKind::kSharedMemoryStatus);
  EXPECT_EQ(route.region, "");
  route = Match("/v2/systemsharedmemory/region/in.put-0%2Fx/status");
  EXPECT_EQ(route.kind, RouteKind::kSharedMemoryStatus);
  EXPECT_EQ(route.region, "in.put-0/x");
  route = Match("/v2/systemsharedmemory/region/r/register");
  EXPECT_EQ(route.kind, RouteKind::kSharedMemoryRegister);
  EXPECT_EQ(route.region, "r");
  EXPECT_EQ(Match("/v2/systemsharedmemory/region/r/unregister").kind,
            RouteKind::kSharedMemoryUnregister);
  EXPECT_EQ(Match("/v2/systemsharedmemory/unregister").kind, RouteKind::kSharedMemoryUnregister);
  EXPECT_EQ(Match("/v2/cudasharedmemory/status").kind, RouteKind::kCudaSharedMemoryStatus);
  EXPECT_EQ(Match("/v2/cudasharedmemory/region/c/register").kind,
            RouteKind::kCudaSharedMemoryChange);
  EXPECT_EQ(AllowedMethod(RouteKind::kSharedMemoryStatus), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kSharedMemoryRegister), "POST");
  EXPECT_EQ(AllowedMethod(RouteKind::kSharedMemoryUnregister), "POST");
}

TEST(RestRouter, MatchesConsoleRoutes) {
  EXPECT_EQ(Match("/").kind, RouteKind::kConsolePage);
  EXPECT_EQ(Match("/?refresh=1").kind, RouteKind::kConsolePage);
  EXPECT_EQ(Match("/console").kind, RouteKind::kConsolePage);
  EXPECT_EQ(Match("/console/").kind, RouteKind::kConsolePage);
  Route asset = Match("/console/console.js?v=2");
  EXPECT_EQ(asset.kind, RouteKind::kConsoleAsset);
  EXPECT_EQ(asset.asset, "console.js");
  EXPECT_EQ(Match("/console/no%20such.css").asset, "no such.css");  // the handler says 404
  EXPECT_EQ(Match("/v2/console/state").kind, RouteKind::kConsoleState);
  EXPECT_EQ(AllowedMethod(RouteKind::kConsolePage), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kConsoleAsset), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kConsoleState), "GET");
  EXPECT_FALSE(MethodAllowed(RouteKind::kConsolePage, "POST"));
}

TEST(RestRouter, UnknownPathsAreNotFound) {
  for (std::string_view target :
       {"", "/v1", "/v2/", "/v2/health", "/v2/health/alive", "/v2/models", "/v2/models/",
        "/v2/models//ready", "/v2/models/m/versions", "/v2/models/m/versions/",
        "/v2/models/m/versions/1/2", "/v2/models/m/infer/x", "/v2/models/m/stats/x", "v2",
        "/v2/repository", "/v2/repository/index/x", "/v2/repository/models/m",
        "/v2/repository/models//load", "/v2/repository/models/m/reload",
        "/v2/systemsharedmemory", "/v2/systemsharedmemory/register",
        "/v2/systemsharedmemory/region//status", "/v2/systemsharedmemory/region/r",
        "/v2/systemsharedmemory/region/r/delete", "//", "/consoles", "/console/a/b",
        "/console//", "/v2/console", "/v2/console/state/x", "/v2/console/page"}) {
    absl::StatusOr<Route> route = MatchRoute(target);
    ASSERT_FALSE(route.ok()) << target;
    EXPECT_EQ(route.status().code(), absl::StatusCode::kNotFound) << target;
    EXPECT_THAT(std::string(route.status().message()), ::testing::StartsWith("no route for '"));
  }
}

TEST(RestRouter, MalformedEscapesAreInvalid) {
  for (std::string_view target :
       {"/v2/models/a%2", "/v2/models/a%zz/ready", "/v2/models/m/versions/%"}) {
    absl::StatusOr<Route> route = MatchRoute(target);
    ASSERT_FALSE(route.ok()) << target;
    EXPECT_EQ(route.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(route.status().message()),
                ::testing::HasSubstr("malformed percent-encoding in path segment"));
  }
}

TEST(RestRouter, EachRouteHasOneMethod) {
  EXPECT_EQ(AllowedMethod(RouteKind::kModelInfer), "POST");
  EXPECT_EQ(AllowedMethod(RouteKind::kModelMetadata), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kHealthReady), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kModelStats), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kModelConfig), "GET");
  EXPECT_EQ(AllowedMethod(RouteKind::kRepositoryIndex), "POST");
  EXPECT_EQ(AllowedMethod(RouteKind::kModelLoad), "POST");
  EXPECT_EQ(AllowedMethod(RouteKind::kModelUnload), "POST");
}

}  // namespace
}  // namespace tensord::http
