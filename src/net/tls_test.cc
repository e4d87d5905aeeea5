#include "net/tls.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "core/env/env.h"

namespace cairn::net {
namespace {

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

X509Ptr ParseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(x);
}

// Seconds from `now_unix` to `t` (negative: before).
int64_t SecondsFrom(int64_t now_unix, const ASN1_TIME* t) {
  int days = 0, secs = 0;
  ASN1_TIME* now = ASN1_TIME_set(nullptr, static_cast<time_t>(now_unix));
  EXPECT_EQ(ASN1_TIME_diff(&days, &secs, now, t), 1);
  ASN1_TIME_free(now);
  return int64_t{days} * 86400 + secs;
}

std::string SubjectAltNames(X509* cert) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  std::string out;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out += "DNS:" +
             std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                         ASN1_STRING_length(n->d.dNSName)) +
             " ";
    } else if (n->type == GEN_IPADD) {
      out += "IP(" + std::to_string(ASN1_STRING_length(n->d.iPAddress)) + " bytes) ";
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

TEST(TlsTest, SelfSignedIsAValidP256CertificateForItsKey) {
  SelfSignedOptions options;
  options.common_name = "cairn test";
  options.hosts = {"localhost", "127.0.0.1", "::1", "node.example"};
  auto creds = GenerateSelfSigned(options, kNow);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_TRUE(CheckTlsCredentials(*creds).ok());
  EXPECT_EQ(creds->certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(creds->private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);

  X509Ptr cert = ParseCert(creds->certificate_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  // Self-signed: issuer == subject, and the signature verifies with the certificate's own key.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(X509_verify(cert.get(), pub), 1);
  EXPECT_TRUE(EVP_PKEY_is_a(pub, "EC"));
  char group[64] = {};
  size_t group_len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(pub, group, sizeof(group), &group_len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);

  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "cairn test");
  EXPECT_EQ(SubjectAltNames(cert.get()),
            "DNS:localhost IP(4 bytes) IP(16 bytes) DNS:node.example ");
  EXPECT_EQ(SecondsFrom(kNow, X509_get0_notBefore(cert.get())), -3600);
  EXPECT_EQ(SecondsFrom(kNow, X509_get0_notAfter(cert.get())), 3650 * 86400);
  // A server certificate, not a CA.
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_NE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER, 0u);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);

  auto fingerprint = CertificateFingerprintSha256(creds->certificate_pem);
  ASSERT_TRUE(fingerprint.ok());
  EXPECT_EQ(fingerprint->size(), 32u * 3 - 1);
  unsigned char md[32];
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha256(), md, &n), 1);
  char first[3];
  std::snprintf(first, sizeof(first), "%02X", md[0]);
  EXPECT_EQ(fingerprint->substr(0, 3), std::string(first) + ":");
}

TEST(TlsTest, EachGenerationIsANewKeyAndSerial) {
  auto a = GenerateSelfSigned(SelfSignedOptions{}, kNow);
  auto b = GenerateSelfSigned(SelfSignedOptions{}, kNow);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->private_key_pem, b->private_key_pem);
  X509Ptr ca = ParseCert(a->certificate_pem), cb = ParseCert(b->certificate_pem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()), X509_get0_serialNumber(cb.get())),
            0);
  // A key with the other's certificate is refused.
  TlsCredentials mixed{a->certificate_pem, b->private_key_pem};
  Status s = CheckTlsCredentials(mixed);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("does not belong"), std::string_view::npos) << s;
  EXPECT_EQ(NewTlsServerContext(mixed).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(NewTlsServerContext(*a).ok());
}

TEST(TlsTest, BadInputsAreInvalidArguments) {
  SelfSignedOptions bad_host;
  bad_host.hosts = {"a,b"};
  EXPECT_EQ(GenerateSelfSigned(bad_host, kNow).status().code(), StatusCode::kInvalidArgument);
  SelfSignedOptions no_name;
  no_name.common_name = "";
  EXPECT_EQ(GenerateSelfSigned(no_name, kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTlsCredentials(TlsCredentials{"not a certificate", "not a key"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateFingerprintSha256("junk").status().code(), StatusCode::kInvalidArgument);
}

TEST(TlsTest, LoadReportsWhichFileIsWrong) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/d").ok());
  auto creds = GenerateSelfSigned(SelfSignedOptions{}, kNow);
  ASSERT_TRUE(creds.ok());
  ASSERT_TRUE(
      core::WriteFileAtomically(env.get(), "/d/cert.pem", AsBytes(creds->certificate_pem)).ok());
  ASSERT_TRUE(
      core::WriteFileAtomically(env.get(), "/d/key.pem", AsBytes(creds->private_key_pem)).ok());
  ASSERT_TRUE(core::WriteFileAtomically(env.get(), "/d/junk.pem", AsBytes("hello\n")).ok());

  auto loaded = LoadTlsCredentials(env.get(), "/d/cert.pem", "/d/key.pem");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->certificate_pem, creds->certificate_pem);
  EXPECT_EQ(loaded->private_key_pem, creds->private_key_pem);

  EXPECT_EQ(LoadTlsCredentials(env.get(), "/d/missing.pem", "/d/key.pem").status().code(),
            StatusCode::kNotFound);
  auto junk_cert = LoadTlsCredentials(env.get(), "/d/junk.pem", "/d/key.pem");
  EXPECT_EQ(junk_cert.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(junk_cert.status().message().find("/d/junk.pem"), std::string_view::npos);
  // The key file given where the certificate belongs, and the other way round.
  auto swapped = LoadTlsCredentials(env.get(), "/d/key.pem", "/d/cert.pem");
  EXPECT_EQ(swapped.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(swapped.status().message().find("/d/key.pem"), std::string_view::npos);
}

TEST(TlsTest, SelfSignedPairIsCreatedOnceAndReused) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/s").ok());
  bool created = false;
  auto first = LoadOrCreateSelfSigned(env.get(), "/s/tls-cert.pem", "/s/tls-key.pem",
                                      SelfSignedOptions{}, &created);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(created);
  auto again = LoadOrCreateSelfSigned(env.get(), "/s/tls-cert.pem", "/s/tls-key.pem",
                                      SelfSignedOptions{}, &created);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(created);
  EXPECT_EQ(again->certificate_pem, first->certificate_pem);
  EXPECT_EQ(again->private_key_pem, first->private_key_pem);
  // The certificate is valid from an hour before the Env's clock.
  X509Ptr cert = ParseCert(first->certificate_pem);
  int64_t now = static_cast<int64_t>(env->UnixMicros() / 1'000'000);
  EXPECT_NEAR(static_cast<double>(SecondsFrom(now, X509_get0_notBefore(cert.get()))), -3600, 5);

  // A lone key (a first start cut short before the certificate was written): a new pair.
  ASSERT_TRUE(env->DeleteFile("/s/tls-cert.pem").ok());
  auto fresh = LoadOrCreateSelfSigned(env.get(), "/s/tls-cert.pem", "/s/tls-key.pem",
                                      SelfSignedOptions{}, &created);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_TRUE(created);
  EXPECT_NE(fresh->private_key_pem, first->private_key_pem);

  // Both files there but not a pair: data loss, not a silent replacement.
  ASSERT_TRUE(
      core::WriteFileAtomically(env.get(), "/s/tls-key.pem", AsBytes(first->private_key_pem)).ok());
  auto broken = LoadOrCreateSelfSigned(env.get(), "/s/tls-cert.pem", "/s/tls-key.pem",
                                       SelfSignedOptions{}, &created);
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(broken.status().message().find("delete both files"), std::string_view::npos);
}

TEST(TlsTest, SelfSignedKeyFileIsOwnerOnly) {
  char tmpl[] = "/tmp/cairn_tls_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  core::Env* env = core::Env::Default();
  auto creds =
      LoadOrCreateSelfSigned(env, dir + "/tls-cert.pem", dir + "/tls-key.pem", SelfSignedOptions{});
  ASSERT_TRUE(creds.ok()) << creds.status();
  struct stat key_stat {};
  ASSERT_EQ(::stat((dir + "/tls-key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/tls-cert.pem"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::net
