// mock_upstream: a mock LLM provider for integration tests and benchmarks.
//
//   mock_upstream [--address=127.0.0.1] [--port=0] [--threads=1]
//                 [--port_file=PATH] [--require_key=KEY]
//
// Prints {"port":N} on one line to stdout once listening (and writes the same
// to --port_file, atomically), serves until SIGTERM/SIGINT, then exits 0.
// Endpoints, faults and control paths: see README.md beside this file.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/mock_upstream/anthropic_dialect.h"
#include "tests/mock_upstream/azure_dialect.h"
#include "tests/mock_upstream/bedrock_dialect.h"
#include "tests/mock_upstream/cohere_dialect.h"
#include "tests/mock_upstream/gemini_dialect.h"
#include "tests/mock_upstream/openai_dialect.h"
#include "tests/mock_upstream/server.h"

namespace {

constexpr std::string_view kUsage =
    "usage: mock_upstream [--address=127.0.0.1] [--port=0] [--threads=1]\n"
    "                     [--port_file=PATH] [--require_key=KEY]\n";

[[noreturn]] void Die(std::string_view message) {
  std::cerr << "mock_upstream: " << message << "\n" << kUsage;
  std::exit(2);
}

int ParseIntFlag(std::string_view name, const std::string& value, int lo,
                 int hi) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < lo || v > hi) {
    Die("bad value for --" + std::string(name) + ": " + value);
  }
  return static_cast<int>(v);
}

bool WritePortFile(const std::string& path, const std::string& line) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << line << "\n";
    if (!f.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  across::mock::ServerOptions options;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (!arg.starts_with("--")) Die("unexpected argument: " + std::string(arg));
    arg.remove_prefix(2);
    std::string name;
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      name = arg;
      if (i + 1 >= argc) Die("missing value for --" + name);
      value = argv[++i];
    }
    if (name == "address") {
      options.address = value;
    } else if (name == "port") {
      options.port = static_cast<uint16_t>(ParseIntFlag(name, value, 0, 65535));
    } else if (name == "threads") {
      options.threads = ParseIntFlag(name, value, 1, 256);
    } else if (name == "port_file") {
      port_file = value;
    } else if (name == "require_key") {
      options.require_key = value;
    } else {
      Die("unknown flag --" + name);
    }
  }

  std::vector<std::unique_ptr<across::mock::Dialect>> dialects;
  // More specific dialects go first; the first one also shapes the errors
  // for unknown paths.
  dialects.push_back(across::mock::MakeAzureDialect());
  dialects.push_back(across::mock::MakeCohereDialect());
  dialects.push_back(across::mock::MakeGeminiDialect());
  dialects.push_back(across::mock::MakeAnthropicDialect());
  dialects.push_back(across::mock::MakeBedrockDialect());
  dialects.push_back(across::mock::MakeOpenAiDialect());

  across::mock::Server server(std::move(options), std::move(dialects));
  try {
    server.Listen();
  } catch (const std::exception& e) {
    std::cerr << "mock_upstream: cannot listen: " << e.what() << "\n";
    return 1;
  }
  const std::string line = "{\"port\":" + std::to_string(server.port()) + "}";
  std::cout << line << std::endl;
  if (!port_file.empty() && !WritePortFile(port_file, line)) {
    std::cerr << "mock_upstream: cannot write " << port_file << "\n";
    return 1;
  }
  server.Run();
  return 0;
}
