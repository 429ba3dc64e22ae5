// Boost assertion handler for the sanitizer and fuzz builds (BOOST_ENABLE_ASSERT_HANDLER is set
// only there; release builds compile Boost's assertions out as usual).
//
// Every Boost assertion aborts, except one that upstream found to be wrong: Beast 1.81's
// basic_parser::parse_chunk_header asserts n >= 5 when re-entered on a final chunk, but 3 or 4
// bytes are valid there and the code after it handles them (boostorg/beast PR #2861, Boost 1.86).
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

namespace {
bool known_false_assertion(const char* expr, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "beast/http/impl/basic_parser.ipp") != nullptr;
}
}  // namespace

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (known_false_assertion(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  if (known_false_assertion(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
