# The two commands a newcomer needs:
#   make run   - build and start the gateway on its built-in default config
#   make test  - install what is missing, build, run every test (also under ASan+UBSan)
.PHONY: run test build setup setup-build bench format clean

BAZEL ?= bazel

setup-build:
	@tools/setup.sh --build

setup:
	@tools/setup.sh

build: setup-build
	$(BAZEL) build --config=opt //gateway:across_gateway

run: build
	./bazel-out/k8-opt/bin/gateway/across_gateway $(ARGS)

test: setup
	@tools/test.sh

bench: setup
	@bench/run.sh

format:
	@find gateway providers guardrails metrics tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	$(BAZEL) clean
