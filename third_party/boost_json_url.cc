// The single translation unit that compiles Boost.JSON and Boost.URL, which
// the project uses in their header-only mode (Debian ships headers only for
// Boost 1.81).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
