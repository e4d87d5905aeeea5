#include "faces/session_rpc/message_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "faces/session_rpc/constants.h"

namespace cairn::session_rpc {
namespace {

// §6: the Session ID derived from the Ed25519 seed 00 01 ... 1f, and the 03 group key of the
// seed 32 x 0x42.
constexpr std::string_view kSessionId =
    "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
constexpr std::string_view kGroupId =
    "032152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12";

AccountId Account(std::string_view hex) { return AccountId::FromHex(hex).value(); }

TEST(MessageHashTest, Section61PublicInbox) {
  EXPECT_EQ(ComputeMessageHash(Account(kSessionId), 0, "hello"),
            "gwTFi7xJfaW/kuECEKV+HwjKWozToGIYTM7R9KyaH7M");
}

TEST(MessageHashTest, Section61OtherNamespaces) {
  EXPECT_EQ(ComputeMessageHash(Account(kSessionId), 3, "hello"),
            "5wnCd2q/GbRgycfyvb8WJ/DU5j9Y6tf6gTSc6jkr2g0");
  EXPECT_EQ(ComputeMessageHash(Account(kSessionId), -10, "hello"),
            "tUxj9kNPllEvqJ7WmABF6b+ZT36fwvVBFFhv+7sbCzk");
}

TEST(MessageHashTest, Section64ClosedGroup) {
  EXPECT_EQ(ComputeMessageHash(Account(kGroupId), 11, "hello"),
            "/qt6q3q59dbE8DUBwuMG8J3av3HaeEKQ8nF5NLsYa/0");
}

TEST(MessageHashTest, PrefixIsPartOfTheHash) {
  AccountId other = Account(kSessionId);
  other.prefix = 0x03;
  EXPECT_NE(ComputeMessageHash(other, 0, "hello"),
            ComputeMessageHash(Account(kSessionId), 0, "hello"));
}

TEST(MessageHashTest, ShapeAndValidity) {
  const std::string h = ComputeMessageHash(Account(kSessionId), 0, "");
  EXPECT_EQ(h.size(), kMessageHashChars);
  EXPECT_TRUE(IsValidMessageHash(h));
  EXPECT_FALSE(IsValidMessageHash(h + "="));
  EXPECT_FALSE(IsValidMessageHash(h.substr(1)));
  EXPECT_FALSE(IsValidMessageHash("gwTFi7xJfaW-kuECEKV+HwjKWozToGIYTM7R9KyaH7M"));  // URL-safe
  EXPECT_FALSE(IsValidMessageHash(""));
}

TEST(ConstantsTest, Section42Values) {
  EXPECT_EQ(kMaxMessageBytes, 76'800u);
  EXPECT_EQ(kMaxMessageBase64Chars, 102'400u);
  EXPECT_EQ(kMaxRequestBodyBytes, 10'485'760u);
  EXPECT_EQ(kTtlMinMs, 10'000);
  EXPECT_EQ(kTtlMaxPublicMs, 1'209'600'000);
  EXPECT_EQ(kTtlMaxPrivateMs, 2'592'000'000);
  EXPECT_EQ(kStoreToleranceMs, 10'000);
  EXPECT_EQ(kSignatureToleranceMs, 60'000);
  EXPECT_EQ(kSignatureToleranceForwardedMs, 70'000);
  EXPECT_EQ(kRetrieveMaxSize, 7'800'000);
  EXPECT_EQ(kRetrieveDefaultSize, 1'560'000);
  EXPECT_EQ(kBatchRequestMax, 20u);
  EXPECT_EQ(kMaxRevokedSubaccounts, 50u);
  EXPECT_EQ(kSubaccountTokenBytes, 36u);
}

TEST(ConstantsTest, NamespaceRules) {
  for (int n : {0, 10, -10, -30, 60, 32760, -32760})
    EXPECT_TRUE(IsPublicInboxNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {1, 3, -1, 11, -11, 5})
    EXPECT_FALSE(IsPublicInboxNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {-1, -21, -41, -32761})
    EXPECT_TRUE(IsPublicOutboxNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {1, 21, -20, -11, 0})
    EXPECT_FALSE(IsPublicOutboxNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {-10, -1, -21}) EXPECT_TRUE(IsNoAuthRetrieveNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {0, 10, -30, 3})
    EXPECT_FALSE(IsNoAuthRetrieveNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {-11, -111, -211}) EXPECT_TRUE(IsUnrevocableNamespace(static_cast<int16_t>(n))) << n;
  for (int n : {11, -1, -12, -32768})
    EXPECT_FALSE(IsUnrevocableNamespace(static_cast<int16_t>(n))) << n;
}

TEST(TypesTest, AccountIdRoundTrip) {
  const AccountId id = Account(kSessionId);
  EXPECT_EQ(id.prefix, 0x05);
  EXPECT_EQ(id.Hex(), kSessionId);
  EXPECT_EQ(id.Raw().size(), 33u);
  std::string upper(kSessionId);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(AccountId::FromHex(upper).value(), id);
}

TEST(TypesTest, AccountIdRejects) {
  EXPECT_FALSE(AccountId::FromHex(kSessionId.substr(2)).ok());  // 64 digits on mainnet
  EXPECT_FALSE(AccountId::FromHex(std::string(kSessionId) + "00").ok());
  EXPECT_FALSE(AccountId::FromHex("zz" + std::string(kSessionId.substr(2))).ok());
  EXPECT_EQ(AccountId::FromHex("").status().message(),
            "Pubkey must be 66 hex digits (33 bytes) long");
  // Testnet: 64 digits imply prefix 05.
  EXPECT_EQ(AccountId::FromHex(kSessionId.substr(2), /*testnet=*/true).value(),
            Account(kSessionId));
}

TEST(TypesTest, NamespaceSignatureString) {
  EXPECT_EQ(NamespaceSignatureString(int16_t{0}), "");
  EXPECT_EQ(NamespaceSignatureString(int16_t{3}), "3");
  EXPECT_EQ(NamespaceSignatureString(int16_t{-10}), "-10");
  EXPECT_EQ(NamespaceSignatureString(NamespaceSelector::All()), "all");
  EXPECT_EQ(NamespaceSignatureString(NamespaceSelector::One(0)), "");
  EXPECT_EQ(NamespaceSignatureString(NamespaceSelector::One(-32768)), "-32768");
}

TEST(TypesTest, ErrorFromStatus) {
  EXPECT_EQ(ErrorFromStatus(InvalidArgumentError("x")), (RpcError{400, "x"}));
  EXPECT_EQ(ErrorFromStatus(UnauthenticatedError("x")), (RpcError{401, "x"}));
  EXPECT_EQ(ErrorFromStatus(PermissionDeniedError("x")), (RpcError{403, "x"}));
  EXPECT_EQ(ErrorFromStatus(NotFoundError("x")), (RpcError{404, "x"}));
  EXPECT_EQ(ErrorFromStatus(OutOfRangeError("x")), (RpcError{406, "x"}));
  EXPECT_EQ(ErrorFromStatus(UnavailableError("x")), (RpcError{503, "x"}));
  EXPECT_EQ(ErrorFromStatus(IoError("disk on fire")), (RpcError{500, "request failed"}));
  EXPECT_EQ(ErrorFromStatus(DataLossError("x")), (RpcError{500, "request failed"}));
}

}  // namespace
}  // namespace cairn::session_rpc
