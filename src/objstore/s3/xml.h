// A tiny reader for the few S3 response documents Strata needs (ListObjectsV2, errors,
// multipart and batch-delete results). Not a general XML parser: it finds elements by
// name and returns their raw content, which is enough because S3 responses never nest an
// element inside one of the same name. Bodies come from the network, so every function
// accepts arbitrary bytes: malformed input yields "not found", never a crash or an
// out-of-bounds read (fuzzed in xml_test.cc). Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::s3 {

// Raw content of the first element `name` in `xml` (between its start and end tags);
// "" for <name/>; nullopt when there is none or its end tag is missing.
std::optional<std::string_view> XmlFind(std::string_view xml, std::string_view name);
// Raw content of every element `name`, in document order.
std::vector<std::string_view> XmlFindAll(std::string_view xml, std::string_view name);
// Unescaped text of the first element `name`, or "" when absent.
std::string XmlText(std::string_view xml, std::string_view name);
// Resolves &lt; &gt; &amp; &quot; &apos; and numeric references (&#NN; &#xNN;, encoded
// as UTF-8); anything unrecognised is copied verbatim.
std::string XmlUnescape(std::string_view text);
// Escapes & < > " ' for element content.
std::string XmlEscape(std::string_view text);

}  // namespace strata::s3
