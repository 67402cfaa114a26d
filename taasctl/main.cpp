// taasctl: the control-socket client for taasd (DESIGN.md §6). Everything
// but reading the environment lives in taasctl_lib, where tests reach it.

#include <cstdlib>
#include <iostream>

#include "taasctl/run.hpp"

int main(int argc, char** argv) {
  return taas::ctl::cli::taasctl_main(argc, argv, std::getenv("TAASD_SOCKET"), std::cout, std::cerr);
}
