// Signed notes (https://c2sp.org/signed-note) and transparency-log checkpoints
// (https://c2sp.org/tlog-checkpoint): the text form of the event log's signed tree heads, which
// any note/checkpoint tool (Go's sumdb/note, transparency-dev/formats, ...) can parse and verify.
//
// A checkpoint note, as the event log signs it:
//
//   cairn.example.com/eventlog/orders          origin: the log's identity (origin prefix/stream)
//   1234                                       tree size, decimal
//   qJ0mZ0UwOhXg...Q=                          root hash, base64 (RFC 4648 standard, padded)
//   Timestamp: 1700000000123456000             extension line: signing time, Unix nanoseconds
//                                              (a blank line ends the signed text)
//   — cairn.example.com/eventlog/orders AbCdEf...   em dash, key name, base64(key ID || signature)
//
// Ed25519 only (signature type 0x01): key ID = first 4 bytes (big-endian) of
// SHA-256(key name || 0x0A || 0x01 || public key); the signature covers the note text including
// its final newline. A verifier key is "<name>+<hex key ID>+<base64(0x01 || public key)>".
//
// Thread safety: pure functions; a NoteSigner is immutable and may sign from any thread.
#ifndef CAIRN_MODELS_EVENTLOG_SIGNED_NOTE_H_
#define CAIRN_MODELS_EVENTLOG_SIGNED_NOTE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "models/eventlog/tree_page.h"

namespace cairn::core {
class Env;
}

namespace cairn::eventlog {

using PublicKey = std::array<uint8_t, 32>;

// --- Checkpoint text ---

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extension lines, without their newlines
};

// The note text of `c` (each line newline-terminated). Errors: kInvalidArgument when the origin
// is empty or holds a control character, or an extension line is empty or holds one.
Result<std::string> FormatCheckpoint(const Checkpoint& c);
// Parses checkpoint text: origin, size (decimal, no leading zeroes), root (canonical base64 of
// 32 bytes), then extension lines. Errors: kInvalidArgument.
Result<Checkpoint> ParseCheckpoint(std::string_view text);
// "Timestamp: <unix nanoseconds>", the extension line the event log adds (the convention of
// Sigstore's Rekor checkpoints).
std::string TimestampExtension(uint64_t unix_nanos);
// The value of a Timestamp extension; nullopt when there is none (or it is malformed).
std::optional<uint64_t> CheckpointTimestamp(const Checkpoint& c);

// --- Notes ---

struct NoteSignature {
  std::string key_name;
  uint32_t key_id = 0;    // the first four signature bytes, big-endian
  std::string signature;  // the bytes after the key ID (64 for Ed25519)
};

struct Note {
  std::string text;  // including its final newline
  std::vector<NoteSignature> signatures;
};

// True for a valid key name: non-empty UTF-8 with no Unicode space and no '+'.
bool IsValidKeyName(std::string_view name);
uint32_t Ed25519KeyId(std::string_view key_name, const PublicKey& key);
std::string FormatVerifierKey(std::string_view key_name, const PublicKey& key);

struct VerifierKey {
  std::string name;
  PublicKey key{};
};
// Parses "<name>+<hex key ID>+<base64(0x01 || key)>". Errors: kInvalidArgument (malformed, not
// Ed25519, or a key ID that does not match the name and key).
Result<VerifierKey> ParseVerifierKey(std::string_view vkey);

// Splits a signed note into its text and signature lines, checking the format: valid UTF-8, no
// control characters but newlines, text ending in a newline, a blank line, 1 to 100 well-formed
// signature lines. Errors: kInvalidArgument.
Result<Note> ParseNote(std::string_view note);

// Parses `note` and checks that it carries a valid Ed25519 signature by (key_name, key).
// Signature lines of other keys are ignored; a line of this key that fails to verify rejects the
// note (the spec's rule). Errors: kInvalidArgument (malformed note), kUnauthenticated (no valid
// signature by that key, or a bad one).
Result<Note> OpenNote(std::string_view note, std::string_view key_name, const PublicKey& key);
// OpenNote, then ParseCheckpoint of its text. With an empty `key_name` the checkpoint's origin is
// taken as the key name (the event log's default). Errors: as OpenNote and ParseCheckpoint.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const PublicKey& key,
                                  std::string_view key_name = {});

// An Ed25519 key pair that signs notes.
class NoteSigner {
 public:
  // Loads the key pair kept at `path`: the 64-byte libsodium secret key (seed || public key) as
  // 128 lower-case hex digits and a newline. When the file is missing and `create` is set,
  // generates a key pair and writes it atomically with mode 0600; *created tells which happened.
  // Errors: kNotFound (missing, !create), kDataLoss (malformed or inconsistent), Env errors.
  static Result<NoteSigner> LoadOrCreate(core::Env* env, const std::string& path, bool create,
                                         bool* created = nullptr);
  // The key pair of a 32-byte seed (tests, tools).
  static NoteSigner FromSeed(const std::array<uint8_t, 32>& seed);

  const PublicKey& public_key() const { return public_; }

  // The signed note: `text`, a blank line and this key's signature line.
  // Errors: kInvalidArgument (text empty, not newline-terminated, invalid UTF-8 or holding a
  // control character; invalid key name).
  Result<std::string> Sign(std::string_view text, std::string_view key_name) const;
  // Only the signature line ("— name base64\n"), e.g. to add to another signer's note.
  Result<std::string> SignatureLine(std::string_view text, std::string_view key_name) const;

 private:
  NoteSigner() = default;

  std::array<uint8_t, 64> secret_{};  // seed || public key
  PublicKey public_{};
};

}  // namespace cairn::eventlog

#endif  // CAIRN_MODELS_EVENTLOG_SIGNED_NOTE_H_
