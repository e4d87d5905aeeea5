#include "core/bytes.h"

#include <algorithm>

namespace cairn {

std::string HexEncode(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  std::string result(hex.size() / 2, '\0');
  for (size_t i = 0; i < result.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    result[i] = static_cast<char>((hi << 4) | lo);
  }
  *out = std::move(result);
  return true;
}

void Buffer::Reserve(size_t n) {
  if (n <= capacity_) return;
  size_t cap = std::max(n, capacity_ * 2);
  std::unique_ptr<uint8_t[]> fresh(new uint8_t[cap]);  // uninitialised on purpose
  if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
  data_ = std::move(fresh);
  capacity_ = cap;
}

void Buffer::Resize(size_t n) {
  size_t old = size_;
  ResizeUninitialized(n);
  if (n > old) std::memset(data_.get() + old, 0, n - old);
}

void Buffer::ResizeUninitialized(size_t n) {
  Reserve(n);
  size_ = n;
}

void Buffer::Append(ByteSpan bytes) {
  if (bytes.empty()) return;
  Reserve(size_ + bytes.size());
  std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

}  // namespace cairn
