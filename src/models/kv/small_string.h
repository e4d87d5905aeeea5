// SmallString: a 24-byte byte string for the KV store's keys and string values. Up to 23 bytes
// live inside the object (no allocation: most keys and many values); longer ones in one exact-
// size heap block (pointer and length in the object: one cache miss to the bytes). For in-place
// edits (APPEND, SETRANGE) MutableString() switches to an owned std::string, so growing a long
// value costs what growing a std::string costs.
//
// Thread safety: a plain value.
#ifndef CAIRN_MODELS_KV_SMALL_STRING_H_
#define CAIRN_MODELS_KV_SMALL_STRING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::kv {

class SmallString {
 public:
  static constexpr size_t kInlineCapacity = 23;

  SmallString() { Clear(); }
  SmallString(std::string_view s) { Init(s); }  // NOLINT: implicit, like std::string
  SmallString(const char* s) : SmallString(std::string_view(s)) {}
  SmallString(const std::string& s) : SmallString(std::string_view(s)) {}
  SmallString(std::string&& s) { Init(s); }
  SmallString(const SmallString& other) { Init(other.view()); }
  SmallString(SmallString&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, sizeof(bytes_));
    other.Clear();
  }
  SmallString& operator=(const SmallString& other) {
    if (this != &other) *this = SmallString(other);
    return *this;
  }
  SmallString& operator=(SmallString&& other) noexcept {
    if (this != &other) {
      Free();
      std::memcpy(bytes_, other.bytes_, sizeof(bytes_));
      other.Clear();
    }
    return *this;
  }
  ~SmallString() { Free(); }

  std::string_view view() const {
    char tag = bytes_[kTag];
    if (tag == kBlockTag) {
      const char* p;
      uint64_t n;
      std::memcpy(&p, bytes_, sizeof(p));
      std::memcpy(&n, bytes_ + 8, sizeof(n));
      return std::string_view(p, n);
    }
    if (tag == kHeapTag) return *heap();
    return std::string_view(bytes_, static_cast<size_t>(tag));
  }
  operator std::string_view() const { return view(); }  // NOLINT: implicit by design
  std::string str() const { return std::string(view()); }
  size_t size() const { return view().size(); }
  bool empty() const { return size() == 0; }
  const char* data() const { return view().data(); }

  // The contents as a std::string to edit in place; the string moves to the heap if it was
  // inline. Valid until the SmallString is next assigned or destroyed.
  std::string& MutableString() {
    if (!is_heap()) {
      auto* s = new std::string(view());
      Free();
      SetHeap(s);
    }
    return *heap();
  }
  // Back to the compact forms after MutableString() edits.
  void Compact() {
    if (is_heap()) {
      std::string* s = heap();
      Init(*s);
      delete s;
    }
  }

  friend bool operator==(const SmallString& a, const SmallString& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const SmallString& a, std::string_view b) { return a.view() == b; }

 private:
  static constexpr size_t kTag = 23;         // bytes_[23]: inline length, kBlockTag or kHeapTag
  static constexpr char kBlockTag = '\x7e';  // bytes_[0, 16): char* to new char[n], uint64 n
  static constexpr char kHeapTag = '\x7f';   // bytes_[0, 8): an owned std::string*

  bool is_heap() const { return bytes_[kTag] == kHeapTag; }
  std::string* heap() const {
    std::string* p;
    std::memcpy(&p, bytes_, sizeof(p));
    return p;
  }
  void SetHeap(std::string* s) {
    std::memcpy(bytes_, &s, sizeof(s));
    bytes_[kTag] = kHeapTag;
  }
  void Clear() { std::memset(bytes_, 0, sizeof(bytes_)); }
  // Precondition: nothing owned (freshly constructed or freed).
  void Init(std::string_view s) {
    std::memset(bytes_, 0, sizeof(bytes_));
    if (s.size() <= kInlineCapacity) {
      if (!s.empty()) std::memcpy(bytes_, s.data(), s.size());
      bytes_[kTag] = static_cast<char>(s.size());
    } else {
      char* p = new char[s.size()];
      std::memcpy(p, s.data(), s.size());
      uint64_t n = s.size();
      std::memcpy(bytes_, &p, sizeof(p));
      std::memcpy(bytes_ + 8, &n, sizeof(n));
      bytes_[kTag] = kBlockTag;
    }
  }
  void Free() {
    if (is_heap()) {
      delete heap();
    } else if (bytes_[kTag] == kBlockTag) {
      char* p;
      std::memcpy(&p, bytes_, sizeof(p));
      delete[] p;
    }
  }

  char bytes_[24];
};

static_assert(sizeof(SmallString) == 24);

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_SMALL_STRING_H_
