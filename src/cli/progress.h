// A one-line progress bar on stderr ("hash  42% [#####     ] 1.2 GiB/3.0 GiB 2.1 GB/s"), drawn
// only when stderr is a terminal, redrawn at most ten times a second.
//
// Thread safety: one thread per ProgressBar.
#ifndef CAIRN_CLI_PROGRESS_H_
#define CAIRN_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace cairn::cli {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op.
  ProgressBar(std::string label, uint64_t total, bool enabled);
  ~ProgressBar();  // Finish()
  void Update(uint64_t done);
  // Clears the line.
  void Finish();

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// True when stderr is a terminal.
bool StderrIsTty();
// "1.5 GiB"
std::string HumanBytes(double bytes);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_PROGRESS_H_
