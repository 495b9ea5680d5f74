#include "repository/thread_plan.h"

#include <thread>

#include "gtest/gtest.h"

namespace tensord {
namespace {

TEST(PlanThreads, SharesTheUsableCoresBetweenInstances) {
  runtime::InstanceOptions one = PlanThreads({.instance_count = 1, .usable_cpus = 8});
  EXPECT_EQ(one.intra_op_threads, 8);
  EXPECT_EQ(one.inter_op_threads, 1);
  EXPECT_FALSE(one.allow_spinning);
  EXPECT_EQ(PlanThreads({.instance_count = 2, .usable_cpus = 8}).intra_op_threads, 4);
  EXPECT_EQ(PlanThreads({.instance_count = 3, .usable_cpus = 8}).intra_op_threads, 2);
}

TEST(DefaultFrontendThreads, HalfTheUsableCpusAtLeastOneAtMost32) {
  EXPECT_EQ(DefaultFrontendThreads(1), 1);
  EXPECT_EQ(DefaultFrontendThreads(2), 1);
  EXPECT_EQ(DefaultFrontendThreads(3), 1);
  EXPECT_EQ(DefaultFrontendThreads(4), 2);
  EXPECT_EQ(DefaultFrontendThreads(16), 8);
  EXPECT_EQ(DefaultFrontendThreads(256), 32);
  EXPECT_EQ(DefaultFrontendThreads(0), 1);
}

TEST(PlanThreads, NeverBelowOneThread) {
  EXPECT_EQ(PlanThreads({.instance_count = 4, .usable_cpus = 2}).intra_op_threads, 1);
  EXPECT_EQ(PlanThreads({.instance_count = 0, .usable_cpus = 0}).intra_op_threads, 1);
}

TEST(PlanThreads, AnExplicitRequestWins) {
  runtime::InstanceOptions o =
      PlanThreads({.instance_count = 4, .intra_op_threads = 3, .usable_cpus = 2});
  EXPECT_EQ(o.intra_op_threads, 3);
  EXPECT_FALSE(o.allow_spinning);  // oversubscribed: spinning would be worst here
}

TEST(PlanThreads, SpinningStaysOffEvenWithCoresToSpare) {
  EXPECT_FALSE(PlanThreads({.instance_count = 1, .usable_cpus = 64}).allow_spinning);
}

TEST(CgroupV2, CpuMax) {
  EXPECT_EQ(CpusFromCgroupV2CpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("200000 100000\n"), 2);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("150000 100000"), 2);  // 1.5 CPUs rounds up
  EXPECT_EQ(CpusFromCgroupV2CpuMax("50000 100000"), 1);
  EXPECT_EQ(CpusFromCgroupV2CpuMax(""), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("garbage"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("100 x"), std::nullopt);
}

TEST(CgroupV1, QuotaAndPeriod) {
  EXPECT_EQ(CpusFromCgroupV1("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV1("400000\n", "100000\n"), 4);
  EXPECT_EQ(CpusFromCgroupV1("250000", "100000"), 3);
  EXPECT_EQ(CpusFromCgroupV1("100000", "0"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV1("", "100000"), std::nullopt);
}

TEST(CgroupV2, PathFromProcSelfCgroup) {
  EXPECT_EQ(CgroupV2Path("0::/\n"), "/");
  EXPECT_EQ(CgroupV2Path("0::/kubepods/pod1/abc\n"), "/kubepods/pod1/abc");
  EXPECT_EQ(CgroupV2Path("12:cpu,cpuacct:/docker/x\n0::/system.slice\n"), "/system.slice");
  EXPECT_EQ(CgroupV2Path("12:cpu,cpuacct:/docker/x\n"), std::nullopt);
  EXPECT_EQ(CgroupV2Path(""), std::nullopt);
}

TEST(UsableCpus, AtLeastOneAndNoMoreThanTheHost) {
  const int cpus = UsableCpus();
  EXPECT_GE(cpus, 1);
  EXPECT_LE(cpus, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace tensord
