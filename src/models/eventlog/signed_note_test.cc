#include "models/eventlog/signed_note.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "core/env/env.h"

namespace cairn::eventlog {
namespace {

// Known-answer vectors of golang.org/x/mod/sumdb/note (note_test.go, BSD-3-Clause) and of the
// C2SP signed-note specification's example. Ed25519 is deterministic, so signing the same text
// with the same seed must give the published note byte for byte.
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
// The seed of PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz.
constexpr std::string_view kPeterSeedHex =
    "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
constexpr std::string_view kSpecVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecNote =
    "This is an example message.\n\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

std::string GoNote() { return std::string(kGoText) + "\n" + std::string(kPeterSig); }

NoteSigner PeterSigner() {
  std::string raw;
  EXPECT_TRUE(HexDecode(kPeterSeedHex, &raw));
  std::array<uint8_t, 32> seed;
  std::memcpy(seed.data(), raw.data(), 32);
  return NoteSigner::FromSeed(seed);
}

TEST(SignedNoteTest, VerifierKeysOfOtherImplementations) {
  for (std::string_view vkey : {kPeterVkey, kEnochVkey, kSpecVkey}) {
    auto v = ParseVerifierKey(vkey);
    ASSERT_TRUE(v.ok()) << vkey << ": " << v.status();
    EXPECT_EQ(FormatVerifierKey(v->name, v->key), vkey);
  }
  EXPECT_EQ(ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // wrong key ID
  EXPECT_FALSE(ParseVerifierKey("PeterNeumann+c74f20a3").ok());
  EXPECT_FALSE(ParseVerifierKey("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

TEST(SignedNoteTest, SignsExactlyLikeGo) {
  NoteSigner signer = PeterSigner();
  EXPECT_EQ(FormatVerifierKey("PeterNeumann", signer.public_key()), kPeterVkey);
  auto note = signer.Sign(kGoText, "PeterNeumann");
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, GoNote());
}

TEST(SignedNoteTest, OpensNotesOfOtherImplementations) {
  auto peter = ParseVerifierKey(kPeterVkey).value();
  auto enoch = ParseVerifierKey(kEnochVkey).value();
  auto n = OpenNote(GoNote(), peter.name, peter.key);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->text, kGoText);
  ASSERT_EQ(n->signatures.size(), 1u);
  EXPECT_EQ(n->signatures[0].key_id, 0xc74f20a3u);
  // A cosigned note: each key finds its own line, and ignores the other.
  const std::string both = GoNote() + std::string(kEnochSig);
  EXPECT_TRUE(OpenNote(both, peter.name, peter.key).ok());
  EXPECT_TRUE(OpenNote(both, enoch.name, enoch.key).ok());
  EXPECT_EQ(OpenNote(GoNote(), enoch.name, enoch.key).status().code(),
            StatusCode::kUnauthenticated);
  auto spec = ParseVerifierKey(kSpecVkey).value();
  auto s = OpenNote(kSpecNote, spec.name, spec.key);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->text, "This is an example message.\n");
}

TEST(SignedNoteTest, TamperingIsDetected) {
  auto peter = ParseVerifierKey(kPeterVkey).value();
  std::string note = GoNote();
  // Text changed.
  std::string t = note;
  t[t.find("cryptography")] = 'C';
  EXPECT_EQ(OpenNote(t, peter.name, peter.key).status().code(), StatusCode::kUnauthenticated);
  // Signature changed (still valid base64 of the right length).
  std::string s = note;
  const size_t sig = s.find("x08go");
  s[sig + 10] = s[sig + 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenNote(s, peter.name, peter.key).status().code(), StatusCode::kUnauthenticated);
  // A bad line of the key rejects the note even next to a good one.
  EXPECT_EQ(
      OpenNote(note + s.substr(s.rfind("\xE2\x80\x94")), peter.name, peter.key).status().code(),
      StatusCode::kUnauthenticated);
  // Another key with the same name: its key ID differs, so the line is not this key's.
  PublicKey other = peter.key;
  other[0] ^= 1;
  EXPECT_EQ(OpenNote(note, peter.name, other).status().code(), StatusCode::kUnauthenticated);
}

TEST(SignedNoteTest, MalformedNotesAreRejected) {
  const std::string sig(kPeterSig);
  const std::string text(kGoText);
  for (const std::string& bad : std::vector<std::string>{
           text,                                                   // no signatures
           text + "\n",                                            // blank line, no signatures
           text + sig,                                             // no blank line
           text + "\n" + sig.substr(0, sig.size() - 1),            // no final newline
           text + "\n" + "-- PeterNeumann x08go\n",                // not an em dash
           text + "\n" + "\xE2\x80\x94 PeterNeumann\n",            // no signature
           text + "\n" + "\xE2\x80\x94 Peter+Neumann AAAAAAA=\n",  // '+' in the name
           text + "\n" + "\xE2\x80\x94 PeterNeumann AAAA\n",       // under 5 bytes
           text + "\n" + "\xE2\x80\x94 PeterNeumann AAAAAAA\n",    // unpadded base64
           std::string("a\tb\n\n") + sig,                          // control character
           std::string("\xC3\x28\n\n") + sig,                      // invalid UTF-8
       }) {
    EXPECT_EQ(ParseNote(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) many += sig;
  EXPECT_EQ(ParseNote(many).status().code(), StatusCode::kInvalidArgument);
  // Blank lines inside the text are fine: the last blank line separates the signatures.
  auto n = ParseNote("a\n\nb\n\n" + sig);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->text, "a\n\nb\n");
}

TEST(SignedNoteTest, KeyNames) {
  EXPECT_TRUE(IsValidKeyName("example.com/log"));
  EXPECT_TRUE(IsValidKeyName("\xC3\xA9t\xC3\xA9"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(
      IsValidKeyName("a\xE2\x80\x83"
                     "b"));  // U+2003 em space
  EXPECT_FALSE(
      IsValidKeyName("a\xC2\xA0"
                     "b"));  // U+00A0
  NoteSigner signer = PeterSigner();
  EXPECT_EQ(signer.Sign("x\n", "a b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("no newline", "a").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("", "a").status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, FormatParseRoundTrip) {
  Checkpoint c;
  c.origin = "example.com/behind-the-sofa";
  c.size = 20852163;
  // The tlog-checkpoint specification's example.
  const std::string text =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto parsed = ParseCheckpoint(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->origin, c.origin);
  EXPECT_EQ(parsed->size, c.size);
  EXPECT_TRUE(parsed->extensions.empty());
  EXPECT_EQ(FormatCheckpoint(*parsed).value(), text);
  parsed->extensions.push_back(TimestampExtension(1700000000123456789ull));
  auto with = FormatCheckpoint(*parsed).value();
  EXPECT_EQ(with, text + "Timestamp: 1700000000123456789\n");
  auto back = ParseCheckpoint(with).value();
  EXPECT_EQ(CheckpointTimestamp(back), 1700000000123456789ull);
  EXPECT_EQ(CheckpointTimestamp(*ParseCheckpoint(text)), std::nullopt);
}

TEST(CheckpointTest, StrictParsing) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  EXPECT_TRUE(ParseCheckpoint("o\n0\n" + root + "\n").ok());
  for (const std::string& bad : std::vector<std::string>{
           "o\n1\n" + root,                                        // no final newline
           "o\n1\n",                                               // no root
           "\n1\n" + root + "\n",                                  // empty origin
           "o\n01\n" + root + "\n",                                // leading zero
           "o\n-1\n" + root + "\n",                                // sign
           "o\n1x\n" + root + "\n",                                // junk
           "o\n18446744073709551616\n" + root + "\n",              // overflow
           "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  // unpadded
           "o\n1\nAAAA\n",                                         // 3 bytes
           "o\n1\n" + root + "\n\n",                               // empty extension line
       }) {
    EXPECT_EQ(ParseCheckpoint(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CheckpointTest, SignedCheckpointRoundTripAndTamper) {
  NoteSigner signer = PeterSigner();
  Checkpoint c{"cairn.example/eventlog/orders", 7, {}, {TimestampExtension(5)}};
  c.root.fill(0xab);
  const std::string text = FormatCheckpoint(c).value();
  const std::string note = signer.Sign(text, c.origin).value();
  auto opened = OpenCheckpoint(note, signer.public_key());  // key name = origin
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->size, 7u);
  EXPECT_EQ(opened->root, c.root);
  EXPECT_EQ(CheckpointTimestamp(*opened), 5u);
  // A changed size does not verify.
  std::string bad = note;
  bad[bad.find("\n7\n") + 1] = '8';
  EXPECT_EQ(OpenCheckpoint(bad, signer.public_key()).status().code(), StatusCode::kUnauthenticated);
  // Signed under another key name.
  const std::string other = signer.Sign(text, "node-1").value();
  EXPECT_FALSE(OpenCheckpoint(other, signer.public_key()).ok());
  EXPECT_TRUE(OpenCheckpoint(other, signer.public_key(), "node-1").ok());
}

TEST(NoteSignerTest, LoadOrCreateKeepsAPrivateKeyFile) {
  namespace fs = std::filesystem;
  const std::string dir = ::testing::TempDir() + "/eventlog_key_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = dir + "/node-ed25519.key";
  core::Env* env = core::Env::Default();
  EXPECT_EQ(NoteSigner::LoadOrCreate(env, path, false).status().code(), StatusCode::kNotFound);
  bool created = false;
  auto a = NoteSigner::LoadOrCreate(env, path, true, &created);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(created);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = NoteSigner::LoadOrCreate(env, path, true, &created);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(created);
  EXPECT_EQ(a->public_key(), b->public_key());
  // A corrupt key file is refused, not replaced.
  ASSERT_TRUE(core::WriteFileAtomically(env, path, AsBytes("zz\n"), 0600).ok());
  EXPECT_EQ(NoteSigner::LoadOrCreate(env, path, true).status().code(), StatusCode::kDataLoss);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cairn::eventlog
