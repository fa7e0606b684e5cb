#include "gateway/runtime/worker_pool.h"

namespace across {

Worker::Worker(asio::ssl::context& ssl)
    : guard_(asio::make_work_guard(io_)), http_(io_.get_executor(), ssl) {}

WorkerPool::WorkerPool(int threads) : ssl_(HttpClient::MakeSslContext()) {
  if (threads <= 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
  }
  for (int i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(*ssl_));
  }
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread_ = std::thread([worker] { worker->io_.run(); });
  }
}

void WorkerPool::Stop() {
  for (auto& w : workers_) w->guard_.reset();
  for (auto& w : workers_) w->io_.stop();
  for (auto& w : workers_) {
    if (w->thread_.joinable()) w->thread_.join();
  }
}

Worker& WorkerPool::Next() {
  return *workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

}  // namespace across
