#include "models/eventlog/signed_note.h"

#include <sodium.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/bytes.h"
#include "core/env/env.h"
#include "models/eventlog/internal/sha256.h"

namespace cairn::eventlog {
namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 em dash, space
constexpr uint8_t kEd25519 = 0x01;
constexpr size_t kMaxSignatures = 100;  // as Go's sumdb/note
constexpr std::string_view kTimestampPrefix = "Timestamp: ";

bool EnsureSodium() { return sodium_init() >= 0; }

std::string Base64(ByteSpan raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Standard, padded base64; only the canonical encoding of the decoded bytes is accepted.
bool FromBase64(std::string_view text, std::string* raw) {
  raw->assign(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (text.empty() ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(raw->data()), raw->size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  raw->resize(len);
  return Base64(AsBytes(*raw)) == text;
}

// Decodes one UTF-8 code point at s[*i]; false on an invalid sequence.
bool NextCodePoint(std::string_view s, size_t* i, uint32_t* cp) {
  const auto b0 = static_cast<uint8_t>(s[*i]);
  int n = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    *cp = b0;
    ++*i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 1, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return false;
  }
  if (*i + n >= s.size()) return false;
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<uint8_t>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return false;
  *i += n + 1;
  return true;
}

bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Valid UTF-8 with no control character (below U+0020) other than newline when `newlines`.
bool IsCleanText(std::string_view s, bool newlines) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    if (!NextCodePoint(s, &i, &cp)) return false;
    if (cp < 0x20 && !(newlines && cp == '\n')) return false;
  }
  return true;
}

Status CheckNoteText(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return InvalidArgumentError("note text must end with a newline");
  }
  if (!IsCleanText(text, true)) {
    return InvalidArgumentError("note text must be UTF-8 without control characters");
  }
  return Status();
}

bool ParseDecimal(std::string_view s, uint64_t* v) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

// --- Checkpoints ----------------------------------------------------------------------------

Result<std::string> FormatCheckpoint(const Checkpoint& c) {
  if (c.origin.empty() || !IsCleanText(c.origin, false)) {
    return InvalidArgumentError("checkpoint origin must be non-empty UTF-8 text on one line");
  }
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" + Base64(c.root) + "\n";
  for (const std::string& ext : c.extensions) {
    if (ext.empty() || !IsCleanText(ext, false)) {
      return InvalidArgumentError("checkpoint extension lines must be non-empty single lines");
    }
    out += ext + "\n";
  }
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return InvalidArgumentError("checkpoint text must end with a newline");
  }
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() < 3) return InvalidArgumentError("checkpoint needs origin, size and root lines");
  Checkpoint c;
  if (lines[0].empty() || !IsCleanText(lines[0], false)) {
    return InvalidArgumentError("checkpoint origin line is empty or malformed");
  }
  c.origin = std::string(lines[0]);
  if (!ParseDecimal(lines[1], &c.size)) {
    return InvalidArgumentError("checkpoint size line is not a decimal number");
  }
  std::string raw;
  if (!FromBase64(lines[2], &raw) || raw.size() != c.root.size()) {
    return InvalidArgumentError("checkpoint root line is not the base64 of a 32-byte hash");
  }
  std::memcpy(c.root.data(), raw.data(), raw.size());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty() || !IsCleanText(lines[i], false)) {
      return InvalidArgumentError("checkpoint extension line is empty or malformed");
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

std::string TimestampExtension(uint64_t unix_nanos) {
  return std::string(kTimestampPrefix) + std::to_string(unix_nanos);
}

std::optional<uint64_t> CheckpointTimestamp(const Checkpoint& c) {
  for (const std::string& ext : c.extensions) {
    uint64_t v;
    if (ext.starts_with(kTimestampPrefix) &&
        ParseDecimal(std::string_view(ext).substr(kTimestampPrefix.size()), &v)) {
      return v;
    }
  }
  return std::nullopt;
}

// --- Keys -----------------------------------------------------------------------------------

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp;
    if (!NextCodePoint(name, &i, &cp) || cp < 0x20 || cp == 0x7F || cp == '+' ||
        IsUnicodeSpace(cp)) {
      return false;
    }
  }
  return true;
}

uint32_t Ed25519KeyId(std::string_view key_name, const PublicKey& key) {
  const uint8_t sep[2] = {'\n', kEd25519};
  const internal::Digest d =
      internal::Sha256::ThreadLocal().Hash(AsBytes(key_name), ByteSpan(sep, 2), ByteSpan(key));
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
}

std::string FormatVerifierKey(std::string_view key_name, const PublicKey& key) {
  uint8_t typed[33];
  typed[0] = kEd25519;
  std::memcpy(typed + 1, key.data(), key.size());
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", Ed25519KeyId(key_name, key));
  return std::string(key_name) + "+" + id + "+" + Base64(ByteSpan(typed, sizeof(typed)));
}

Result<VerifierKey> ParseVerifierKey(std::string_view vkey) {
  const size_t p1 = vkey.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return InvalidArgumentError("verifier key: want name+id+key");
  VerifierKey v;
  v.name = std::string(vkey.substr(0, p1));
  const std::string_view id_hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  std::string raw;
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(id_hex.data(), id_hex.data() + id_hex.size(), id, 16);
  if (!IsValidKeyName(v.name) || id_hex.size() != 8 || ec != std::errc() ||
      end != id_hex.data() + id_hex.size() || !FromBase64(vkey.substr(p2 + 1), &raw)) {
    return InvalidArgumentError("verifier key is malformed");
  }
  if (raw.size() != 33 || static_cast<uint8_t>(raw[0]) != kEd25519) {
    return InvalidArgumentError("verifier key is not an Ed25519 key");
  }
  std::memcpy(v.key.data(), raw.data() + 1, 32);
  if (Ed25519KeyId(v.name, v.key) != id) {
    return InvalidArgumentError("verifier key ID does not match its name and key");
  }
  return v;
}

// --- Notes ----------------------------------------------------------------------------------

Result<Note> ParseNote(std::string_view note) {
  if (!IsCleanText(note, true)) {
    return InvalidArgumentError("signed note must be UTF-8 without control characters");
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos || note.back() != '\n') {
    return InvalidArgumentError("signed note has no signature block");
  }
  Note n;
  n.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return InvalidArgumentError("signed note has no signature lines");
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // sigs ends with '\n'
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (!line.starts_with(kSigPrefix)) {
      return InvalidArgumentError("signed note has a malformed signature line");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    std::string raw;
    if (space == std::string_view::npos || !IsValidKeyName(line.substr(0, space)) ||
        !FromBase64(line.substr(space + 1), &raw) || raw.size() < 5) {
      return InvalidArgumentError("signed note has a malformed signature line");
    }
    if (n.signatures.size() == kMaxSignatures) {
      return InvalidArgumentError("signed note has more than 100 signatures");
    }
    NoteSignature sig;
    sig.key_name = std::string(line.substr(0, space));
    const auto* b = reinterpret_cast<const uint8_t*>(raw.data());
    sig.key_id = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
    sig.signature = raw.substr(4);
    n.signatures.push_back(std::move(sig));
  }
  return n;
}

Result<Note> OpenNote(std::string_view note, std::string_view key_name, const PublicKey& key) {
  if (!EnsureSodium()) return InternalError("libsodium failed to initialise");
  CAIRN_ASSIGN_OR_RETURN(Note n, ParseNote(note));
  const uint32_t id = Ed25519KeyId(key_name, key);
  bool verified = false;
  for (const NoteSignature& sig : n.signatures) {
    if (sig.key_name != key_name || sig.key_id != id) continue;  // someone else's signature
    if (sig.signature.size() != crypto_sign_BYTES ||
        crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.signature.data()),
                                    reinterpret_cast<const unsigned char*>(n.text.data()),
                                    n.text.size(), key.data()) != 0) {
      return UnauthenticatedError("signed note: the signature by " + std::string(key_name) +
                                  " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    return UnauthenticatedError("signed note carries no signature by " + std::string(key_name));
  }
  return n;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const PublicKey& key,
                                  std::string_view key_name) {
  std::string name(key_name);
  if (name.empty()) {
    CAIRN_ASSIGN_OR_RETURN(Note unverified, ParseNote(note));
    CAIRN_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(unverified.text));
    name = c.origin;
  }
  CAIRN_ASSIGN_OR_RETURN(Note n, OpenNote(note, name, key));
  return ParseCheckpoint(n.text);
}

// --- Signer ---------------------------------------------------------------------------------

Result<NoteSigner> NoteSigner::LoadOrCreate(core::Env* env, const std::string& path, bool create,
                                            bool* created) {
  if (!EnsureSodium()) return InternalError("libsodium failed to initialise");
  if (created != nullptr) *created = false;
  NoteSigner s;
  if (env->FileExists(path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, core::ReadFileToString(env, path));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string raw;
    if (!HexDecode(text, &raw) || raw.size() != s.secret_.size()) {
      return DataLossError(path + ": not a 64-byte hex Ed25519 secret key");
    }
    std::memcpy(s.secret_.data(), raw.data(), raw.size());
    PublicKey derived;
    std::array<uint8_t, 64> check;
    crypto_sign_seed_keypair(derived.data(), check.data(), s.secret_.data());
    if (std::memcmp(derived.data(), s.secret_.data() + 32, 32) != 0) {
      return DataLossError(path + ": the public half does not belong to the seed");
    }
    s.public_ = derived;
    return s;
  }
  if (!create) return NotFoundError(path + " does not exist");
  crypto_sign_keypair(s.public_.data(), s.secret_.data());
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, path, AsBytes(HexEncode(ByteSpan(s.secret_)) + "\n"), 0600));
  if (created != nullptr) *created = true;
  return s;
}

NoteSigner NoteSigner::FromSeed(const std::array<uint8_t, 32>& seed) {
  EnsureSodium();
  NoteSigner s;
  crypto_sign_seed_keypair(s.public_.data(), s.secret_.data(), seed.data());
  return s;
}

Result<std::string> NoteSigner::SignatureLine(std::string_view text,
                                              std::string_view key_name) const {
  CAIRN_RETURN_IF_ERROR(CheckNoteText(text));
  if (!IsValidKeyName(key_name)) {
    return InvalidArgumentError("key name must be non-empty, without spaces or '+'");
  }
  uint8_t blob[4 + crypto_sign_BYTES];
  const uint32_t id = Ed25519KeyId(key_name, public_);
  blob[0] = static_cast<uint8_t>(id >> 24);
  blob[1] = static_cast<uint8_t>(id >> 16);
  blob[2] = static_cast<uint8_t>(id >> 8);
  blob[3] = static_cast<uint8_t>(id);
  crypto_sign_detached(blob + 4, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), secret_.data());
  return std::string(kSigPrefix) + std::string(key_name) + " " +
         Base64(ByteSpan(blob, sizeof(blob))) + "\n";
}

Result<std::string> NoteSigner::Sign(std::string_view text, std::string_view key_name) const {
  CAIRN_ASSIGN_OR_RETURN(std::string line, SignatureLine(text, key_name));
  std::string note(text);
  note += "\n";
  note += line;
  return note;
}

}  // namespace cairn::eventlog
