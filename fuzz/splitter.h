// Splitter: fuzz-chosen piece sizes for feeding an input to a streaming parser in pieces.
// Sizes are in [0, max_piece], from a small xorshift seeded by the fuzz input; never two empty
// pieces in a row, so a split run always progresses.
#ifndef CAIRN_FUZZ_SPLITTER_H_
#define CAIRN_FUZZ_SPLITTER_H_

#include <cstddef>
#include <cstdint>

namespace cairn::fuzz {

class Splitter {
 public:
  Splitter(size_t max_piece, uint32_t seed) : max_piece_(max_piece), state_(seed | 1) {}
  size_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    size_t n = state_ % (max_piece_ + 1);
    if (n == 0 && last_empty_) n = 1;
    last_empty_ = n == 0;
    return n;
  }

 private:
  size_t max_piece_;
  uint32_t state_;
  bool last_empty_ = false;
};

}  // namespace cairn::fuzz

#endif  // CAIRN_FUZZ_SPLITTER_H_
