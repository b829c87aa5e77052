#include "objstore/s3/xml.h"

#include <gtest/gtest.h>

#include <random>

namespace strata::s3 {
namespace {

TEST(XmlTest, FindsElementsWithAttributesAndSelfClosingTags) {
  std::string_view xml =
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"x\"><KeyCount>2</KeyCount>"
      "<Contents><Key>a&amp;b</Key><Size>3</Size></Contents>"
      "<Contents><Key/><Size>0</Size></Contents><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>";
  auto root = XmlFind(xml, "ListBucketResult");
  ASSERT_TRUE(root.has_value());
  auto contents = XmlFindAll(*root, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  // <KeyCount> must not be taken for <Key>.
  EXPECT_EQ(XmlText(xml, "Key"), "a&b");
  EXPECT_EQ(XmlText(contents[0], "Size"), "3");
  EXPECT_EQ(XmlFind(contents[1], "Key"), std::string_view());
  EXPECT_EQ(XmlText(xml, "IsTruncated"), "false");
  EXPECT_EQ(XmlFind(xml, "Missing"), std::nullopt);
  EXPECT_EQ(XmlText(xml, "Missing"), "");
}

TEST(XmlTest, MalformedInputIsNotFound) {
  EXPECT_EQ(XmlFind("<Code>unterminated", "Code"), std::nullopt);
  EXPECT_EQ(XmlFind("<Code", "Code"), std::nullopt);
  EXPECT_EQ(XmlFind("<Code attr", "Code"), std::nullopt);
  EXPECT_EQ(XmlFind("", "Code"), std::nullopt);
  EXPECT_EQ(XmlFind("<>", ""), std::nullopt);
  EXPECT_TRUE(XmlFindAll("<a>1</a><a>2", "a").size() == 1);
}

TEST(XmlTest, Unescape) {
  EXPECT_EQ(XmlUnescape("&lt;&gt;&amp;&quot;&apos;"), "<>&\"'");
  EXPECT_EQ(XmlUnescape("&#65;&#x42;&#xe9;&#x1F600;"), "AB\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(XmlUnescape("&bogus; & &#; &#x110000; &#99999999999;"),
            "&bogus; & &#; &#x110000; &#99999999999;");
  EXPECT_EQ(XmlUnescape("&amp"), "&amp");
}

TEST(XmlTest, EscapeRoundTrips) {
  std::string text = "a<b>&c\"d'e";
  EXPECT_EQ(XmlEscape(text), "a&lt;b&gt;&amp;c&quot;d&apos;e");
  EXPECT_EQ(XmlUnescape(XmlEscape(text)), text);
}

// Random bytes and mutated documents must never crash or read out of bounds (run under
// ASan in the sanitizer build).
TEST(XmlTest, ArbitraryBytesAreSafe) {
  std::mt19937 rng(1);
  const std::string seed =
      "<Error><Code>SlowDown</Code><Message>&lt;x&#65;</Message><Key/></Error>";
  for (int i = 0; i < 20000; ++i) {
    std::string doc = seed;
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !doc.empty(); ++e) {
      size_t at = rng() % doc.size();
      switch (rng() % 3) {
        case 0:
          doc[at] = static_cast<char>(rng());
          break;
        case 1:
          doc.erase(at, 1 + rng() % 5);
          break;
        default:
          doc.insert(at, 1, "<>/&;#x"[rng() % 7]);
      }
    }
    for (const char* name : {"Error", "Code", "Message", "Key"}) {
      for (std::string_view content : XmlFindAll(doc, name)) {
        EXPECT_GE(content.data(), doc.data());
        EXPECT_LE(content.data() + content.size(), doc.data() + doc.size());
      }
      (void)XmlText(doc, name);
    }
  }
}

}  // namespace
}  // namespace strata::s3
