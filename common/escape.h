// Escaping of untrusted bytes for one-line logs: what comes out is printable,
// has no line breaks and no terminal controls, so a message can never forge
// or hide a log line. Valid printable UTF-8 is kept as it is.
#pragma once

#include <string>
#include <string_view>

namespace ackd {

// Control bytes become \n \r \t \e or \xNN, backslash and double quote are
// escaped, invalid UTF-8 bytes become \xNN, and Unicode line separators,
// C1 controls and bidi overrides become \u{NNNN}.
std::string escape_for_log(std::string_view bytes);

// Whether a field value that escape_for_log produced must be written in double
// quotes: a space or '=' in a bare value would fake the fields after it (a
// unix peer names its own socket path, "/tmp/a size=1" for one). Values with
// an escape or a non-ASCII character are quoted too: bare values are plain.
bool needs_quotes_in_log(std::string_view escaped);

}  // namespace ackd
