// Byte spans and an owning byte buffer.
//
// ByteSpan / MutableByteSpan are non-owning views (std::span of uint8_t). Buffer is an owning,
// growable byte array that does not zero-fill when grown with ResizeUninitialized, for I/O paths
// that are about to overwrite the bytes anyway.
//
// Thread safety: views and Buffers are values; no internal synchronisation.
#ifndef CAIRN_CORE_BYTES_H_
#define CAIRN_CORE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace cairn {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsStringView(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// Lower-case hex of `bytes`.
std::string HexEncode(ByteSpan bytes);
// Decodes hex (either case) into `out`; false on odd length or a non-hex digit.
bool HexDecode(std::string_view hex, std::string* out);

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t size) { Resize(size); }
  explicit Buffer(ByteSpan bytes) { Append(bytes); }
  Buffer(const Buffer& other) : Buffer(other.span()) {}
  Buffer& operator=(const Buffer& other) {
    if (this != &other) {
      Clear();
      Append(other.span());
    }
    return *this;
  }
  Buffer(Buffer&& other) noexcept
      : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
    other.size_ = other.capacity_ = 0;
  }
  Buffer& operator=(Buffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
    return *this;
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  ByteSpan span() const { return ByteSpan(data_.get(), size_); }
  MutableByteSpan mutable_span() { return MutableByteSpan(data_.get(), size_); }
  std::string_view view() const { return AsStringView(span()); }
  uint8_t& operator[](size_t i) { return data_[i]; }
  uint8_t operator[](size_t i) const { return data_[i]; }

  void Clear() { size_ = 0; }
  void Reserve(size_t n);
  // New bytes are zero.
  void Resize(size_t n);
  // New bytes are left uninitialised (the caller overwrites them).
  void ResizeUninitialized(size_t n);
  void Append(ByteSpan bytes);
  void Append(std::string_view s) { Append(AsBytes(s)); }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_CORE_BYTES_H_
