// gtest main for the dataplane tests: EAL once per binary, under --no-huge,
// with a unique file prefix whose runtime folder is removed at the end.

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::vector<std::string> args{"taas-dptest", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                                  "--log-level=error",
                                  "--file-prefix=taas-dptest-" + std::to_string(getpid())};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0) << "EAL init failed";
    runtime_dir_ = rte_eal_get_runtime_dir();
  }
  void TearDown() override {
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir_, ec);
  }

 private:
  std::string runtime_dir_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new EalEnvironment);
  return RUN_ALL_TESTS();
}
