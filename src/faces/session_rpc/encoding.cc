#include "faces/session_rpc/encoding.h"

#include <array>
#include <cstdint>

namespace cairn::session_rpc {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decoded 6-bit value of each byte, or -1 for a byte outside the standard alphabet.
constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

std::string Encode(ByteSpan bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t v = uint32_t{bytes[i]} << 16;
  if (rest == 2) v |= uint32_t{bytes[i + 1]} << 8;
  out.push_back(kAlphabet[v >> 18]);
  out.push_back(kAlphabet[(v >> 12) & 63]);
  if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  if (pad) out.append(rest == 1 ? "==" : "=");
  return out;
}

// `text` without the padding IsBase64 allows (1 or 2 '=' making the length a multiple of 4).
std::string_view StripPadding(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return text;
  if (text.back() == '=') text.remove_suffix(1);
  if (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string Base64Encode(ByteSpan bytes) { return Encode(bytes, /*pad=*/true); }
std::string Base64EncodeUnpadded(ByteSpan bytes) { return Encode(bytes, /*pad=*/false); }

bool IsBase64(std::string_view text) {
  if (text.size() % 4 == 1) return false;
  for (char c : StripPadding(text)) {
    if (kDecode[static_cast<uint8_t>(c)] < 0) return false;
  }
  return true;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (!IsBase64(text)) return InvalidArgumentError("not base64");
  const std::string_view digits = StripPadding(text);
  std::string out;
  out.reserve(digits.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : digits) {
    acc = (acc << 6) | static_cast<uint32_t>(kDecode[static_cast<uint8_t>(c)]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits (2 or 4) of the last character are ignored, even when not zero (upstream).
  return out;
}

bool IsHex(std::string_view text) {
  if (text.size() % 2 != 0) return false;
  for (char c : text) {
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

}  // namespace cairn::session_rpc
