// JSON strings for any bytes, as ackd and ackctl print them (status --json,
// spool cat --json, bench --json). The output is ASCII and valid JSON
// whatever the input, and it keeps every byte: see json_string.
#pragma once

#include <string>
#include <string_view>

namespace ackd {

// `bytes` as a quoted JSON string. Printable ASCII stands for itself (with
// \" and \\); every other byte, control, DEL or any byte >= 0x80, valid
// UTF-8 or not, becomes \u00XX with the byte's value. So the string's code
// points are the bytes, one each: a reader gets them back exactly by
// encoding the string as Latin-1 (Python: s.encode("latin-1")), and
// UTF-8 text is then decoded from those bytes.
std::string json_string(std::string_view bytes);

}  // namespace ackd
