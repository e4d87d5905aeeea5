// SmallString: a 24-byte byte string for the KV store's keys and string values. Up to 23 bytes
// live inside the object (no allocation: most keys and many values); longer ones in an owned
// std::string on the heap, which MutableString() also returns for in-place edits (APPEND,
// SETRANGE) so growing a long value costs what growing a std::string costs.
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
  SmallString(std::string&& s) {
    if (s.size() <= kInlineCapacity) {
      Init(s);
    } else {
      SetHeap(new std::string(std::move(s)));
    }
  }
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
    if (is_heap()) return *heap();
    return std::string_view(bytes_, static_cast<size_t>(bytes_[kTag]));
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
      SetHeap(s);
    }
    return *heap();
  }
  // Moves the contents back inline when they fit (after MutableString() edits).
  void Compact() {
    if (is_heap() && heap()->size() <= kInlineCapacity) {
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
  static constexpr size_t kTag = 23;        // bytes_[23]: inline length, or kHeapTag
  static constexpr char kHeapTag = '\x7f';  // larger than any inline length

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
    if (s.size() <= kInlineCapacity) {
      std::memset(bytes_, 0, sizeof(bytes_));
      if (!s.empty()) std::memcpy(bytes_, s.data(), s.size());
      bytes_[kTag] = static_cast<char>(s.size());
    } else {
      SetHeap(new std::string(s));
    }
  }
  void Free() {
    if (is_heap()) delete heap();
  }

  char bytes_[24];
};

static_assert(sizeof(SmallString) == 24);

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_SMALL_STRING_H_
