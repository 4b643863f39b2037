// The thread count reaches OpenBLAS even when setting it is the first thing a process does.
#include "check.h"
#include "core/thread_pool.h"

extern "C" int openblas_get_num_threads(void);

TEST(set_num_threads_first_reaches_openblas) {
  nr::set_num_threads(1);
  CHECK(nr::num_threads() == 1);
  CHECK(openblas_get_num_threads() == 1);
  nr::set_num_threads(2);
  CHECK(openblas_get_num_threads() == 2);
  CHECK_THROWS(nr::set_num_threads(0), nr::Status::InvalidArgument, "set_num_threads");
}

TEST_MAIN()
