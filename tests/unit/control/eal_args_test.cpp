// EAL defaults: devices, hugepages, PCI, file prefix, lcores, log level.

#include "control/eal_args.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace taas::ctl {
namespace {

using ::testing::Contains;
using ::testing::Not;

Snapshot with_devices(std::initializer_list<const char*> devices, std::uint32_t workers = 1) {
  Snapshot s;
  for (const char* d : devices) {
    PortEntry p;
    p.device = d;
    s.ports.push_back(p);
  }
  s.params.workers = workers;
  return s;
}

HostFacts host(std::uint64_t hugepages, std::vector<int> cpus = {0, 1}) { return HostFacts{hugepages, cpus, 4242}; }

TEST(EalArgs, VdevsWithoutHugepagesGetNoHugeNoPciAndAPrefix) {
  const auto a = build_eal_args(with_devices({"net_pcap0,rx_pcap=a.pcap", "net_null0"}), {}, host(0), "info");
  EXPECT_EQ(a[0], "taasd");
  EXPECT_EQ(std::vector<std::string>(a.begin() + 1, a.begin() + 5),
            (std::vector<std::string>{"--vdev", "net_pcap0,rx_pcap=a.pcap", "--vdev", "net_null0"}));
  EXPECT_THAT(a, Contains("--no-huge"));
  EXPECT_THAT(a, Contains("512"));
  EXPECT_THAT(a, Contains("--no-pci"));
  EXPECT_THAT(a, Contains("--file-prefix=taasd-4242"));
  EXPECT_THAT(a, Contains("--lcores=0@0,1@1"));
  EXPECT_THAT(a, Contains("--log-level=notice"));
}

TEST(EalArgs, HugepagesAndPciDevicesKeepThoseDefaultsOff) {
  const auto a = build_eal_args(with_devices({"0000:3b:00.0", "net_vhost0,iface=/run/x.sock"}), {}, host(512), "debug");
  EXPECT_THAT(a, Contains("-a"));
  EXPECT_THAT(a, Contains("0000:3b:00.0"));
  EXPECT_THAT(a, Not(Contains("--no-huge")));
  EXPECT_THAT(a, Not(Contains("--no-pci")));
  EXPECT_THAT(a, Contains("--log-level=debug"));
}

TEST(EalArgs, OperatorChoicesWin) {
  Snapshot s = with_devices({"net_null0"}, 2);
  s.params.eal_args = {"-m", "1024"};
  const auto a = build_eal_args(s, {"-l", "0-2", "--file-prefix=mine", "--no-huge"}, host(0), "info");
  EXPECT_THAT(a, Not(Contains("512")));
  EXPECT_THAT(a, Contains("1024"));
  EXPECT_THAT(a, Contains("--file-prefix=mine"));
  EXPECT_THAT(a, Not(Contains("--file-prefix=taasd-4242")));
  for (const auto& x : a) EXPECT_EQ(x.rfind("--lcores", 0), std::string::npos) << x;
}

TEST(EalArgs, MoreWorkersThanCpusWrapAround) {
  const auto a = build_eal_args(with_devices({"net_null0"}, 3), {}, host(0, {2, 5}), "info");
  EXPECT_THAT(a, Contains("--lcores=0@2,1@5,2@2,3@5"));
}

TEST(EalArgs, PciDetectionAndDeviceNames) {
  EXPECT_TRUE(is_pci_device("0000:3b:00.0"));
  EXPECT_TRUE(is_pci_device("3b:00.1,rxq=2"));
  EXPECT_FALSE(is_pci_device("net_pcap0,rx_pcap=x"));
  EXPECT_EQ(device_name("3b:00.1,rxq=2"), "0000:3b:00.1");
  EXPECT_EQ(device_name("net_pcap0,rx_pcap=x"), "net_pcap0");
}

}  // namespace
}  // namespace taas::ctl
