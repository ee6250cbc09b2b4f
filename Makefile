# The two commands a newcomer needs are `make run` and `make test`; see README.md.
GO      ?= go
PKGS    ?= ./...
TIMEOUT ?= 40m

.PHONY: run build test deps vet crossbuild package bench clean

run:            ## build svc and run it in the foreground on 127.0.0.1:8080
	$(GO) run ./cmd/svc run

build:
	$(GO) build -o bin/svc ./cmd/svc

deps:           ## install the system tools the tests use (root; no-op when present)
	bash .ci/deps

vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

crossbuild:     ## the package must build for every OS we support
	GOOS=linux   $(GO) build ./...
	GOOS=darwin  $(GO) build ./...
	GOOS=freebsd $(GO) build ./...
	GOOS=windows $(GO) build ./...
	CGO_ENABLED=0 $(GO) build ./...

# The last line says which real-init suites ran, and why any was skipped.
test: deps vet crossbuild  ## the whole test suite (real systemd tests need root)
	$(GO) run ./internal/testsummary $(GO) test -json -count=1 -timeout $(TIMEOUT) $(PKGS)

package:        ## dist/*.deb and dist/*.rpm
	$(GO) run ./packaging/cmd/mkpkg -o dist

bench:          ## benchmarks against the anchors; writes BENCHMARKS.md
	bash bench/run.sh

clean:
	rm -rf bin dist
