# Developer conveniences. CI runs .ci/run; `go test ./...` needs none of this.

.PHONY: screenshot screenshot-empty

# Render the morning digest of the synthetic test mailbox and photograph
# it in headless Chromium (phone and desktop, light and dark) into out/.
# TEMPLATES=DIR previews your own templates.
screenshot:
	go run ./digest/cmd/screenshot -out out $(if $(TEMPLATES),-templates $(TEMPLATES))

# The same for a morning with nobody due.
screenshot-empty:
	go run ./digest/cmd/screenshot -out out/empty -empty $(if $(TEMPLATES),-templates $(TEMPLATES))
