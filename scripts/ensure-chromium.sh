#!/bin/sh
# The browser tests drive Debian's chromium through Playwright (`playwright install` cannot
# download browsers here). Install it when missing and we may; otherwise say why the browser
# tests will be skipped.
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests (apt-get)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
    || (apt-get update -q >/dev/null 2>&1 && \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1) \
    || echo "could not install chromium: browser tests will be skipped" >&2
else
  echo "chromium missing and not root: browser tests will be skipped" >&2
fi
exit 0
