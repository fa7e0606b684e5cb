// Throughput of the full default PII detector (all kinds) over realistic
// text: mostly clean prose with a few PII items and the usual numbers
// (dates, prices, versions) that prose carries. Reports bytes/s.
//
//   bazel run -c opt //bench/guardrails:pii_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "guardrails/pii/detector.h"
#include "guardrails/pii/redactor.h"
#include "guardrails/pii/stream_redactor.h"

namespace across::guardrails::pii {
namespace {

// Ordinary business prose (with the dates, prices and versions prose
// carries) and one PII item per ~1 KB, the first after ~400 bytes.
std::string RealisticText(size_t size) {
  static const std::vector<std::string> prose = {
      "Thanks for getting back to me so quickly about the renewal. ",
      "As discussed on the call, the team reviewed the proposal in detail and "
      "we think the revised scope is a good fit for the next quarter. ",
      "The invoice from March 3, 2024 listed 12 licences at $49.00 each, "
      "which matches what procurement approved. ",
      "Could you confirm whether version 2.4.1 of the client fixes the sync "
      "issue we reported last week? ",
      "Our office hours are 9:00 to 17:30, Monday to Friday, and the support "
      "queue usually clears within 2 business days. ",
      "In the meantime, I've attached the notes from the workshop, including "
      "the open questions about data retention and access reviews. ",
      "Let me know if anything here is unclear; happy to walk through it. ",
      "The migration plan has three phases: discovery, pilot and rollout, "
      "with a checkpoint at the end of each phase. ",
  };
  static const std::vector<std::string> pii = {
      "You can reach me at maria.gonzalez@example.com. ",
      "My direct line is +1 (415) 555-2671. ",
      "Please charge the card ending in 4111 1111 1111 1111. ",
      "Wire to IBAN GB82 WEST 1234 5698 7654 32. ",
      "The VPN gateway is 10.20.30.40. ",
  };
  std::string text;
  size_t p = 0, q = 0, since_pii = 600;
  while (text.size() < size) {
    if (since_pii > 1000) {
      text += pii[q++ % pii.size()];
      since_pii = 0;
    } else {
      const std::string& s = prose[p++ % prose.size()];
      text += s;
      since_pii += s.size();
    }
  }
  text.resize(size);
  return text;
}

void BM_DetectDefault(benchmark::State& state) {
  const std::string text = RealisticText(static_cast<size_t>(state.range(0)));
  const PiiDetector& detector = PiiDetector::Default();
  size_t found = 0;
  for (auto _ : state) {
    auto matches = detector.Detect(text);
    found = matches.size();
    benchmark::DoNotOptimize(matches);
  }
  state.counters["matches"] = static_cast<double>(found);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DetectDefault)->Arg(1 << 10)->Arg(16 << 10)->Arg(256 << 10);

void BM_RedactDefault(benchmark::State& state) {
  const std::string text = RealisticText(static_cast<size_t>(state.range(0)));
  const PiiDetector& detector = PiiDetector::Default();
  for (auto _ : state) {
    Redactor redactor;
    std::vector<RedactSpan> spans;
    for (const PiiMatch& m : detector.Detect(text)) {
      spans.push_back({m.begin, m.end, PiiKindLabel(m.kind)});
    }
    benchmark::DoNotOptimize(redactor.Apply(text, spans));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_RedactDefault)->Arg(1 << 10)->Arg(16 << 10)->Arg(256 << 10);

// Streaming: 16 KB fed as ~20-byte deltas, as an LLM stream arrives.
void BM_StreamRedactDefault(benchmark::State& state) {
  const std::string text = RealisticText(16 << 10);
  for (auto _ : state) {
    Redactor redactor;
    StreamRedactor stream(PiiDetector::Default(), redactor);
    for (size_t pos = 0; pos < text.size(); pos += 20) {
      benchmark::DoNotOptimize(
          stream.Feed(std::string_view(text).substr(pos, 20)));
    }
    benchmark::DoNotOptimize(stream.Flush());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_StreamRedactDefault);

// The same detector without the byte prefilter: RE2::Set over everything.
void BM_DetectNoPrefilter(benchmark::State& state) {
  const std::string text = RealisticText(static_cast<size_t>(state.range(0)));
  static const PiiDetector* detector =
      new PiiDetector(AllPiiKinds(), DetectorOptions{.prefilter = false});
  for (auto _ : state) benchmark::DoNotOptimize(detector->Detect(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DetectNoPrefilter)->Arg(1 << 10)->Arg(16 << 10)->Arg(256 << 10);

}  // namespace
}  // namespace across::guardrails::pii
