#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "neurite/error.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace nr {
namespace {

thread_local bool t_in_worker = false;

class ThreadPool {
 public:
  explicit ThreadPool(int n) { start(n); }
  ~ThreadPool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop();
    start(n);
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    int64_t chunks = std::min<int64_t>(size_, std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
    if (chunks <= 1 || t_in_worker) {
      fn(0, n);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    std::atomic<int64_t> next{0};
    std::atomic<int> remaining{static_cast<int>(chunks)};
    std::exception_ptr error;  // the first exception of any chunk, rethrown on the calling thread
    std::mutex error_mutex;
    std::function<void()> work = [&] {
      for (int64_t c; (c = next.fetch_add(1)) < chunks;) {
        try {
          fn(n * c / chunks, n * (c + 1) / chunks);
        } catch (...) {
          std::lock_guard<std::mutex> g(error_mutex);
          if (!error) error = std::current_exception();
        }
        remaining.fetch_sub(1);
      }
    };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &work;
      ++generation_;
    }
    cv_.notify_all();
    t_in_worker = true;
    work();
    t_in_worker = false;
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return remaining.load() == 0 && busy_ == 0; });
    job_ = nullptr;
    lock.unlock();
    if (error) std::rethrow_exception(error);
  }

 private:
  void start(int n) {
    size_ = n;
    quit_ = false;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { loop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void loop() {
    t_in_worker = true;
    std::unique_lock<std::mutex> lock(mutex_);
    uint64_t seen = generation_;
    for (;;) {
      cv_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      const std::function<void()>* job = job_;
      if (!job) continue;
      ++busy_;
      lock.unlock();
      (*job)();
      lock.lock();
      --busy_;
      done_cv_.notify_all();
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void()>* job_ = nullptr;
  uint64_t generation_ = 0;
  int busy_ = 0;
  bool quit_ = false;
};

int default_threads() {
  if (const char* env = std::getenv("NEURITE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool& pool() {
  static ThreadPool* p = [] {
    // OpenBLAS stays on one thread: large products are split over this pool instead (cpu/blas.h says why).
    openblas_set_num_threads(1);
    return new ThreadPool(default_threads());  // never destroyed: workers must outlive static destructors that may still run ops
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n < 1 || n > 1024) fail(Status::InvalidArgument, "set_num_threads: ", n, " is not between 1 and 1024");
  ThreadPool& p = pool();
  if (n != p.size()) p.resize(n);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  pool().run(n, grain, fn);
}

}  // namespace nr
